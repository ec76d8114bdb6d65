// The types every part of sudcheck speaks. Data flows one way:
// Scenario + Observation (+ probed Features, + Expectations) -> Verdict -> reporters.

/** Feature probes, run once per run on the target (see runner/probes.ts and fixtures-c/probe.c). */
export const FEATURE_IDS = [
  'sud', // prctl(59, 0, 0, 0, 0) == 0
  'inclusive', // PR_SYS_DISPATCH_INCLUSIVE_ON (2) accepted (6.17+)
  'ptrace-config', // PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG works on a stopped child (6.4+)
  'ia32', // int $0x80 works from a 64-bit task
  'rseq', // rseq(2) registration works
  'sysctl', // /proc/sys/kernel/syscall_user_dispatch exists
  'tracefs', // root and tracefs mounted (raw_syscalls events)
  'seccomp', // seccomp filters can be installed
  'va47', // 47-bit user address space (4-level paging): the selector EFAULT boundary is 0x7ffffffff000
  'vsyscall', // the legacy vsyscall page is mapped and executable (not vsyscall=none)
] as const;
export type FeatureId = (typeof FEATURE_IDS)[number];

export interface FeatureState {
  present: boolean;
  /** Why present or absent, in words a skip message can quote. */
  detail: string;
}
export type Features = Record<FeatureId, FeatureState>;

/** A fact expectation. Facts are the `key=value` lines a fixture prints; values are strings. */
export type FactMatcher =
  | string // exact string equality
  | { absent: true } // the fixture must NOT have printed this key
  | { present: true } // any value
  | { anyOf: string[] } // one of these exact strings
  | { sameAs: string } // equal to the value of another fact (e.g. si_call_addr vs a label's address)
  | { notSameAs: string } // different from another fact's value
  | { pattern: string }; // a regular expression (source) that must match the whole value

export type SignalName =
  | 'SIGSYS'
  | 'SIGSEGV'
  | 'SIGKILL'
  | 'SIGABRT'
  | 'SIGBUS'
  | 'SIGILL'
  | 'SIGTRAP'
  | 'SIGTERM'
  | 'SIGFPE';

export interface Expectation {
  /** The fixture dies by this signal (observed by the runner, never self-reported). */
  signal?: SignalName;
  /** Exit code when no signal is expected; 0 when omitted. */
  exit?: number;
  facts?: Record<string, FactMatcher>;
}

/** A reference to kernel-behaviour.md, written `B11` (section letter + item number) or `seed:<section>`. */
export type Ref = string;

export interface Scenario {
  /** Stable, unique, [a-z0-9.-]+, dotted: `<family>.<case>`. Never renamed lightly. */
  id: string;
  title: string;
  refs: Ref[];
  requires: FeatureId[];
  run: { fixture: string; args: string[] };
  expect: Expectation;
  /** Where the seed draft says something else, what it says (shown in reports). */
  draft?: string;
  /** Per-scenario timeout override in milliseconds. */
  timeoutMs?: number;
  /** Runs alone, after the others: it changes machine-wide state (a sysctl) that would disturb them. */
  exclusive?: boolean;
}

/** What a target saw when it ran one scenario's fixture. */
export interface Observation {
  /** Exit code when the process exited, null when it died by a signal or never ran. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Set when the fixture could not be started at all (missing binary, spawn failure). */
  spawnError?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export type Status = 'PASS' | 'FAIL' | 'SKIP' | 'ERROR' | 'XFAIL' | 'XPASS';
export const STATUSES: readonly Status[] = ['PASS', 'FAIL', 'SKIP', 'ERROR', 'XFAIL', 'XPASS'];

export interface Mismatch {
  /** What was compared: `signal`, `exit`, `fact <key>`. */
  what: string;
  expected: string;
  observed: string;
}

export interface Verdict {
  status: Status;
  /** One line: why this verdict. SKIP and ERROR always have one. */
  reason: string;
  mismatches: Mismatch[];
}

/** One entry of an expectations file (known deviations, for distros). */
export interface KnownDeviation {
  id: string; // scenario id or glob
  /** Kernel release range, inclusive lower bound, exclusive upper bound; either may be absent. */
  from?: string;
  until?: string;
  reason: string;
}

export interface KernelInfo {
  release: string; // uname -r
  version: string; // uname -v
  machine: string; // uname -m
}

export interface CaseResult {
  id: string;
  title: string;
  family: string;
  refs: Ref[];
  requires: FeatureId[];
  draft?: string;
  status: Status;
  reason: string;
  mismatches: Mismatch[];
  /** Expected outcome in words, for reports. */
  expected: string;
  observed: {
    exitCode: number | null;
    signal: string | null;
    timedOut: boolean;
    facts: Record<string, string>;
    stderrTail: string;
    durationMs: number;
  } | null;
  /** With --repeat: the verdict of every round, in order, and whether they differed. */
  rounds?: Status[];
  flaky?: boolean;
}

export interface RunInfo {
  id: string; // reports/<id>
  tool: string; // "sudcheck <version>"
  startedAt: string; // ISO
  finishedAt: string;
  durationMs: number;
  target: { kind: 'local' | 'qemu'; kernel: KernelInfo; image?: string; console?: string };
  host: { node: string; cpus: number };
  options: { filter: string[]; jobs: number; timeoutMs: number; repeat: number; expectations?: string };
}

export type Summary = Record<Status, number> & { total: number };

export interface RunResults {
  schema: 'sudcheck-results/1';
  run: RunInfo;
  features: Features;
  summary: Summary;
  results: CaseResult[];
}

/** What a target knows after preparing a run: the probed features, or why it could not get that far. */
export type Preparation =
  | { ok: true; features: Features; kernel: KernelInfo }
  /** The target never became usable (a VM that did not boot, panicked or hung): every scenario is ERROR. */
  | { ok: false; reason: string; kernel: KernelInfo };

/** Anything that can run a scenario's fixture and report what happened. */
export interface Target {
  readonly kind: 'local' | 'qemu';
  /** Probes features once per run. A batch target (qemu) may run every scenario here, `repeat` times,
   * and hand the observations out from run(). */
  prepare(scenarios: readonly Scenario[], opts: { timeoutMs: number; repeat: number }): Promise<Preparation>;
  run(scenario: Scenario, timeoutMs: number): Promise<Observation>;
  close?(): Promise<void>;
  /** What results.json records about the target beyond its kind (a VM's image and console tail). */
  describe?(): { image?: string; console?: string };
}

/** A reporter renders the canonical results into one format; pure. */
export type Reporter = (results: RunResults) => string;
