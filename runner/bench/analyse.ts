// From the fixture's raw batches to bench.json: baseline subtraction, statistics, ratios, and the honest
// part: which figures are too noisy to quote and why, and whether the run is representative at all. Pure.
import { benchPath, REFERENCE_ID, type BenchPathId } from './paths.js';
import { PERF_TOOL, type PerfRun } from './perf.js';
import { median, ratioRme, summarize } from './stats.js';
import type { BenchResults, CrossCheck, Environment, MeasuredPath, PathResult, Spread } from './types.js';
import type { RawBench } from './fixture.js';

/** A path whose relative margin of error is above this (percent) is reported as noisy. */
export const RME_LIMIT = 2;
/** perf and our native figure should agree within this (percent); reported, never asserted. */
export const PERF_AGREEMENT = 10;

export interface AnalyseInput {
  raw: RawBench;
  environment: Omit<Environment, 'cpu' | 'pinned'>;
  perf: { loops: number; runs: PerfRun[] };
  run: BenchResults['run'];
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Why a path's margin of error is high, from what the data and the environment show. */
export function noiseReason(
  id: BenchPathId,
  s: Spread,
  preempted: number,
  env: AnalyseInput['environment'],
  pinned: boolean,
): string {
  const why: string[] = [];
  if (env.virtualization.emulated) why.push('emulated CPU (QEMU TCG): timings follow the emulator, not the hardware');
  if (s.samples < 30) why.push(`only ${s.samples} batches`);
  if (preempted > 0)
    why.push(`${preempted} of ${s.samples} batches were preempted (involuntary context switches): other processes wanted this CPU`);
  const tail = s.median > 0 ? (s.p99 / s.median - 1) * 100 : 0;
  if (tail > 25) why.push(`outlier batches (p99 ${tail.toFixed(0)}% above the median): interrupts, or other processes on the CPU`);
  if (id === 'ptrace-sysemu')
    why.push('every call is two context switches through the scheduler, so anything else runnable on that CPU lands in the figure');
  if (!pinned) why.push('not pinned to one CPU, so batches migrate');
  const busy = Math.max(env.loadavgBefore ?? 0, env.loadavgAfter ?? 0);
  if (busy > env.cpus / 2) why.push(`the machine was busy (load average ${busy.toFixed(1)} on ${env.cpus} CPUs)`);
  if (why.length === 0) why.push(`batch-to-batch spread is high (sd ${((s.sd / s.mean) * 100).toFixed(1)}% of the mean)`);
  return why.join('; ');
}

function crossCheck(perf: AnalyseInput['perf'], native: MeasuredPath | undefined): CrossCheck {
  const ok = perf.runs.flatMap((r) => (r.ok ? [r.nsPerCall] : []));
  const failed = perf.runs.find((r) => !r.ok);
  if (ok.length === 0)
    return {
      tool: PERF_TOOL,
      status: 'unavailable',
      reason: failed && !failed.ok ? failed.reason : 'not run',
      runs: [],
      loops: perf.loops,
    };
  const ns = ok.reduce((a, b) => a + b, 0) / ok.length;
  const check: CrossCheck = { tool: PERF_TOOL, status: 'measured', runs: ok.map(round3), loops: perf.loops, nsPerCall: round3(ns) };
  if (native) {
    const diff = ((native.nsPerCall.median - ns) / ns) * 100;
    check.nativeMedian = round3(native.nsPerCall.median);
    check.differencePct = round3(diff);
    check.agrees = Math.abs(diff) <= PERF_AGREEMENT;
  }
  return check;
}

export function analyse(input: AnalyseInput): BenchResults {
  const { raw, environment } = input;
  const baselineMedian = median(raw.baseline.samples);
  const baseline = summarize(raw.baseline.samples);

  const spreads = new Map<BenchPathId, { spread: Spread; batches: number[]; iters: number; seconds: number; preempted: number }>();
  for (const id of input.run.paths) {
    const r = raw.measured[id];
    if (!r) continue;
    // The empty loop's cost (call, register shuffle, loop) is not the syscall's: take it out of every batch.
    const batches = r.samples.map((x) => Math.max(0, x - baselineMedian));
    const seconds = (r.samples.reduce((a, b) => a + b, 0) * r.iters) / 1e9;
    spreads.set(id, { spread: summarize(batches), batches: batches.map(round3), iters: r.iters, seconds, preempted: r.preempted });
  }
  const ref = spreads.get(REFERENCE_ID);

  const paths: PathResult[] = input.run.paths.map((id): PathResult => {
    const { label, measures, meaning } = benchPath(id);
    const m = spreads.get(id);
    if (!m) {
      const reason = raw.unavailable[id] ?? 'not measured';
      return { id, label, measures, meaning, status: 'unavailable', reason };
    }
    const s = m.spread;
    const noisy = !(s.rme <= RME_LIMIT);
    const ratio = ref ? s.median / ref.spread.median : NaN;
    return {
      id,
      label,
      measures,
      meaning,
      status: 'measured',
      itersPerBatch: m.iters,
      nsPerCall: s,
      ratioToNative: { value: ratio, rme: id === REFERENCE_ID ? 0 : ref ? ratioRme(s.rme, ref.spread.rme) : NaN },
      overNativeNs: ref ? s.median - ref.spread.median : NaN,
      noisy,
      ...(noisy ? { noisyWhy: noiseReason(id, s, m.preempted, environment, raw.pinned) } : {}),
      preemptedBatches: m.preempted,
      seconds: m.seconds,
      batches: m.batches,
    };
  });

  const measured = paths.filter((p): p is MeasuredPath => p.status === 'measured');
  const check = crossCheck(input.perf, measured.find((p) => p.id === REFERENCE_ID));
  const env: Environment = { ...environment, cpu: raw.cpu, pinned: raw.pinned };

  const notes: string[] = [];
  const v = env.virtualization;
  if (v.emulated)
    notes.push(`NOT REPRESENTATIVE: the CPU is emulated (${v.evidence.join('; ')}); figures describe the emulator, not any hardware.`);
  else if (v.vm)
    notes.push(
      `Measured in a virtual machine (${v.kind}${v.container ? `, inside a ${v.container} container` : ''}): syscalls run at native speed under hardware virtualization, but the host's scheduling and interrupts add noise, and bare metal may differ.`,
    );
  const noisy = measured.filter((p) => p.noisy);
  for (const p of noisy)
    notes.push(`NOISY: ${p.id} has a relative margin of error of ${p.nsPerCall.rme.toFixed(2)}% (limit ${RME_LIMIT}%): ${p.noisyWhy}.`);
  if (noisy.length === 0 && measured.length > 0)
    notes.push(`Every measured path has a relative margin of error of ${RME_LIMIT}% or less.`);
  for (const p of paths) if (p.status === 'unavailable') notes.push(`UNAVAILABLE: ${p.id}: ${p.reason}.`);
  if (!raw.pinned) notes.push(`Not pinned to a CPU${raw.pinError ? ` (sched_setaffinity: ${raw.pinError})` : ''}: batches may migrate between CPUs.`);
  if (env.seccompMode !== null && env.seccompMode !== 0)
    notes.push(
      `This process runs under seccomp mode ${env.seccompMode} (a container or sandbox filter), inherited by the fixture: every path, native included, pays for that filter.`,
    );
  if (env.clocksource !== null && !['tsc', 'kvm-clock', 'hyperv_clocksource_tsc_page', 'arch_sys_counter'].includes(env.clocksource))
    notes.push(`Clocksource '${env.clocksource}' may not be readable from the vDSO: clock reads could add a syscall to every batch (outside the loop).`);
  if (check.status === 'measured' && check.differencePct !== undefined)
    notes.push(
      `Cross-check: ${PERF_TOOL} gives ${check.nsPerCall?.toFixed(1)} ns per getppid() (runs: ${check.runs.map((r) => r.toFixed(1)).join(', ')}); native here ${check.nativeMedian?.toFixed(1)} ns, ${check.differencePct >= 0 ? '+' : ''}${check.differencePct.toFixed(1)}%: ${check.agrees ? `within ${PERF_AGREEMENT}%` : `NOT within ${PERF_AGREEMENT}%: the method or the machine disagrees, treat the table with care`}.`,
    );
  else if (check.status === 'unavailable') notes.push(`Cross-check with ${PERF_TOOL} not available: ${check.reason}.`);

  const representative = !v.emulated && noisy.length === 0;
  if (!representative && !v.emulated)
    notes.unshift(`NOT REPRESENTATIVE as a whole: ${noisy.map((p) => p.id).join(', ')} too noisy (see below); quote those figures only with their spread.`);

  return {
    schema: 'sudcheck-bench/1',
    run: input.run,
    environment: env,
    method: {
      clock: 'clock_gettime(CLOCK_MONOTONIC) around each batch, inside the fixture',
      syscall: 'getppid (native-enosys: syscall number 1023, unimplemented)',
      batchNs: raw.batchNs,
      warmupRounds: raw.warmupRounds,
      measuredRounds: raw.measuredRounds,
      interleaving:
        'one batch of every path per round, the starting path rotating each round (ABAB, never all A then all B); warm-up rounds discarded',
      handler:
        "sud.h's SIGSYS handler for SUD and seccomp alike: records siginfo and registers, sets RAX to the emulated getppid() result, and writes ALLOW to the selector before returning, because x86-64 has no vDSO signal restorer and the libc restorer lies outside the allowed region (the Wine/lazypoline way); sud-sigsys-restorer measures the alternative with the same handler: the selector stays BLOCK and rt_sigreturn runs from a restorer inside the region",
      baseline,
      rmeLimit: RME_LIMIT,
      statistics:
        'tinybench over batch figures (each sample one batch: elapsed ns / calls, minus the median of the empty-loop baseline): median, mean with its 95% Student-t margin of error, p99 of batch means',
    },
    paths,
    crossCheck: check,
    representative,
    notes,
  };
}
