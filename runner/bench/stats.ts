// Statistics across batches, computed by tinybench from figures measured inside the C fixture.
// Each sample handed to tinybench is one batch's ns per call (returned as `overriddenDuration`), never a
// time JavaScript measured; tinybench only does the arithmetic (mean, percentiles, Student's t interval).
import { Bench } from 'tinybench';
import type { Spread } from './types.js';

export class StatsError extends Error {
  override name = 'StatsError';
}

const NS_PER_MS = 1e6;

/**
 * Median, mean, p99, 95% margin of error and friends of `samples` (ns per call, one per batch).
 * Throws on fewer than two samples or a value tinybench would not accept (negative, NaN): tinybench silently
 * replaces a rejected `overriddenDuration` with its own timing of the function, which would be a lie here.
 */
export function summarize(samples: readonly number[]): Spread {
  if (samples.length < 2) throw new StatsError(`${samples.length} sample(s): a spread needs at least two`);
  for (const s of samples)
    if (!Number.isFinite(s) || s < 0) throw new StatsError(`sample ${s} is not a finite, non-negative duration`);

  // tinybench calls the function once more than `iterations`, to detect whether it is async, before the
  // first `beforeEach`: the index only advances in `beforeEach`, so that extra call consumes nothing.
  let index = -1;
  const bench = new Bench({ iterations: samples.length, time: 0, warmup: false, throws: true, retainSamples: true });
  bench.add('batches', () => ({ overriddenDuration: (samples[Math.max(index, 0)] as number) / NS_PER_MS }), {
    beforeEach() {
      index++;
    },
  });
  bench.runSync();
  const task = bench.tasks[0];
  const result = task?.result;
  if (!result || !('latency' in result)) throw new StatsError(`tinybench did not complete (${result?.state ?? 'no task'})`);
  const l = result.latency;
  if (l.samplesCount !== samples.length || index !== samples.length - 1)
    throw new StatsError(`tinybench used ${l.samplesCount} samples, expected ${samples.length}`);
  return {
    samples: l.samplesCount,
    mean: l.mean * NS_PER_MS,
    median: l.p50 * NS_PER_MS,
    p99: l.p99 * NS_PER_MS,
    min: l.min * NS_PER_MS,
    max: l.max * NS_PER_MS,
    sd: l.sd * NS_PER_MS,
    sem: l.sem * NS_PER_MS,
    moe: l.moe * NS_PER_MS,
    rme: l.rme,
    mad: l.mad * NS_PER_MS,
  };
}

/** Relative uncertainty (%) of a ratio a/b from the relative margins of error of a and b. */
export function ratioRme(rmeA: number, rmeB: number): number {
  return Math.sqrt(rmeA * rmeA + rmeB * rmeB);
}

/** The sample median (for the baseline); the same interpolation as tinybench's p50. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new StatsError('no samples');
  const s = [...samples].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  const lo = s[Math.floor(mid)] as number;
  const hi = s[Math.ceil(mid)] as number;
  return (lo + hi) / 2;
}
