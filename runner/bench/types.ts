// What `sudcheck bench` produces: bench.json's shape, from which every other format is rendered.
import type { KernelInfo } from '../types.js';
import type { BenchPathId } from './paths.js';

/** Statistics across batches, in nanoseconds per call. Every figure a report prints comes with these. */
export interface Spread {
  /** Number of batches (samples) the statistics were computed from. */
  samples: number;
  mean: number;
  median: number;
  /** 99th percentile of the batch means. */
  p99: number;
  min: number;
  max: number;
  /** Standard deviation of the batch means. */
  sd: number;
  /** Standard error of the mean. */
  sem: number;
  /** Half-width of the 95% confidence interval of the mean (Student's t). */
  moe: number;
  /** moe relative to the mean, in percent. */
  rme: number;
  /** Median absolute deviation (unscaled). */
  mad: number;
}

export interface MeasuredPath {
  id: BenchPathId;
  label: string;
  measures: string;
  meaning: string;
  status: 'measured';
  /** Calls per timed batch (calibrated by the fixture to about the batch duration). */
  itersPerBatch: number;
  /** Baseline-subtracted ns per call across batches. */
  nsPerCall: Spread;
  /** median / native median, with the relative uncertainty combined from both margins of error (%). */
  ratioToNative: { value: number; rme: number };
  /** median minus native median, ns. */
  overNativeNs: number;
  /** rme above the limit: the figure is not tight enough to quote without its spread. */
  noisy: boolean;
  /** Why it is noisy (only when noisy). */
  noisyWhy?: string;
  /** Measured batches during which another task took the CPU (involuntary context switches). */
  preemptedBatches: number;
  /** Seconds spent in this path's measured batches. */
  seconds: number;
  /** Baseline-subtracted ns per call of every measured batch, in round order (for re-analysis). */
  batches: number[];
}

export interface UnavailablePath {
  id: BenchPathId;
  label: string;
  measures: string;
  meaning: string;
  status: 'unavailable';
  reason: string;
}

export type PathResult = MeasuredPath | UnavailablePath;

export interface Virtualization {
  /** The CPU reports the `hypervisor` flag, or systemd-detect-virt names a VM. */
  vm: boolean;
  /** Name of the hypervisor when known (kvm, qemu, vmware, microsoft, ...). */
  kind: string | null;
  /** Full emulation (QEMU TCG): timings are not representative of any hardware. */
  emulated: boolean;
  container: string | null;
  cpuModel: string;
  /** How each conclusion was reached. */
  evidence: string[];
}

export interface Environment {
  kernel: KernelInfo;
  cpus: number;
  virtualization: Virtualization;
  clocksource: string | null;
  /** The seccomp mode this process runs under (inherited by the fixture): a filter taxes every path. */
  seccompMode: number | null;
  loadavgBefore: number | null;
  loadavgAfter: number | null;
  cpu: number;
  pinned: boolean;
}

export interface CrossCheck {
  tool: string;
  status: 'measured' | 'unavailable';
  reason?: string;
  /** ns per getppid() of each perf run (one before the fixture, one after). */
  runs: number[];
  loops: number;
  nsPerCall?: number;
  nativeMedian?: number;
  /** (native median - perf) / perf, in percent. */
  differencePct?: number;
  /** |differencePct| <= 10: reported, never asserted. */
  agrees?: boolean;
}

export interface BenchResults {
  schema: 'sudcheck-bench/1';
  run: {
    id: string;
    tool: string;
    startedAt: string;
    finishedAt: string;
    durationMs: number;
    mode: 'quick' | 'default';
    paths: BenchPathId[];
  };
  environment: Environment;
  method: {
    clock: string;
    syscall: string;
    batchNs: number;
    warmupRounds: number;
    measuredRounds: number;
    interleaving: string;
    handler: string;
    /** The empty loop, raw ns per iteration; its median is subtracted from every batch of every path. */
    baseline: Spread;
    /** rme above this (percent) marks a path noisy. */
    rmeLimit: number;
    statistics: string;
  };
  paths: PathResult[];
  crossCheck: CrossCheck;
  /** False under emulation or when a path is noisy; `notes` say why. */
  representative: boolean;
  notes: string[];
}
