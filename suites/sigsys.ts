// What the SIGSYS handler sees for a dispatched syscall on x86-64 (kernel-behaviour.md C13, C14).
//
// Every scenario runs `sigsys dispatch`: one syscall through sud_gate_probe with chosen values in
// rax and the six argument registers, armed EXCLUSIVE with a BLOCK selector and only the escape gate
// allowed. One scenario per field or register, so that a report names exactly which one is wrong.
// Each also requires `sigsys.count=1`: a kernel that accepts the prctl but never dispatches gives
// FAIL on every one of them, not a vacuous PASS.
import { family, hex, pattern, sameAs, scenario } from '../runner/scenario.js';
import type { FactMatcher, Scenario } from '../runner/types.js';

/** Distinct 64-bit patterns for the argument registers, in the order the gate loads them. Both halves
 * are non-zero and the top bit is set in two of them, so truncation or sign extension shows. */
const ARG_REGS = [
  ['rdi', 0x1111111111111111n],
  ['rsi', 0x2222222222222222n],
  ['rdx', 0x3333333333333333n],
  ['r10', 0x4444444444444444n],
  ['r8', 0x8888888888888888n],
  ['r9', 0x9999999999999999n],
] as const;

/** The rax values dispatched. `syscall` is si_syscall as C13 defines it: (int)rax, printed in decimal. */
interface RaxRow {
  name: string;
  rax: bigint;
  siSyscall: string;
  why: string;
}
const RAX_ROWS: readonly RaxRow[] = [
  { name: 'plain', rax: 110n, siSyscall: '110', why: 'getppid (110), an ordinary number' },
  { name: 'high-bits', rax: 0x100000027n, siSyscall: '39', why: 'rax 0x100000027: si_syscall is the int 39' },
  { name: 'sign', rax: 0xffffffffn, siSyscall: '-1', why: 'rax 0xffffffff: si_syscall is the int -1' },
];
const PLAIN = RAX_ROWS[0] as RaxRow;

function dispatch(rax: bigint, setReturn?: bigint) {
  const args = ['dispatch', hex(rax), ...ARG_REGS.map(([, v]) => hex(v))];
  if (setReturn !== undefined) args.push('set-return', hex(setReturn));
  return { fixture: 'sigsys', args };
}

/** Every scenario: the arm succeeded and the probe call was dispatched exactly once. */
function dispatched(facts: Record<string, FactMatcher>): Record<string, FactMatcher> {
  return { 'arm.ret': '0', 'sigsys.count': '1', ...facts };
}

/** RFLAGS as a fixture prints it (0x + lower-case hex, no padding), plausibility only: bit 1 (reserved,
 * always 1) and bit 9 (IF: user space always runs with interrupts enabled) set, nothing above bit 21
 * (RFLAGS has 22 defined bits). Read right to left: digit 0 holds bits 0-3 (bit 1 set: 2,3,6,7,a,b,e,f),
 * digit 1 bits 4-7, digit 2 bits 8-11 (bit 9 set: same digit set), then at most three more digits, the
 * sixth no higher than 3. */
const RFLAGS_PLAUSIBLE = '0x(?:[0-3]?[0-9a-f])?[0-9a-f]?[2367abef][0-9a-f][2367abef]';

const siginfo: Scenario[] = [
  scenario({
    id: 'sigsys.si-signo',
    title: 'a dispatched syscall delivers signal 31 (SIGSYS) to the handler',
    refs: ['C13'],
    requires: ['sud'],
    run: dispatch(PLAIN.rax),
    expect: { facts: dispatched({ 'sigsys.signo': '31' }) },
  }),
  scenario({
    id: 'sigsys.si-code',
    title: "si_code is SYS_USER_DISPATCH (2), not seccomp's SYS_SECCOMP (1)",
    refs: ['C13', 'A1'],
    requires: ['sud'],
    run: dispatch(PLAIN.rax),
    expect: { facts: dispatched({ 'sigsys.code': '2' }) },
  }),
  scenario({
    id: 'sigsys.si-errno',
    title: 'si_errno is 0 (lazypoline and stress-ng assert it)',
    refs: ['C13'],
    requires: ['sud'],
    run: dispatch(PLAIN.rax),
    expect: { facts: dispatched({ 'sigsys.errno': '0' }) },
  }),
  scenario({
    id: 'sigsys.si-call-addr',
    title: 'si_call_addr is the address after the syscall instruction (sud_gate_probe_after), not the instruction',
    refs: ['C13', 'B8'],
    requires: ['sud'],
    run: dispatch(PLAIN.rax),
    // The man page says "the address of the instruction"; the kernel reports the address after it.
    expect: { facts: dispatched({ 'sigsys.call_addr': sameAs('gate.probe_after') }) },
  }),
  scenario({
    id: 'sigsys.si-arch',
    title: 'si_arch is AUDIT_ARCH_X86_64 (0xc000003e) for a 64-bit syscall instruction',
    refs: ['C13'],
    requires: ['sud'],
    run: dispatch(PLAIN.rax),
    expect: { facts: dispatched({ 'sigsys.arch': '0xc000003e' }) },
  }),
  ...family(RAX_ROWS, (r) => ({
    id: `sigsys.si-syscall.${r.name}`,
    title: `si_syscall is (int)rax: ${r.why}`,
    refs: ['C13', 'C14'],
    requires: ['sud'],
    run: dispatch(r.rax),
    expect: { facts: dispatched({ 'sigsys.syscall': r.siSyscall }) },
  })),
];

const registers: Scenario[] = [
  scenario({
    id: 'sigsys.reg-rip',
    title: 'REG_RIP in the ucontext equals si_call_addr (the handler returns to just after the syscall)',
    refs: ['C14'],
    requires: ['sud'],
    run: dispatch(PLAIN.rax),
    expect: { facts: dispatched({ 'sigsys.rip': sameAs('sigsys.call_addr') }) },
  }),
  ...family(RAX_ROWS, (r) => ({
    id: `sigsys.reg-rax.${r.name}`,
    title: `REG_RAX holds the full 64-bit syscall number, rolled back from the return value: ${hex(r.rax)}`,
    refs: ['C14'],
    requires: ['sud'],
    run: dispatch(r.rax),
    expect: { facts: dispatched({ 'sigsys.rax': hex(r.rax) }) },
  })),
  ...family(ARG_REGS, ([reg, v]) => ({
    id: `sigsys.reg-${reg}`,
    title: `REG_${reg.toUpperCase()} (syscall argument) is preserved: ${hex(v)}`,
    refs: ['C14'],
    requires: ['sud'],
    run: dispatch(PLAIN.rax),
    expect: { facts: dispatched({ [`sigsys.${reg}`]: hex(v) }) },
  })),
  scenario({
    id: 'sigsys.reg-rcx',
    title: 'REG_RCX holds the return RIP the syscall instruction saved (sud_gate_probe_after)',
    refs: ['C14'],
    requires: ['sud'],
    run: dispatch(PLAIN.rax),
    expect: { facts: dispatched({ 'sigsys.rcx': sameAs('gate.probe_after') }) },
  }),
  scenario({
    id: 'sigsys.reg-r11',
    title: 'REG_R11 holds the RFLAGS the syscall instruction saved: equal to REG_EFL, with bit 1 and IF set',
    refs: ['C14'],
    requires: ['sud'],
    run: dispatch(PLAIN.rax),
    expect: { facts: dispatched({ 'sigsys.r11': pattern(RFLAGS_PLAUSIBLE), 'sigsys.efl': sameAs('sigsys.r11') }) },
  }),
];

/** C14: the value in REG_RAX when the handler returns is what the syscall returns. */
const RETURN_ROWS = [
  { name: 'value', value: 0x7eadbeefcafef00dn, why: 'a full 64-bit value' },
  { name: 'errno', value: -38n, why: '-ENOSYS, as an emulator returns it' },
] as const;

const returns: Scenario[] = [
  ...family(RAX_ROWS, (r) => ({
    id: `sigsys.return-unmodified.${r.name}`,
    title: `a handler that leaves REG_RAX alone makes the syscall "return" its own number: ${hex(r.rax)}`,
    refs: ['C14'],
    requires: ['sud'],
    run: dispatch(r.rax),
    expect: { facts: dispatched({ 'call.ret': hex(r.rax) }) },
  })),
  ...family(RETURN_ROWS, (r) => ({
    id: `sigsys.return-set.${r.name}`,
    title: `the value the handler writes to REG_RAX is what the syscall returns: ${r.why}`,
    refs: ['C14'],
    requires: ['sud'],
    run: dispatch(PLAIN.rax, r.value),
    expect: { facts: dispatched({ 'call.ret': hex(r.value) }) },
  })),
];

export const scenarios: Scenario[] = [...siginfo, ...registers, ...returns];
