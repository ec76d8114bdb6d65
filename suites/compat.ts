// The other ways into the kernel, kernel-behaviour.md C15-C19: int $0x80 from a 64-bit task, a 32-bit
// (i386) process, the legacy vsyscall page and the vDSO's fallback syscalls.
// Fixtures: fixtures-c/compat.c (64-bit) and fixtures-c/ia32/sud.c (build/bin/ia32-sud, freestanding
// i386, exec'd by `compat ia32 CASE` so that a kernel without ia32 emulation gives SKIP, not ERROR).
//
// Every case arms EXCLUSIVE with the allowed region = the fixture's escape gate and a BLOCK selector.
// Where the expectation is "not dispatched", the same run has a dispatched control (a real syscall
// from outside the region), so a kernel that accepts prctl but never arms gives FAIL, not PASS.
//
// Lying kernels (build/test/liar): the seccomp filter matches only AUDIT_ARCH_X86_64 prctl calls. The
// i386 program's prctl (int $0x80, nr 172, AUDIT_ARCH_I386) is not filtered, so under `liar zero` the
// compat.ia32.* scenarios still arm for real and still PASS: the kernel does not lie to them.
import { absent, pattern, sameAs, scenario } from '../runner/scenario.js';
import type { FactMatcher, Scenario } from '../runner/types.js';

const AUDIT_ARCH_I386 = '0x40000003';
const AUDIT_ARCH_X86_64 = '0xc000003e';
const SYS_GETPPID = '110'; // x86-64
const SYS_CLOCK_GETTIME = '228'; // x86-64
const I386_GETPID = '20';

/** A dispatch as C13 describes it (si_signo 31, si_code 2, si_errno 0), of syscall `nr` for `arch`. */
function dispatched(prefix: string, nr: string, arch: string): Record<string, FactMatcher> {
  return {
    [`${prefix}.count`]: '1',
    [`${prefix}.signo`]: '31',
    [`${prefix}.code`]: '2',
    [`${prefix}.errno`]: '0',
    [`${prefix}.syscall`]: nr,
    [`${prefix}.arch`]: arch,
  };
}

const ia32 = (c: string) => ({ fixture: 'compat', args: ['ia32', c] });

export const scenarios: Scenario[] = [
  // ------------------------------------------------------------------------------------------ C15
  scenario({
    id: 'compat.int80-from-64bit',
    title: 'int $0x80 from 64-bit code is dispatched as an i386 syscall: si_arch I386, si_syscall = eax, RAX zero-extended',
    refs: ['C15', 'C13', 'C14'],
    requires: ['sud', 'ia32'],
    run: { fixture: 'compat', args: ['int80'] },
    expect: {
      facts: {
        'arm.ret': '0',
        ...dispatched('sigsys', I386_GETPID, AUDIT_ARCH_I386),
        // rax was 0xffffffff00000014: only the low 32 bits are the number, and RAX is rolled back to them
        'sigsys.rax': '0x14',
        'sigsys.call_addr': sameAs('gate.int80_after'),
        'sigsys.rip': sameAs('gate.int80_after'),
        // the handler left RAX alone: the "syscall" returns its own (zero-extended) number (C14)
        'call.ret': '0x14',
        'disarm.ret': '0',
      },
    },
  }),

  // ------------------------------------------------------------------------------------------ C16
  scenario({
    id: 'compat.ia32.kernel-vsyscall-landing-pad',
    title: 'in an i386 process a syscall through __kernel_vsyscall reports si_call_addr = the vDSO landing pad (after its int $0x80)',
    refs: ['C16', 'C13'],
    requires: ['sud', 'ia32'],
    run: ia32('vsyscall'),
    expect: {
      facts: {
        'arm.ret': '0',
        // control: armed; an int $0x80 in the program's own code reports the address after it
        ...dispatched('probe.sigsys', I386_GETPID, AUDIT_ARCH_I386),
        'probe.sigsys.call_addr': sameAs('gate.probe_after'),
        // under test: whatever entry __kernel_vsyscall uses (sysenter, syscall, int80; vdso.entry says
        // which), the reported address is the landing pad, and so is the saved EIP
        ...dispatched('vsys.sigsys', I386_GETPID, AUDIT_ARCH_I386),
        'vsys.sigsys.call_addr': sameAs('vdso.landing_pad'),
        'vsys.sigsys.eip': sameAs('vdso.landing_pad'),
        'vsys.ret': I386_GETPID,
        'disarm.ret': '0',
      },
    },
  }),

  // ------------------------------------------------------------------------------------------ C17
  scenario({
    id: 'compat.ia32.vdso-rt-sigreturn-exempt',
    title: 'i386: a SIGSYS handler returning through the vDSO __kernel_rt_sigreturn with the selector still BLOCK survives',
    refs: ['C17', 'B8'],
    requires: ['sud', 'ia32'],
    run: ia32('sigreturn-vdso'),
    expect: {
      facts: {
        'arm.ret': '0',
        ...dispatched('sigsys', I386_GETPID, AUDIT_ARCH_I386),
        'sigsys.call_addr': sameAs('gate.probe_after'),
        'handler.restorer': sameAs('vdso.rt_sigreturn'),
        'selector.after': '1',
        'call.ret': '0x14',
        'disarm.ret': '0',
      },
    },
  }),
  scenario({
    id: 'compat.ia32.vdso-sigreturn-exempt',
    title: 'i386: a non-SA_SIGINFO handler returning through the vDSO __kernel_sigreturn with the selector still BLOCK survives',
    refs: ['C17', 'B8'],
    requires: ['sud', 'ia32'],
    run: ia32('sigreturn-vdso-nonrt'),
    expect: {
      facts: {
        'arm.ret': '0',
        'sigsys.count': '1',
        'sigsys.signo': '31',
        'handler.restorer': sameAs('vdso.sigreturn'),
        'selector.after': '1',
        'call.ret': '0x14',
        'disarm.ret': '0',
      },
    },
  }),
  scenario({
    id: 'compat.ia32.own-restorer-killed',
    title: 'i386: the same handler returning through a restorer of the program\'s own, outside the region, is killed (rt_sigreturn dispatched while SIGSYS is blocked)',
    refs: ['C17', 'D22'],
    requires: ['sud', 'ia32'],
    run: ia32('sigreturn-own'),
    expect: {
      signal: 'SIGSYS',
      facts: {
        'arm.ret': '0',
        'handler.entered': '1',
        'handler.restorer': sameAs('own.restorer'),
        // killed before it could print anything after the handler
        'selector.after': absent,
      },
    },
  }),

  // ------------------------------------------------------------------------------------------ C18
  scenario({
    id: 'compat.vsyscall.bypasses-dispatch',
    title: 'legacy vsyscall-page gettimeofday and time run (emulated) while armed with BLOCK and outside the region; a real syscall is dispatched',
    refs: ['C18', 'B8'],
    requires: ['sud', 'vsyscall'],
    run: { fixture: 'compat', args: ['vsyscall'] },
    expect: {
      facts: {
        'arm.ret': '0',
        'gtod.ret': '0',
        'gtod.tv_sec': pattern('[1-9][0-9]*'),
        'gtod.sigsys.count': '0',
        'time.ret': pattern('[1-9][0-9]*'),
        'time.stored': sameAs('time.ret'),
        'time.sigsys.count': '0',
        // control: same arming, same selector
        ...dispatched('control.sigsys', SYS_GETPPID, AUDIT_ARCH_X86_64),
        'control.ret': SYS_GETPPID,
        'disarm.ret': '0',
      },
    },
  }),

  // ------------------------------------------------------------------------------------------ C19
  scenario({
    id: 'compat.vdso.cputime-fallback-dispatched',
    title: 'clock_gettime(CLOCK_PROCESS_CPUTIME_ID) through the vDSO falls back to a syscall, dispatched from the vDSO\'s address',
    refs: ['C19', 'B8'],
    requires: ['sud'],
    run: { fixture: 'compat', args: ['vdso-cputime'] },
    expect: {
      facts: {
        'arm.ret': '0',
        ...dispatched('sigsys', SYS_CLOCK_GETTIME, AUDIT_ARCH_X86_64),
        'sigsys.call_addr.mapping': '[vdso]',
        'sigsys.rip': sameAs('sigsys.call_addr'),
        'sigsys.rdi': '0x2', // CLOCK_PROCESS_CPUTIME_ID
        'call.ret': '0', // the handler's return value reached the caller through the vDSO
        'disarm.ret': '0',
      },
    },
  }),
  scenario({
    id: 'compat.vdso.monotonic-tsc-not-dispatched',
    title: 'with the tsc clocksource, clock_gettime(CLOCK_MONOTONIC) through the vDSO never enters the kernel, so nothing is dispatched',
    refs: ['C19'],
    requires: ['sud'],
    run: { fixture: 'compat', args: ['vdso-monotonic'] },
    expect: {
      facts: {
        clocksource: 'tsc', // the fixture skips otherwise: another clocksource may fall back legitimately
        'arm.ret': '0',
        'monotonic.ret': '0',
        'monotonic.tv_set': '1',
        'monotonic.sigsys.count': '0',
        // control: same arming, a clock the vDSO cannot serve is dispatched from the vDSO
        ...dispatched('control.sigsys', SYS_CLOCK_GETTIME, AUDIT_ARCH_X86_64),
        'control.call_addr.mapping': '[vdso]',
        'disarm.ret': '0',
      },
    },
  }),
];
