// kernel.syscall_user_dispatch (2026 kernels; kernel-behaviour.md version table and A6's check order
// "EINVAL, then EPERM, then EFAULT"): with the sysctl at 0 arming fails with EPERM, disarming still
// works, and tasks armed before stay armed. The fixture writes the machine-wide sysctl (and puts it
// back), so these scenarios run alone: nothing else may be arming while it is 0.
import { scenario } from '../runner/scenario.js';
import type { Scenario } from '../runner/types.js';

const eperm = (prefix: string) => ({ [`${prefix}.ret`]: '-1', [`${prefix}.errno`]: 'EPERM' });

export const scenarios: Scenario[] = [
  scenario({
    id: 'sysctl.zero-refuses-arming',
    title: 'with kernel.syscall_user_dispatch = 0 arming fails with EPERM, after the argument checks (EINVAL first, EPERM before EFAULT), and OFF still works',
    refs: ['A6', 'A2', 'A4'],
    requires: ['sud', 'sysctl'],
    exclusive: true,
    run: { fixture: 'sysctl', args: ['eperm'] },
    expect: {
      facts: {
        ...eperm('zero.exclusive'),
        'zero.badrange.ret': '-1',
        'zero.badrange.errno': 'EINVAL',
        ...eperm('zero.badselector'),
        'zero.off.ret': '0',
        // control: the same arming is accepted once the sysctl is back at 1
        'one.exclusive.ret': '0',
      },
    },
  }),
  scenario({
    id: 'sysctl.zero-refuses-inclusive',
    title: 'with kernel.syscall_user_dispatch = 0 an INCLUSIVE arming fails with EPERM too',
    refs: ['A6', 'A5'],
    requires: ['sud', 'sysctl', 'inclusive'],
    exclusive: true,
    run: { fixture: 'sysctl', args: ['eperm'] },
    expect: { facts: { ...eperm('zero.inclusive'), 'one.exclusive.ret': '0' } },
  }),
  scenario({
    id: 'sysctl.armed-task-stays-armed',
    title: 'a task armed before kernel.syscall_user_dispatch goes to 0 keeps dispatching',
    refs: ['B8', 'A6'],
    requires: ['sud', 'sysctl'],
    exclusive: true,
    run: { fixture: 'sysctl', args: ['armed-stays'] },
    expect: {
      facts: { 'arm.ret': '0', 'probe.ret': '0x5ad', 'sigsys.count': '1', 'sigsys.code': '2', 'sigsys.syscall': '110' },
    },
  }),
];
