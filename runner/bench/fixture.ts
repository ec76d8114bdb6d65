// Running fixtures-c/bench.c and reading what it printed (the fixture protocol's key=value facts).
import { parseFacts } from '../facts.js';
import { fixtureBinary } from '../paths.js';
import { runProcess } from '../targets/local.js';
import { BASELINE_ID, isBenchPathId, type BenchPathId } from './paths.js';

export interface FixtureOptions {
  paths: BenchPathId[];
  batchNs: number;
  warmupRounds: number;
  maxRounds: number;
  budgetMs: number;
  /** null: the fixture picks the highest CPU it may run on. */
  cpu: number | null;
}

export interface RawPath {
  iters: number;
  /** Raw ns per call of each measured batch, nothing subtracted. */
  samples: number[];
  /** Measured batches during which another task took the CPU (involuntary context switches). */
  preempted: number;
}

export interface RawBench {
  cpu: number;
  pinned: boolean;
  pinError?: string;
  warmupRounds: number;
  measuredRounds: number;
  batchNs: number;
  elapsedNs: number;
  baseline: RawPath;
  measured: Partial<Record<BenchPathId, RawPath>>;
  unavailable: Partial<Record<BenchPathId, string>>;
}

export class BenchFixtureError extends Error {
  override name = 'BenchFixtureError';
}

export function fixtureArgs(o: FixtureOptions): string[] {
  return [
    'run',
    `paths=${o.paths.join(',')}`,
    `batch_ns=${Math.round(o.batchNs)}`,
    `warmup=${o.warmupRounds}`,
    `rounds=${o.maxRounds}`,
    `budget_ms=${Math.round(o.budgetMs)}`,
    ...(o.cpu === null ? [] : [`cpu=${o.cpu}`]),
  ];
}

function int(facts: Record<string, string>, key: string): number {
  const v = facts[key];
  if (v === undefined || !/^-?\d+$/.test(v)) throw new BenchFixtureError(`the bench fixture printed no integer '${key}' (got ${JSON.stringify(v)})`);
  return Number(v);
}

function parseSamples(key: string, text: string): number[] {
  if (text === '') return [];
  return text.split(',').map((t) => {
    const n = Number(t);
    if (!/^\d+(?:\.\d+)?$/.test(t) || !Number.isFinite(n)) throw new BenchFixtureError(`'${key}' holds a malformed figure ${JSON.stringify(t)}`);
    return n;
  });
}

/** Reads `bench run` output. Throws BenchFixtureError on anything malformed or missing. */
export function parseBenchOutput(stdout: string, requested: readonly BenchPathId[]): RawBench {
  const { facts, problems } = parseFacts(stdout);
  if (problems.length) throw new BenchFixtureError(`the bench fixture broke the fixture protocol: ${problems.join('; ')}`);
  const raw: RawBench = {
    cpu: int(facts, 'cpu'),
    pinned: facts['cpu.pinned'] === '1',
    ...(facts['cpu.error'] !== undefined ? { pinError: facts['cpu.error'] } : {}),
    warmupRounds: int(facts, 'rounds.warmup'),
    measuredRounds: int(facts, 'rounds.measured'),
    batchNs: int(facts, 'batch_ns'),
    elapsedNs: int(facts, 'elapsed_ns'),
    baseline: { iters: 0, samples: [], preempted: 0 },
    measured: {},
    unavailable: {},
  };
  const read = (id: string): RawPath | undefined => {
    const samples = facts[`samples.${id}`];
    if (samples === undefined) return undefined;
    const path = {
      iters: int(facts, `iters.${id}`),
      samples: parseSamples(`samples.${id}`, samples),
      preempted: int(facts, `preempted.${id}`),
    };
    if (path.samples.length !== raw.measuredRounds)
      throw new BenchFixtureError(`'samples.${id}' has ${path.samples.length} figures for ${raw.measuredRounds} rounds`);
    return path;
  };
  const baseline = read(BASELINE_ID);
  if (!baseline) throw new BenchFixtureError('the bench fixture printed no baseline samples');
  raw.baseline = baseline;
  for (const key of Object.keys(facts)) {
    const m = /^(samples|unavailable)\.(.+)$/.exec(key);
    if (m && m[2] !== BASELINE_ID && !isBenchPathId(m[2] as string))
      throw new BenchFixtureError(`the bench fixture printed an unknown path '${m[2]}' (fixture and runner out of step?)`);
  }
  for (const id of requested) {
    const why = facts[`unavailable.${id}`];
    const path = read(id);
    if (why !== undefined) raw.unavailable[id] = why;
    else if (path) raw.measured[id] = path;
    else throw new BenchFixtureError(`the bench fixture printed nothing for path '${id}'`);
  }
  return raw;
}

/** Runs the fixture; the timeout leaves room for calibration and warm-up beyond the budget. */
export async function runBenchFixture(o: FixtureOptions, binary = fixtureBinary('bench')): Promise<RawBench> {
  const timeoutMs = o.budgetMs + 60_000;
  const obs = await runProcess(binary, fixtureArgs(o), timeoutMs);
  if (obs.spawnError) throw new BenchFixtureError(`cannot run the bench fixture: ${obs.spawnError}`);
  if (obs.timedOut) throw new BenchFixtureError(`the bench fixture did not finish within ${timeoutMs / 1000} s`);
  if (obs.signal) throw new BenchFixtureError(`the bench fixture was killed by ${obs.signal}: ${obs.stderr.trim()}`);
  if (obs.exitCode !== 0) {
    const { facts } = parseFacts(obs.stdout.endsWith('\n') ? obs.stdout : `${obs.stdout}\n`);
    const why = facts['error'] ?? facts['skip'] ?? obs.stderr.trim();
    throw new BenchFixtureError(`the bench fixture exited with ${obs.exitCode}: ${why}`);
  }
  return parseBenchOutput(obs.stdout, o.paths);
}
