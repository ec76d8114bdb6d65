// The benchmark's paths: what each one measures and what it means for a compatibility layer.
// The ids are the ones fixtures-c/bench.c knows (`bench list` prints them); a test keeps the two in step.

export const BENCH_PATH_IDS = [
  'native',
  'native-enosys',
  'armed-inside',
  'armed-allow',
  'seccomp-allow',
  'switch-flip',
  'switch-prctl',
  'sud-sigsys',
  'sud-sigsys-restorer',
  'seccomp-trap',
  'ptrace-sysemu',
] as const;
export type BenchPathId = (typeof BENCH_PATH_IDS)[number];

/** The empty loop: measured like a path, interleaved with the others, and subtracted from all of them. */
export const BASELINE_ID = 'baseline';
/** Every ratio is to this path, so it is always measured. */
export const REFERENCE_ID: BenchPathId = 'native';

export interface BenchPath {
  id: BenchPathId;
  /** Short label for tables and the chart. */
  label: string;
  /** What one call of the hot loop does. */
  measures: string;
  /** What the figure means for someone choosing how to intercept syscalls. */
  meaning: string;
}

export const BENCH_PATHS: readonly BenchPath[] = [
  {
    id: 'native',
    label: 'native, SUD off',
    measures: 'getppid() with Syscall User Dispatch off',
    meaning: 'the reference: what an unintercepted syscall costs; every ratio is to this figure',
  },
  {
    id: 'native-enosys',
    label: 'native, invalid nr',
    measures: 'an unimplemented syscall number (-ENOSYS) with SUD off',
    meaning: 'kernel entry and exit alone, without the work of getppid: the floor of any syscall',
  },
  {
    id: 'armed-inside',
    label: 'armed, inside region',
    measures: 'getppid() with SUD armed, issued from inside the allowed region (selector BLOCK)',
    meaning:
      "what the layer's own syscalls cost (the code in the allowed region, e.g. Wine's libc): the region check only, the selector is not read",
  },
  {
    id: 'armed-allow',
    label: 'armed, selector ALLOW',
    measures: 'getppid() with SUD armed, from outside the region, selector ALLOW',
    meaning:
      'what every syscall of native code costs while the layer is loaded but not intercepting: the region check plus a user-memory read of the selector (the kernel selftest measures only this path)',
  },
  {
    id: 'seccomp-allow',
    label: 'seccomp filter, ALLOW',
    measures: 'getppid() through a 10-instruction seccomp filter that returns ALLOW (it inspects an argument, so the action cache cannot skip it)',
    meaning: 'the tax every syscall pays in a process running under a seccomp filter (containers, sandboxes), for comparison with armed-allow',
  },
  {
    id: 'switch-flip',
    label: 'switch: selector flip',
    measures: 'selector byte BLOCK then ALLOW (two stores), then getppid() armed with ALLOW',
    meaning: 'leaving and re-entering the intercepted personality the SUD way (Wine, lazypoline): a store, no syscall',
  },
  {
    id: 'switch-prctl',
    label: 'switch: prctl toggle',
    measures: 'prctl(ON) then prctl(OFF), then getppid() with SUD off',
    meaning: 'the same switch done by arming and disarming with prctl: two extra syscalls per switch, which is why layers flip the byte',
  },
  {
    id: 'sud-sigsys',
    label: 'SUD dispatch round trip',
    measures:
      'getppid() dispatched: SIGSYS delivered, the handler emulates getppid and writes ALLOW to the selector, rt_sigreturn through the libc restorer',
    meaning: 'what each intercepted syscall costs a SUD-based layer (Wine on x86-64, lazypoline, stress-ng usersyscall)',
  },
  {
    id: 'sud-sigsys-restorer',
    label: 'SUD round trip, restorer in region',
    measures:
      "getppid() dispatched: SIGSYS, the same handler leaves the selector at BLOCK and returns through a restorer whose rt_sigreturn runs inside the allowed region (sud.h's sud_restorer_escape)",
    meaning:
      'the other legal handler design on x86-64 (no vDSO restorer): no selector writes, but the layer must install its handler with its own SA_RESTORER instead of libc sigaction()',
  },
  {
    id: 'seccomp-trap',
    label: 'seccomp RET_TRAP round trip',
    measures: 'getppid() trapped by a seccomp RET_TRAP filter: SIGSYS, the same handler, rt_sigreturn',
    meaning:
      'the older in-process way to intercept: a filter cannot be switched off or scoped to a code region, so the layer must filter on arguments or addresses instead',
  },
  {
    id: 'ptrace-sysemu',
    label: 'ptrace SYSEMU round trip',
    measures: 'getppid() stopped by PTRACE_SYSEMU; the tracer (another process) reads the registers, sets the result and resumes',
    meaning: 'an out-of-process layer (UML, gVisor ptrace platform, debuggers): two context switches and four tracer syscalls per call',
  },
];

export function benchPath(id: BenchPathId): BenchPath {
  const p = BENCH_PATHS.find((x) => x.id === id);
  if (!p) throw new Error(`unknown bench path '${id}'`);
  return p;
}

export function isBenchPathId(id: string): id is BenchPathId {
  return (BENCH_PATH_IDS as readonly string[]).includes(id);
}
