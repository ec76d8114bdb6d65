// Signal disposition at a dispatch (kernel-behaviour.md D20-D23). Fixture: fixtures-c/signal.c.
//
// A dispatch is a forced SIGSYS (B8e): force_sig resets the action to SIG_DFL when SIGSYS is blocked or
// ignored, so a task that cannot take the signal in a handler is killed by it (D20), also when the
// handler itself makes a dispatched syscall without SA_NODEFER (D21) or returns through an rt_sigreturn
// that is itself dispatched (D22, C17). Every case carries a control that proves the task really was
// armed: a dispatch that reached the handler before the disposition was changed, a handler that was
// entered, or a tracer that saw the SIGSYS stop. A kernel that accepts prctl and never arms gives FAIL.
import { absent, family, hex, sameAs, scenario } from '../runner/scenario.js';
import type { FactMatcher, Scenario } from '../runner/types.js';

/** What the fixture's handlers make a dispatched getppid return; never a real pid. */
const DISPATCHED_RET = hex(0x5ddead);
const INNER_RET = hex(0x5ddee0);
const GETPPID = 110;
const GETPID = 39;
const PRCTL = 157;

// ---------------------------------------------------------------- D20: killed, handler not run

const DISPOSITIONS = [
  { name: 'blocked', what: 'blocked (sigprocmask) with the handler still installed' },
  { name: 'ignored', what: 'ignored (SIG_IGN)' },
  { name: 'default', what: 'at its default action (SIG_DFL)' },
] as const;

const killed = family(DISPOSITIONS, (d) => ({
  id: `signal.disposition.${d.name}`,
  title: `SIGSYS ${d.what} at dispatch time: the process is killed by SIGSYS and no handler runs`,
  refs: ['D20', 'B8'],
  requires: ['sud'],
  run: { fixture: 'signal', args: ['disposition', d.name] },
  expect: {
    signal: 'SIGSYS',
    facts: {
      'arm.ret': '0',
      // control: with the handler installed and unblocked, the same arming dispatched to it
      'control.dispatched': '1',
      'control.ret': DISPATCHED_RET,
      disposition: d.name,
      'handler.entered': absent,
      'probe.ret': absent,
    },
  },
}));

// ---------------------------------------------------------------- D20: a tracer suppresses the SIGSYS

// The tracer sees the SIGSYS signal-delivery stop with si_code 2 (C13, also G33's "SIGSYS stop seen
// through PTRACE_GETSIGINFO"), resumes with signal 0, and the syscall "returns" its own number (C14: the
// rollback left rax = 110 and no handler changed it). The handler never runs. force_sig resets the action
// to SIG_DFL where SIGSYS was blocked or ignored (D20), and leaves an installed, unblocked handler alone.
const TRACED = [
  { name: 'handler', what: 'with a handler installed', after: 'handler' },
  { name: 'blocked', what: 'blocked (handler installed)', after: 'default' },
  { name: 'ignored', what: 'ignored', after: 'default' },
  { name: 'default', what: 'at SIG_DFL', after: 'default' },
] as const;

const traced = family(TRACED, (t) => ({
  id: `signal.traced.${t.name}`,
  title:
    `SIGSYS ${t.what}, ptraced: the tracer sees the SIGSYS stop (si_code 2, si_syscall 110) and suppresses it; ` +
    `the tracee survives, its handler does not run, the syscall returns its own number (110)` +
    (t.after === 'default' ? '; the action was reset to SIG_DFL' : '; the handler stays installed'),
  refs: ['D20', 'C13', 'C14', 'G33'],
  requires: ['sud'],
  run: { fixture: 'signal', args: ['traced', t.name] },
  expect: {
    facts: {
      'tracee.arm.ret': '0',
      'tracer.stops': 'signal-SIGSYS',
      'tracer.si_signo': '31',
      'tracer.si_code': '2',
      'tracer.si_errno': '0',
      'tracer.si_syscall': String(GETPPID),
      'tracer.si_call_addr': sameAs('addr.after'),
      'child.exit': '0',
      'child.signal': absent,
      'tracee.handler.count': '0',
      'tracee.probe.ret': hex(GETPPID),
      'tracee.after.handler': t.after,
    },
  },
}));

// ---------------------------------------------------------------- D21: a dispatch inside the handler

const nested: Scenario[] = [
  scenario({
    id: 'signal.nested.without-nodefer',
    title:
      'a dispatch from inside the SIGSYS handler (installed without SA_NODEFER, so SIGSYS is blocked there) ' +
      'kills the process with SIGSYS; the nested handler never runs',
    refs: ['D21', 'D20'],
    requires: ['sud'],
    run: { fixture: 'signal', args: ['nested', 'defer'] },
    expect: {
      signal: 'SIGSYS',
      facts: {
        'arm.ret': '0',
        'outer.entered': '1', // the control: the first dispatch reached the handler
        'inner.entered': absent,
        'outer.count': absent,
        'probe.ret': absent,
      },
    },
  }),
  scenario({
    id: 'signal.nested.nodefer',
    title:
      'a dispatch from inside a SIGSYS handler installed with SA_NODEFER nests: the handler runs again (depth 2) ' +
      'for the inner syscall, and both return the values their handlers set',
    refs: ['D21', 'C13', 'C14'],
    requires: ['sud'],
    run: { fixture: 'signal', args: ['nested', 'nodefer'] },
    expect: {
      facts: {
        'arm.ret': '0',
        'outer.entered': '1',
        'inner.entered': '1',
        'outer.count': '1',
        'inner.count': '1',
        'outer.syscall': String(GETPPID),
        'inner.syscall': String(GETPID),
        max_depth: '2',
        'probe.ret': DISPATCHED_RET,
        'inner.ret': INNER_RET,
      },
    },
  }),
];

// ---------------------------------------------------------------- D22: returning with BLOCK

const restorer: Scenario[] = [
  scenario({
    id: 'signal.restorer.outside-region',
    title:
      "the handler returns with the selector still BLOCK through glibc's restorer (outside the region): " +
      'its rt_sigreturn is dispatched while SIGSYS is blocked, and the process is killed by SIGSYS',
    refs: ['D22', 'C17', 'D20'],
    requires: ['sud'],
    run: { fixture: 'signal', args: ['restorer', 'libc'] },
    expect: {
      signal: 'SIGSYS',
      facts: { 'arm.ret': '0', 'handler.returning': '1', 'probe.ret': absent, 'probe.dispatched': absent },
    },
  }),
  scenario({
    id: 'signal.restorer.inside-region',
    title:
      'the handler returns with the selector still BLOCK through an SA_RESTORER trampoline inside the region: ' +
      'rt_sigreturn runs natively, the task survives with the selector still 1 and stays armed',
    refs: ['D22', 'C17', 'C14'],
    requires: ['sud'],
    run: { fixture: 'signal', args: ['restorer', 'region'] },
    expect: {
      facts: {
        'arm.ret': '0',
        'probe.dispatched': '1',
        'probe.ret': DISPATCHED_RET,
        'handler.return_to': sameAs('addr.restorer'), // the premise: the handler really returned there
        'selector.after_return': '1',
        'second.dispatched': '1',
        'disarm.ret': '0',
      },
    },
  }),
];

// ---------------------------------------------------------------- D23: prctl(OFF) is itself dispatched

const offOutside = family(
  [
    { name: 'gate', how: 'through a raw syscall outside the region', extra: { 'off.call_addr': sameAs('addr.after') } },
    { name: 'libc', how: "through glibc's prctl()", extra: {} },
  ] as const,
  (r) => ({
    id: `signal.off-outside-region.${r.name}`,
    title:
      `prctl(PR_SET_SYSCALL_USER_DISPATCH, OFF) issued ${r.how} while the selector is BLOCK is itself dispatched ` +
      '(si_syscall 157, returns 157 when the handler leaves RAX alone); the task stays armed',
    refs: ['D23', 'B8', 'C14'],
    requires: ['sud'],
    run: { fixture: 'signal', args: ['off-outside', r.name] },
    expect: {
      facts: {
        'arm.ret': '0',
        'off.dispatched': '1',
        'off.syscall': String(PRCTL),
        'off.ret': String(PRCTL),
        ...(r.extra as Record<string, FactMatcher>),
        // still armed: the next BLOCK syscall outside the region is dispatched too
        'after.dispatched': '1',
        'after.syscall': String(GETPPID),
        'after.ret': hex(GETPPID),
        'disarm.ret': '0',
      },
    },
  }),
);

export const scenarios: Scenario[] = [...killed, ...traced, ...nested, ...restorer, ...offOutside];
