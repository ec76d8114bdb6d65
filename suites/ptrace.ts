// The ptrace configuration interface, kernel-behaviour.md G32-G34 (PTRACE_GET/SET_SYSCALL_USER_DISPATCH_CONFIG,
// 6.4+), and the stale fields fork and exec leave behind, F31. Fixture: fixtures-c/ptrace.c.
//
// Expectations come from the items (and the prctl rules A2-A6 that G33 says SET shares), never from a
// kernel's output. Each scenario carries its own control:
//   - every failing GET/SET is followed by a well-formed one on the same child, which must succeed
//     (the error came from the variant, not from the child's state);
//   - a round trip's GET must show what SET stored (mode 1, non-zero fields), so a SET that does nothing fails;
//   - the SIGSYS-stop scenarios need a real dispatch; the stale-field scenarios need the tracee to have
//     really armed itself (GET on it shows mode 1 with its values).
//
// Lying kernels: `liar zero` makes only prctl(59) answer 0 without arming; the ptrace requests are not
// filtered. So the scenarios in which the tracer arms the tracee with SET (errors, round trips,
// set-arms-tracee) still PASS under it, rightly: that arming is real. Those in which the tracee arms
// itself with prctl (sigsys-stop, fork/exec stale fields) FAIL under it: their controls see mode 0.
import { family, hex, sameAs, scenario } from '../runner/scenario.js';
import type { FactMatcher, FeatureId, Scenario } from '../runner/types.js';

const FIXTURE = 'ptrace';
const BASE: FeatureId[] = ['sud', 'ptrace-config'];
const U64 = 1n << 64n;
const SYS_GETPPID = '110';
const AUDIT_ARCH_X86_64 = '0xc000003e';

const ok = (p: string): Record<string, FactMatcher> => ({ [`${p}.ret`]: '0', [`${p}.errno`]: '0' });
const failed = (p: string, errno: string): Record<string, FactMatcher> => ({ [`${p}.ret`]: '-1', [`${p}.errno`]: errno });

/** GET succeeded and wrote these four fields (hex, as fact_hex prints them). */
function config(p: string, mode: bigint, selector: bigint, offset: bigint, len: bigint): Record<string, FactMatcher> {
  return { ...ok(p), [`${p}.mode`]: hex(mode), [`${p}.selector`]: hex(selector), [`${p}.offset`]: hex(offset), [`${p}.len`]: hex(len) };
}
const zeros = (p: string) => config(p, 0n, 0n, 0n, 0n);

/** GET succeeded and its fields equal another prefix's (or the fixture's `arm.*` values), with this mode. */
function configLike(p: string, mode: string, like: string): Record<string, FactMatcher> {
  return {
    ...ok(p),
    [`${p}.mode`]: mode,
    [`${p}.selector`]: sameAs(`${like}.selector`),
    [`${p}.offset`]: sameAs(`${like}.offset`),
    [`${p}.len`]: sameAs(`${like}.len`),
  };
}

// ------------------------------------------------------------------------------------ G32: GET errors
const GET_ERRORS = [
  { variant: 'size-0', errno: 'EINVAL', what: 'a size of 0' },
  { variant: 'size-31', errno: 'EINVAL', what: 'a size of 31' },
  { variant: 'size-33', errno: 'EINVAL', what: 'a size of 33' },
  { variant: 'null-pointer', errno: 'EFAULT', what: 'a NULL data pointer' },
  { variant: 'readonly-pointer', errno: 'EFAULT', what: 'a data pointer to a read-only page' },
  { variant: 'kernel-pointer', errno: 'EFAULT', what: 'a kernel data pointer' },
  { variant: 'untraced', errno: 'ESRCH', what: 'a child that is not traced' },
  { variant: 'running', errno: 'ESRCH', what: 'a tracee that is not stopped' },
] as const;

const getErrorScenarios = family(GET_ERRORS, (r) => ({
  id: `ptrace.get.error.${r.variant}`,
  title: `PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG with ${r.what} fails with ${r.errno}`,
  refs: ['G32'],
  requires: BASE,
  run: { fixture: FIXTURE, args: ['get-error', r.variant] },
  expect: {
    facts: {
      ...failed('get', r.errno),
      // control: the same child, traced and stopped, answers a well-formed GET (never armed: zeros)
      ...zeros('control'),
    },
  },
}));

// ------------------------------------------------------------------------------------ G33: SET errors
// Each row names the prctl rule it mirrors. The config after a failed SET must be untouched (all zeros:
// the child was never armed), and a valid EXCLUSIVE SET on the same child must then be accepted (control).
const SET_ERRORS: { variant: string; errno: string; what: string; refs: string[]; requires?: FeatureId[] }[] = [
  { variant: 'off-selector', errno: 'EINVAL', what: 'mode OFF with a non-zero selector', refs: ['A2'] },
  { variant: 'off-offset', errno: 'EINVAL', what: 'mode OFF with a non-zero offset', refs: ['A2'] },
  { variant: 'off-len', errno: 'EINVAL', what: 'mode OFF with a non-zero len', refs: ['A2'] },
  { variant: 'mode-3', errno: 'EINVAL', what: 'mode 3', refs: ['A3'] },
  { variant: 'exclusive-wrap', errno: 'EINVAL', what: 'EXCLUSIVE with (offset 1, len 0)', refs: ['A4'] },
  { variant: 'inclusive-empty', errno: 'EINVAL', what: 'INCLUSIVE with len 0', refs: ['A5'], requires: ['inclusive'] },
  { variant: 'kernel-selector', errno: 'EFAULT', what: 'a kernel-address selector', refs: ['A6'] },
  { variant: 'selector-neg1', errno: 'EFAULT', what: 'selector -1', refs: ['A6'] },
  { variant: 'order', errno: 'EINVAL', what: 'an invalid range and a kernel selector at once (EINVAL is checked first)', refs: ['A6'] },
  // Not written in G33, which lists the prctl rules; assumed from GET's own checks (G32) and the shared
  // shape of the two requests: SET checks its size and copies its argument from the tracer.
  { variant: 'size-31', errno: 'EINVAL', what: 'a size of 31 (as GET, G32)', refs: ['G32'] },
  { variant: 'null-pointer', errno: 'EFAULT', what: 'a NULL data pointer (as GET, G32)', refs: ['G32'] },
];

const setErrorScenarios = family(SET_ERRORS, (r) => ({
  id: `ptrace.set.error.${r.variant}`,
  title: `PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG with ${r.what} fails with ${r.errno} and changes nothing`,
  refs: ['G33', ...r.refs.filter((x) => x !== 'G33')],
  requires: [...BASE, ...(r.requires ?? [])],
  run: { fixture: FIXTURE, args: ['set-error', r.variant] },
  expect: {
    facts: {
      ...failed('set', r.errno),
      ...zeros('after'),
      // control: a valid EXCLUSIVE SET on the same stopped child is accepted and visible
      ...ok('control.set'),
      ...ok('control.get'),
      'control.get.mode': '0x1',
    },
  },
}));

// ------------------------------------------------------------------------------------ G33, G34: round trips
// The rules, as code: what GET returns after SET (G34: INCLUSIVE is stored inverted and reported as mode 1),
// and whether SET of that result is accepted (the EXCLUSIVE rule of A4, since GET says mode 1).
function storedAs(mode: bigint, offset: bigint, len: bigint): { offset: bigint; len: bigint } {
  if (mode === 2n) return { offset: (offset + len) % U64, len: (U64 - len) % U64 }; // A5, G34
  return { offset, len };
}
function exclusiveAccepts(offset: bigint, len: bigint): boolean {
  return offset === 0n || (offset + len) % U64 > offset; // A4
}

interface Roundtrip {
  name: string;
  mode: bigint;
  offset: bigint;
  len: bigint;
  selector: bigint;
  refs: string[];
  title: string;
  requires?: FeatureId[];
  /** Written out by hand for G34; checked against the rule at load time. */
  explicit?: { offset: bigint; len: bigint; reset: 'accepted' | 'EINVAL' };
}

const ROUNDTRIPS: Roundtrip[] = [
  {
    name: 'exclusive',
    mode: 1n,
    offset: 0x400000n,
    len: 0x3000n,
    selector: 0x5000n,
    refs: ['G33'],
    title: 'EXCLUSIVE SET then GET returns the same configuration, and SET of it is accepted (a lossless round trip)',
  },
  {
    name: 'exclusive-empty',
    mode: 1n,
    offset: 0n,
    len: 0n,
    selector: 0n,
    refs: ['G33', 'A4', 'A6'],
    title: 'EXCLUSIVE with offset 0, len 0 and a NULL selector reads back as mode 1 with zero fields, and round-trips',
  },
  {
    name: 'exclusive-all-but-last',
    mode: 1n,
    offset: 0n,
    len: U64 - 1n,
    selector: 0x5000n,
    refs: ['G33', 'A4'],
    title: 'EXCLUSIVE (offset 0, len -1) round-trips',
  },
  {
    name: 'inclusive',
    mode: 2n,
    offset: 0x400000n,
    len: 0x3000n,
    selector: 0x5000n,
    refs: ['G34', 'G33', 'A5'],
    requires: ['inclusive'],
    title: 'INCLUSIVE SET reads back as mode 1 with the inverted range (offset+len, -len); SET of that fails with EINVAL',
  },
  {
    name: 'inclusive-lossy',
    mode: 2n,
    offset: 0x1000n,
    len: 0x1000n,
    selector: 0x5000n,
    refs: ['G34'],
    requires: ['inclusive'],
    title: 'SET(INCLUSIVE, 0x1000, 0x1000) reads back mode 1, offset 0x2000, len 0xfffffffffffff000; SET of that fails with EINVAL (a lossy round trip)',
    explicit: { offset: 0x2000n, len: 0xfffffffffffff000n, reset: 'EINVAL' },
  },
];

for (const r of ROUNDTRIPS) {
  if (!r.explicit) continue;
  const s = storedAs(r.mode, r.offset, r.len);
  const reset = exclusiveAccepts(s.offset, s.len) ? 'accepted' : 'EINVAL';
  if (s.offset !== r.explicit.offset || s.len !== r.explicit.len || reset !== r.explicit.reset)
    throw new Error(`ptrace roundtrip '${r.name}': the explicit expectation disagrees with the rule of A4/A5/G34`);
}

const roundtripScenarios = family(ROUNDTRIPS, (r) => {
  const s = r.explicit ?? storedAs(r.mode, r.offset, r.len);
  const accepted = r.explicit ? r.explicit.reset === 'accepted' : exclusiveAccepts(s.offset, s.len);
  return {
    id: `ptrace.roundtrip.${r.name}`,
    title: r.title,
    refs: r.refs,
    requires: [...BASE, ...(r.requires ?? [])],
    run: { fixture: FIXTURE, args: ['roundtrip', hex(r.mode), hex(r.offset), hex(r.len), hex(r.selector)] },
    expect: {
      facts: {
        ...ok('set'),
        // GET reports mode 1 for both EXCLUSIVE and INCLUSIVE (G34)
        ...config('got', 1n, r.selector, s.offset, s.len),
        ...(accepted ? ok('reset') : failed('reset', 'EINVAL')),
        // accepted: the same values again; rejected: the configuration is unchanged
        ...configLike('again', '0x1', 'got'),
      },
    },
  };
});

// ------------------------------------------------------------------------------------ G33: SIGSYS stops
/** The tracer's view of the SIGSYS stop (PTRACE_GETSIGINFO) and the tracee's own (its handler). */
const sigsysStop: Record<string, FactMatcher> = {
  'stop.signal': '31',
  'siginfo.signo': '31',
  'siginfo.code': '2',
  'siginfo.errno': '0',
  'siginfo.syscall': SYS_GETPPID,
  'siginfo.arch': AUDIT_ARCH_X86_64,
  'siginfo.call_addr': sameAs('gate.probe_after'),
  // continued with SIGSYS: the tracee's handler ran, and saw the same dispatch
  'child.sigsys.count': '1',
  'child.sigsys.code': '2',
  'child.sigsys.syscall': SYS_GETPPID,
  'child.sigsys.call_addr': sameAs('gate.probe_after'),
  // the handler left RAX alone: the call "returned" its own number (C14), not the parent's pid
  'child.probe.ret': SYS_GETPPID,
  'child.exit': '0',
};

const stopScenarios: Scenario[] = [
  scenario({
    id: 'ptrace.set.arms-tracee',
    title: "a tracee armed only by the tracer's SET, with a selector in the tracee's memory, is dispatched on its next syscall; the SIGSYS stop shows si_code 2 and si_syscall",
    refs: ['G33', 'C13'],
    requires: BASE,
    run: { fixture: FIXTURE, args: ['set-arms'] },
    expect: {
      // the tracer's copy of the selector page says ALLOW, the tracee's BLOCK: only a selector read in
      // the tracee's memory dispatches the call
      facts: { ...ok('set'), ...sigsysStop },
    },
  }),
  scenario({
    id: 'ptrace.sigsys-stop.siginfo',
    title: 'a self-armed tracee\'s SIGSYS stop: PTRACE_GETSIGINFO shows si_code 2 and si_syscall; GET at the stop shows what prctl stored',
    refs: ['G33', 'G32'],
    requires: BASE,
    run: { fixture: FIXTURE, args: ['sigsys-stop'] },
    expect: {
      facts: {
        ...ok('tracee.arm'),
        ...sigsysStop,
        ...configLike('during', '0x1', 'arm'),
      },
    },
  }),
];

// ------------------------------------------------------------------------------------ F31: stale fields
const STALE_DRAFT = 'the seed draft says only that fork and exec reset the mechanism to OFF; the fields stay behind, visible to ptrace';

const staleScenarios: Scenario[] = [
  scenario({
    id: 'ptrace.fork.stale-fields',
    title: 'the fork child of an armed tracee reads back mode 0 with the parent\'s old selector, offset and len; SET of that fails with EINVAL',
    refs: ['F31', 'F29', 'A2'],
    requires: BASE,
    run: { fixture: FIXTURE, args: ['fork-stale'] },
    expect: {
      facts: {
        ...ok('tracee.arm'),
        event: '1', // PTRACE_EVENT_FORK
        // control: the tracee itself, at the fork event, is armed with what it passed to prctl
        ...configLike('parent', '0x1', 'arm'),
        ...configLike('new', '0x0', 'arm'),
        ...failed('reset', 'EINVAL'),
        ...configLike('again', '0x0', 'arm'),
      },
    },
    draft: STALE_DRAFT,
  }),
  scenario({
    id: 'ptrace.exec.stale-fields',
    title: 'an armed tracee right after execve reads back mode 0 with its old selector, offset and len; SET of that fails with EINVAL',
    refs: ['F31', 'F30', 'A2'],
    requires: BASE,
    run: { fixture: FIXTURE, args: ['exec-stale'] },
    expect: {
      facts: {
        ...ok('tracee.arm'),
        // control: armed before exec
        ...configLike('before', '0x1', 'arm'),
        event: '4', // PTRACE_EVENT_EXEC
        ...configLike('new', '0x0', 'arm'),
        ...failed('reset', 'EINVAL'),
        ...configLike('again', '0x0', 'arm'),
      },
    },
    draft: STALE_DRAFT,
  }),
];

export const scenarios: Scenario[] = [
  ...getErrorScenarios,
  scenario({
    id: 'ptrace.get.fresh-child-zeros',
    title: 'GET on a fresh, never armed, stopped child writes all zeros',
    refs: ['G32'],
    requires: BASE,
    run: { fixture: FIXTURE, args: ['fresh'] },
    // the buffer was filled with 0xaa first: zeros mean GET wrote them
    expect: { facts: zeros('get') },
  }),
  ...setErrorScenarios,
  ...roundtripScenarios,
  ...stopScenarios,
  ...staleScenarios,
];
