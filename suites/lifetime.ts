// Lifetime of the arming: a new thread, a fork or vfork child, and an exec'd image all start disarmed
// (kernel-behaviour.md F28-F30).
//
// Each case makes the task the kernel should have left disarmed call getppid through sud_gate_probe with
// the selector it would use at BLOCK (or NULL), and then makes the same call from the task that armed.
// That second call is a control in the same scenario: a kernel that accepts prctl but never arms leaves
// every "not dispatched" fact true, and must still give FAIL, not PASS.
// The "not dispatched" side is shown twice: the handler did not run (count 0) and the call really ran
// natively (getppid returned the right pid, not its own number 110 or a handler's value).
import { absent, family, sameAs, scenario } from '../runner/scenario.js';
import type { FactMatcher, Scenario } from '../runner/types.js';

/** The arming task was armed: its control call was dispatched (C13: si_code 2, si_syscall = getppid). */
function armedControl(prefix: string): Record<string, FactMatcher> {
  return { [`${prefix}.sigsys.count`]: '1', [`${prefix}.sigsys.code`]: '2', [`${prefix}.sigsys.syscall`]: '110' };
}

export const scenarios: Scenario[] = [
  scenario({
    id: 'lifetime.thread-starts-disarmed',
    title: 'a thread created by an armed thread starts disarmed; the creating thread stays armed',
    refs: ['F28', 'seed:interface'],
    requires: ['sud'],
    run: { fixture: 'lifetime', args: ['thread'] },
    expect: {
      facts: {
        'arm.ret': '0',
        'thread.sigsys.count': '0',
        'thread.probe.ret': sameAs('process.ppid'),
        ...armedControl('main'),
      },
    },
    draft: 'the seed draft says "a process can setup this mechanism" (and, later, "for that thread"); the arming is per thread and a new thread does not inherit it',
  }),
  // fork copies the BLOCK selector byte, vfork shares it (lazypoline re-arms in vfork children).
  ...family(
    [
      { how: 'fork', byte: 'inherits' },
      { how: 'vfork', byte: 'shares' },
    ],
    ({ how, byte }) => ({
      id: `lifetime.${how}-child-disarmed`,
      title: `a ${how} child starts disarmed although it ${byte} the BLOCK selector byte; the parent stays armed`,
      refs: ['F29', 'seed:security-notes'],
      requires: ['sud'],
      run: { fixture: 'lifetime', args: [how] },
      expect: {
        facts: {
          'arm.ret': '0',
          'child.exit': '0',
          'child.signal': absent,
          'child.sigsys.count': '0',
          'child.probe.ret': sameAs('parent.pid'),
          ...armedControl('parent'),
        },
      },
    }),
  ),
  scenario({
    id: 'lifetime.exec-disarms',
    title: 'execve from a task armed with a NULL selector leaves the new image disarmed (its startup syscalls run)',
    refs: ['F30', 'B8', 'seed:security-notes'],
    requires: ['sud'],
    run: { fixture: 'lifetime', args: ['exec'] },
    expect: {
      facts: {
        'pre.arm.ret': '0',
        ...armedControl('pre'),
        'exec_child.ran': '1',
        'exec_child.sigsys.count': '0',
        'exec_child.probe.ret': sameAs('pre.ppid'),
      },
    },
  }),
];
