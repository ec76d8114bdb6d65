// order: Syscall User Dispatch against the other syscall work (kernel-behaviour.md E24-E27).
//
// The dispatch decision is the first thing syscall_trace_enter() does (B8). A dispatched syscall returns
// from there at once with the SIGSYS queued and `on_dispatch` set, so everything that comes later on the
// entry path (ptrace's entry stop, seccomp, the sys_enter tracepoint, audit) never sees it, and the exit
// work (ptrace's exit stop, the sys_exit tracepoint) is skipped (E24, E25). What runs on the way back to
// user space does see it: signal delivery aborts an rseq critical section (E26), and the x86 signal code's
// restart logic looks at orig_rax and rax, which for a dispatched syscall both hold the number (E27).
//
// Every scenario carries a control in the same run, so that a kernel that accepts the prctl but never
// arms gives FAIL, not a vacuous PASS: where the behaviour is "X does not happen for a dispatched call",
// the same run shows X happening for a native call made the same way, and shows the dispatch itself
// (SIGSYS si_code 2). fixtures-c/order.c documents each case and its facts.
import { family, hex, sameAs, scenario } from '../runner/scenario.js';
import type { FactMatcher, Scenario } from '../runner/types.js';

const GETPPID = 110;
const RESTART_SYSCALL = 219; // __NR_restart_syscall on x86-64
const SIGSYS = 31;
const SIGSTOP = 19;
const EACCES = 13; // the seccomp ERRNO filter's errno
const HANDLER_RET = hex(0x5ad); // what the fixtures' SIGSYS handler makes a dispatched call return
const SYSEMU_RET = hex(0x5e5); // what the tracer writes into rax at a PTRACE_SYSEMU stop
const RSEQ_ABORTED = hex(0xab047); // what the rseq gate's abort handler returns

/** The call was dispatched: SIGSYS with SYS_USER_DISPATCH (C13) for this number. */
function dispatchedAs(prefix: string, nr: number): Record<string, FactMatcher> {
  return {
    [`${prefix}.count`]: '1',
    [`${prefix}.signo`]: String(SIGSYS),
    [`${prefix}.code`]: '2',
    [`${prefix}.syscall`]: String(nr),
  };
}

// ---------------------------------------------------------------- E24 seccomp
// `order seccomp ACTION`: a forked child installs a filter giving ACTION to getppid, arms, and calls getppid
// through the probe gate twice: selector BLOCK (block.*), then ALLOW (allow.*). child.phase says how far
// it got: 2 = the BLOCK call returned, 3 = the ALLOW call returned too.

interface SeccompRow {
  action: 'kill' | 'errno' | 'trap';
  what: string;
  /** What the filter does to an ALLOW call, in words. */
  applies: string;
  /** What the filter does to the ALLOW call (E24: "With ALLOW, the filter applies"). */
  allow: Record<string, FactMatcher>;
}

const SECCOMP_ROWS: readonly SeccompRow[] = [
  {
    action: 'kill',
    what: 'SECCOMP_RET_KILL_PROCESS',
    applies: 'the process is killed by SIGSYS',
    // The ALLOW call never returns: the process is killed by SIGSYS (KILL_PROCESS), no handler.
    allow: { 'child.phase': '2', 'child.signal': 'SIGSYS' },
  },
  {
    action: 'errno',
    what: 'SECCOMP_RET_ERRNO(EACCES)',
    applies: 'the call fails with EACCES',
    allow: { 'child.phase': '3', 'child.exit': '0', 'allow.ret': String(-EACCES), 'allow.sigsys.count': '0' },
  },
  {
    action: 'trap',
    what: 'SECCOMP_RET_TRAP',
    applies: 'SIGSYS with si_code 1 (SYS_SECCOMP)',
    // seccomp's own SIGSYS: si_code SYS_SECCOMP (1), same signal, same handler (A1).
    allow: {
      'child.phase': '3',
      'child.exit': '0',
      'allow.sigsys.count': '1',
      'allow.sigsys.code': '1',
      'allow.sigsys.syscall': String(GETPPID),
      'allow.sigsys.call_addr': sameAs('gate.probe_after'),
    },
  },
];

/** E24 with BLOCK: the filter is not consulted, SUD's SIGSYS (si_code 2) arrives, and the call "returns"
 * its own number (C14: the handler leaves RAX alone), not the filter's errno. */
const BLOCKED: Record<string, FactMatcher> = {
  'arm.ret': '0',
  'child.filter.ret': '0',
  ...dispatchedAs('block.sigsys', GETPPID),
  'block.ret': String(GETPPID),
};

const seccomp: Scenario[] = [
  ...family(SECCOMP_ROWS, (r) => ({
    id: `order.seccomp.${r.action}.block-not-consulted`,
    title:
      `with the selector at BLOCK a ${r.what} filter on getppid is not consulted: SIGSYS si_code 2 arrives and the ` +
      'process carries on; the same filter then applies to an ALLOW call (control)',
    refs: ['E24', 'B8', 'C13'],
    requires: ['sud', 'seccomp'],
    run: { fixture: 'order', args: ['seccomp', r.action] },
    expect: { facts: { ...BLOCKED, ...r.allow } },
  })),
  ...family(SECCOMP_ROWS, (r) => ({
    id: `order.seccomp.${r.action}.allow-applies`,
    title:
      `with the selector at ALLOW (armed, outside the region) a ${r.what} filter on getppid applies: ${r.applies}; ` +
      'a BLOCK call before it was dispatched (control)',
    refs: ['E24', 'A1'],
    requires: ['sud', 'seccomp'],
    run: { fixture: 'order', args: ['seccomp', r.action] },
    expect: { facts: { 'arm.ret': '0', ...dispatchedAs('block.sigsys', GETPPID), ...r.allow } },
  })),
];

// ---------------------------------------------------------------- E25 ptrace and tracepoints
// `order ptrace MODE`: the tracer's record of the stops that concern the probe gate, per interval:
// dispatched.stops for the dispatched getppid, native.stops for the native one (the control). A
// signal-delivery stop is `signal:<signo>:<si_code>:<si_syscall>`.
const SIGSYS_STOP = `signal:${SIGSYS}:2:${GETPPID}`;

const ptrace: Scenario[] = [
  scenario({
    id: 'order.ptrace.syscall.no-syscall-stops',
    title:
      'under PTRACE_SYSCALL a dispatched syscall makes only the SIGSYS signal-delivery stop, no syscall-entry or -exit ' +
      'stop; the same call run natively makes both (control)',
    refs: ['E25', 'C13'],
    requires: ['sud'],
    run: { fixture: 'order', args: ['ptrace', 'syscall'] },
    expect: {
      facts: {
        'child.arm.ret': '0',
        'tracer.markers': '3',
        'dispatched.stops': SIGSYS_STOP,
        'native.stops': `entry:${GETPPID},exit:${GETPPID}`,
        ...dispatchedAs('child.dispatched.sigsys', GETPPID),
        'child.native.ret': sameAs('parent.pid'),
        'child.exit': '0',
      },
    },
    draft: 'not in the seed draft: a dispatched syscall skips the ptrace syscall stops (kernel-behaviour.md, last table)',
  }),
  scenario({
    id: 'order.ptrace.sysemu.no-stop',
    title:
      'under PTRACE_SYSEMU a dispatched syscall makes no syscall stop (only the SIGSYS signal stop); the same call run ' +
      'natively stops and is emulated by the tracer (control)',
    refs: ['E25'],
    requires: ['sud'],
    run: { fixture: 'order', args: ['ptrace', 'sysemu'] },
    expect: {
      facts: {
        'child.arm.ret': '0',
        'tracer.markers': '3',
        'dispatched.stops': SIGSYS_STOP,
        'native.stops': `sysemu:${GETPPID}`,
        ...dispatchedAs('child.dispatched.sigsys', GETPPID),
        'child.native.ret': SYSEMU_RET,
        'child.exit': '0',
      },
    },
    draft: 'not in the seed draft: a dispatched syscall skips the ptrace syscall stops (kernel-behaviour.md, last table)',
  }),
];

// `order tracepoint`: raw_syscalls events for this pid and an unassigned number (4919), counted after a
// dispatched call and, as the control, after a native call of the same number (ENOSYS, but traced).
const TRACE_NR = 4919;
const traced = (event: 'sys_enter' | 'sys_exit'): Scenario =>
  scenario({
    id: `order.tracepoint.no-${event.replace('_', '-')}`,
    title:
      `the raw_syscalls:${event} tracepoint records nothing for a dispatched syscall; it records the same number ` +
      'made natively (control)',
    refs: ['E25'],
    requires: ['sud', 'tracefs'],
    run: { fixture: 'order', args: ['tracepoint'] },
    expect: {
      facts: {
        'arm.ret': '0',
        ...dispatchedAs('sigsys', TRACE_NR),
        [`dispatched.${event}`]: '0',
        'native.ret': '-38', // ENOSYS: the number has no syscall
        [`native.${event}`]: '1',
      },
    },
    draft: 'not in the seed draft: a dispatched syscall skips the syscall tracepoints (kernel-behaviour.md, last table)',
  });

const tracepoints: Scenario[] = [traced('sys_enter'), traced('sys_exit')];

// ---------------------------------------------------------------- E26 rseq
// `order rseq`: a gate whose syscall's post-instruction IP (gate.cs_after) is inside an rseq critical
// section. Control: a native tgkill(self, SIGUSR1) from the same instruction aborts the section (the
// SIGUSR1 handler's RIP is the abort IP): the registration and descriptor are live.
const RSEQ_CONTROL: Record<string, FactMatcher> = {
  'control.usr1.count': '1',
  'control.usr1.rip': sameAs('gate.cs_abort'),
  'control.ret': RSEQ_ABORTED,
};

const rseq: Scenario[] = [
  scenario({
    id: 'order.rseq.dispatch-aborts',
    title:
      'a dispatch whose post-syscall IP is inside an rseq critical section aborts it: the SIGSYS handler sees REG_RIP = ' +
      'abort_ip and returns into the abort handler',
    refs: ['E26'],
    requires: ['sud', 'rseq'],
    run: { fixture: 'order', args: ['rseq'] },
    expect: {
      facts: {
        ...RSEQ_CONTROL,
        'arm.ret': '0',
        ...dispatchedAs('sigsys', GETPPID),
        'sigsys.rip': sameAs('gate.cs_abort'),
        'call.ret': RSEQ_ABORTED,
      },
    },
  }),
  scenario({
    id: 'order.rseq.call-addr-is-post-syscall',
    title:
      'when a dispatch aborts an rseq critical section, si_call_addr is still the post-syscall IP, not the abort IP',
    refs: ['E26', 'C13'],
    requires: ['sud', 'rseq'],
    run: { fixture: 'order', args: ['rseq'] },
    expect: {
      facts: {
        ...RSEQ_CONTROL,
        'arm.ret': '0',
        ...dispatchedAs('sigsys', GETPPID),
        'sigsys.call_addr': sameAs('gate.cs_after'),
      },
    },
  }),
];

// ---------------------------------------------------------------- E27 restarts re-checked
const restarts: Scenario[] = [
  scenario({
    id: 'order.restart.read-sa-restart-dispatched',
    title:
      'a read() on an empty pipe interrupted by an SA_RESTART handler that sets the selector to BLOCK is restarted ' +
      'and then dispatched (si_syscall 0)',
    refs: ['E27', 'B10'],
    requires: ['sud'],
    run: { fixture: 'order', args: ['read-restart', 'sa-restart'] },
    expect: {
      facts: {
        'arm.ret': '0',
        // the precondition: the kernel set the read up for a restart (RIP back on the instruction, RAX = 0)
        'usr1.count': '1',
        'usr1.rip': sameAs('gate.probe_insn'),
        'usr1.rax': '0x0',
        // the behaviour: the restarted read was dispatched, from the same instruction, with the same fd
        'read.sigsys.count': '1',
        ...dispatchedAs('sigsys', 0),
        'sigsys.call_addr': sameAs('gate.probe_after'),
        'sigsys.rdi': sameAs('pipe.rfd'),
        'read.ret': HANDLER_RET,
      },
    },
  }),
  scenario({
    id: 'order.restart.read-no-restart-not-rerun',
    title:
      'without SA_RESTART the interrupted read() returns -EINTR and is not re-run, so not dispatched although the ' +
      'handler set BLOCK; the next call is dispatched (control)',
    refs: ['E27'],
    requires: ['sud'],
    run: { fixture: 'order', args: ['read-restart', 'no-restart'] },
    expect: {
      facts: {
        'arm.ret': '0',
        'usr1.count': '1',
        'usr1.rip': sameAs('gate.probe_after'),
        'usr1.rax': hex(-4n),
        'read.ret': hex(-4n),
        'read.sigsys.count': '0',
        ...dispatchedAs('sigsys', GETPPID),
        'control.ret': HANDLER_RET,
      },
    },
  }),
  scenario({
    id: 'order.restart.nanosleep-restart-syscall',
    title:
      'a nanosleep stopped by SIGSTOP, its selector set to BLOCK by another process sharing the page, continued by ' +
      'SIGCONT: the restart is dispatched as restart_syscall (219)',
    refs: ['E27', 'B10'],
    requires: ['sud'],
    run: { fixture: 'order', args: ['nanosleep-restart'] },
    expect: {
      facts: {
        'child.arm.ret': '0',
        'parent.stopped': '1',
        'parent.stopsig': String(SIGSTOP),
        'parent.native_restart': '0',
        ...dispatchedAs('child.sigsys', RESTART_SYSCALL),
        'child.sigsys.rax': hex(RESTART_SYSCALL),
        'child.sigsys.call_addr': sameAs('gate.probe_after'),
        'child.sleep.ret': HANDLER_RET,
        'child.usr2.count': '0',
        'child.exit': '0',
      },
    },
  }),
];

// ---------------------------------------------------------------- a number that is a restart code (C14 with E27)
// NOT YET IN kernel-behaviour.md. A dispatch rolls rax back to the number (syscall_rollback) and leaves
// orig_rax = the number. On the way to the SIGSYS handler, arch/x86/kernel/signal.c handle_signal() treats
// any task whose orig_rax != -1 as "from a system call" and looks at rax as its return value; when that is
// one of the internal restart codes it rewrites the registers the handler will see, exactly as for a real
// interrupted syscall:
//   -ERESTART_RESTARTBLOCK (-516), -ERESTARTNOHAND (-514)  -> rax = -EINTR
//   -ERESTARTSYS (-512)  -> rax = -EINTR without SA_RESTART on the SIGSYS handler; with it, as -513:
//   -ERESTARTNOINTR (-513) -> rax = orig_rax, rip -= 2: the handler sees RIP on the syscall instruction, and
//                             when it returns the instruction runs again with whatever RAX it left there
// -515 (ENOIOCTLCMD) and anything else is left alone, so C14 holds: the handler sees RAX = the number.
// si_call_addr and si_syscall were fixed at dispatch time and are not rewritten.
// `restartRule` is that switch; each row's expectation is derived from it. In the fixture the handler
// writes ALLOW, so an instruction that runs again runs natively: a number with no syscall gives -ENOSYS,
// and a handler that wrote 110 into RAX (an emulator's "return value") has getppid executed for real.
const ERESTARTSYS = 512;
const ERESTARTNOINTR = 513;
const ERESTARTNOHAND = 514;
const ERESTART_RESTARTBLOCK = 516;
const EINTR = 4;
const ENOSYS = 38;

function restartRule(code: number, saRestart: boolean): { rax: number; rewound: boolean } {
  switch (-code) {
    case ERESTART_RESTARTBLOCK:
    case ERESTARTNOHAND:
      return { rax: -EINTR, rewound: false };
    case ERESTARTSYS:
      if (!saRestart) return { rax: -EINTR, rewound: false };
      return { rax: code, rewound: true };
    case ERESTARTNOINTR:
      return { rax: code, rewound: true };
    default:
      return { rax: code, rewound: false };
  }
}

interface CodeRow {
  code: number;
  saRestart?: boolean;
  /** The handler writes this to REG_RAX. */
  setReturn?: number;
  name: string;
}

const CODE_ROWS: readonly CodeRow[] = [
  { code: -511, name: 'one below ERESTARTSYS: not a restart code' },
  { code: -512, name: 'ERESTARTSYS, handler without SA_RESTART' },
  { code: -512, saRestart: true, name: 'ERESTARTSYS, handler with SA_RESTART' },
  { code: -512, setReturn: 0x5ad, name: 'ERESTARTSYS, handler that sets a return value' },
  { code: -513, name: 'ERESTARTNOINTR' },
  { code: -513, setReturn: GETPPID, name: 'ERESTARTNOINTR, handler that writes 110 (getppid) as its return value' },
  { code: -514, name: 'ERESTARTNOHAND' },
  { code: -514, saRestart: true, name: 'ERESTARTNOHAND, handler with SA_RESTART' },
  { code: -515, saRestart: true, name: 'ENOIOCTLCMD (-515), between the restart codes but not one of them' },
  { code: -516, name: 'ERESTART_RESTARTBLOCK' },
  { code: -516, saRestart: true, name: 'ERESTART_RESTARTBLOCK, handler with SA_RESTART' },
  { code: -517, name: 'one above ERESTART_RESTARTBLOCK: not a restart code' },
];

function codeExpect(r: CodeRow): Record<string, FactMatcher> {
  const { rax, rewound } = restartRule(r.code, r.saRestart ?? false);
  let ret: FactMatcher;
  if (!rewound) ret = String(r.setReturn ?? rax);
  else if (r.setReturn === undefined) ret = String(-ENOSYS); // the number itself runs again, natively
  else if (r.setReturn === GETPPID) ret = sameAs('process.ppid'); // getppid runs, natively
  else throw new Error(`order.restart-code: no expectation for re-running ${r.setReturn}`);
  return {
    'arm.ret': '0',
    ...dispatchedAs('sigsys', r.code),
    'sigsys.call_addr': sameAs('gate.probe_after'),
    'sigsys.rax': hex(BigInt(rax)),
    'sigsys.rip': sameAs(rewound ? 'gate.probe_insn' : 'gate.probe_after'),
    'call.ret': ret,
  };
}

function codeTitle(r: CodeRow): string {
  const { rax, rewound } = restartRule(r.code, r.saRestart ?? false);
  const seen = rewound
    ? `RIP on the syscall instruction and RAX = ${r.code}, so the instruction runs again when the handler returns`
    : rax === r.code
      ? `RAX = ${r.code} untouched (C14)`
      : `RAX = -EINTR instead of the number`;
  const after = !rewound
    ? r.setReturn !== undefined
      ? '; the value the handler writes is what the call returns'
      : ''
    : r.setReturn === GETPPID
      ? '; the 110 the handler left in RAX is then executed as getppid'
      : ' (natively here: -ENOSYS)';
  return `a dispatched syscall numbered ${r.code} (${r.name}): the SIGSYS handler sees ${seen}${after}`;
}

const restartCodes = family(CODE_ROWS, (r) => {
  const args = ['restart-code', String(r.code)];
  if (r.saRestart) args.push('sa-restart');
  if (r.setReturn !== undefined) args.push('set-return', String(r.setReturn));
  const suffix = (r.saRestart ? '-sa-restart' : '') + (r.setReturn !== undefined ? '-set-return' : '');
  return {
    id: `order.restart-code.${-r.code}${suffix}`,
    title: codeTitle(r),
    refs: ['C14', 'E27'],
    requires: ['sud'],
    run: { fixture: 'order', args },
    expect: { facts: codeExpect(r) },
  };
});

export const scenarios: Scenario[] = [...seccomp, ...ptrace, ...tracepoints, ...rseq, ...restarts, ...restartCodes];
