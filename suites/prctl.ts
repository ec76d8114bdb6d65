// Family A: prctl(PR_SET_SYSCALL_USER_DISPATCH, op, offset, len, selector) validation,
// kernel-behaviour.md items 1-7. Fixture: fixtures-c/prctl.c.
//
// Expectations come from the rules stated in kernel-behaviour.md, not from what a kernel printed. The
// range tables list each row's expected outcome explicitly AND are checked at load time against the
// item's rule written as code, so a typo in a table is a load error rather than a wrong expectation.
import { family, sameAs, scenario } from '../runner/scenario.js';
import type { Expectation, FactMatcher, FeatureId, Scenario } from '../runner/types.js';

const FIXTURE = 'prctl';
const U64 = 1n << 64n;

/** A fixture argument ('-1', '0x1000', '3') as the unsigned 64-bit value the kernel sees. */
function u64(arg: string): bigint {
  return BigInt.asUintN(64, BigInt(arg));
}

/** A fixture argument as an id component: [a-z0-9], negatives written neg1, neg2. */
function idPart(arg: string): string {
  return arg.startsWith('-') ? `neg${arg.slice(1)}` : arg.toLowerCase();
}

const accepted = (): Expectation => ({
  facts: { 'arm.ret': '0', 'arm.errno': '0', 'disarm.ret': '0' },
});
const rejected = (errno: 'EINVAL' | 'EFAULT'): Expectation => ({
  facts: { 'arm.ret': '-1', 'arm.errno': errno, 'disarm.ret': '0' },
});

/** `probe` ran with the selector value under test, `control` with the other one (fixture phases). */
function selectorPhases(probeBlocked: boolean): Record<string, FactMatcher> {
  const native = (p: string) => ({ [`${p}.ret`]: sameAs('ppid'), [`${p}.sigsys`]: '0' });
  const dispatched = (p: string) => ({ [`${p}.sigsys`]: '1', [`${p}.call_addr`]: sameAs('addr.probe_after') });
  return probeBlocked ? { ...dispatched('probe'), ...native('control') } : { ...native('probe'), ...dispatched('control') };
}

const SEED_RANGE =
  'the seed draft takes <start_addr>, <end_addr> delimiting a closed interval; the merged kernel takes ' +
  '<offset>, <length>, the half-open [offset, offset+len) compared as unsigned ip - offset < len';

// ------------------------------------------------------------------------------------------ A2: OFF
// OFF requires offset, len and selector all 0 (A2). The nonzero values are valid-looking (the escape
// gate's region, a mapped selector byte), so only "OFF carries fields" can be the reason for EINVAL.
// `armed`: the task is first armed (escape region, selector ALLOW); after the OFF attempt the selector
// becomes BLOCK and a probe syscall tells whether the configuration is still in force. An accepted OFF
// disarms (A2: OFF turns the mechanism off). A rejected one leaves the task armed: A2 does not say so in
// words; it is inferred from A2/A6 describing all checks as argument validation that fails the call (a
// failed prctl changes nothing), so the probe is still dispatched (B8). `before` is the control: armed,
// BLOCK dispatches, before the OFF attempt.
const OFF_FIELDS = ['none', 'offset', 'len', 'selector', 'all'] as const;
const offRows = (['idle', 'armed'] as const).flatMap((state) => OFF_FIELDS.map((field) => ({ field, state })));

const offScenarios = family(offRows, ({ field, state }) => {
  const ok = field === 'none';
  const what = field === 'none' ? 'all fields zero' : field === 'all' ? 'offset, len and selector all nonzero' : `a nonzero ${field}`;
  const base: Record<string, FactMatcher> = { 'off.ret': ok ? '0' : '-1', 'off.errno': ok ? '0' : 'EINVAL' };
  let facts: Record<string, FactMatcher> = base;
  let title = `OFF with ${what} ${ok ? 'returns 0' : 'fails with EINVAL'}`;
  const refs = ['A2'];
  if (state === 'armed') {
    refs.push('B8');
    facts = {
      'arm.ret': '0',
      // control: armed before the OFF attempt, a probe syscall with the selector at BLOCK is dispatched
      'before.sigsys': '1',
      'before.call_addr': sameAs('addr.probe_after'),
      ...base,
      ...(ok
        ? { 'after.ret': sameAs('ppid'), 'after.sigsys': '0' }
        : { 'after.sigsys': '1', 'after.call_addr': sameAs('addr.probe_after') }),
      'disarm.ret': '0',
    };
    title += ok ? ' and disarms an armed task' : ' and leaves an armed task armed';
  }
  return {
    id: `prctl.off.${state}.${field}`,
    title,
    refs,
    requires: ['sud'],
    run: { fixture: FIXTURE, args: ['off-field', field, state] },
    expect: { facts },
  };
});

// ------------------------------------------------------------------------------------- A3: unknown op
// op is a full unsigned long (A3): an op whose low 32 bits are a valid op is still unknown. The other
// arguments are valid for the op's low 32 bits (OFF: all zero; ON/INCLUSIVE: the escape gate's region and
// an ALLOW selector), so a kernel that truncated op would accept, and only the op can be wrong. If a
// kernel accepted, nothing is dispatched (selector ALLOW) and the fixture's OFF disarms.
const opRows: { op: string; id: string; why: string; zeroArgs?: boolean }[] = [
  { op: '3', id: '3', why: 'the first op after INCLUSIVE_ON' },
  { op: '4', id: '4', why: 'an op past the defined ones' },
  { op: '0xff', id: '0xff', why: 'an op past the defined ones' },
  { op: '-1', id: 'all-ones', why: 'all bits set' },
  { op: '0x100000000', id: '0x100000000', why: 'OFF with bit 32 set', zeroArgs: true },
  { op: '0x100000001', id: '0x100000001', why: 'EXCLUSIVE_ON with bit 32 set' },
  { op: '0x100000002', id: '0x100000002', why: 'INCLUSIVE_ON with bit 32 set' },
  { op: '0x8000000000000001', id: '0x8000000000000001', why: 'EXCLUSIVE_ON with bit 63 set' },
];
const opScenarios = family(opRows, (r) => ({
  id: `prctl.op.${r.id}`,
  title: `unknown op ${r.op} (${r.why}) fails with EINVAL: op is compared as a full unsigned long`,
  refs: ['A3'],
  requires: ['sud'],
  run: { fixture: FIXTURE, args: r.zeroArgs ? ['arm', r.op, '0', '0', '0'] : ['arm', r.op, 'escape', 'escape', 'allow'] },
  expect: rejected('EINVAL'),
}));

// ------------------------------------------------------------------------------------- A4, A5: ranges
// The rules of A4 and A5, as code. Arithmetic is modulo 2^64 like the kernel's unsigned long.
const exclusiveRejects = (off: bigint, len: bigint) => off !== 0n && (off + len) % U64 <= off;
const inclusiveRejects = (off: bigint, len: bigint) => len === 0n || (off + len) % U64 <= off;

interface RangeRow {
  offset: string;
  len: string;
  accept: boolean;
  /** Why, in words: the doc's example, or how the row follows from the rule. */
  why: string;
}

const EXCLUSIVE_ROWS: RangeRow[] = [
  { offset: '0', len: '0', accept: true, why: 'offset 0 is accepted with any len: an empty region, everything dispatched' },
  { offset: '0', len: '-1', accept: true, why: 'offset 0: allows every address but the last' },
  { offset: '-2', len: '1', accept: true, why: 'the region [2^64-2, 2^64-1) does not wrap' },
  { offset: '0x1000', len: '0x1000', accept: true, why: 'an ordinary region' },
  { offset: '0', len: '1', accept: true, why: 'offset 0 is accepted with any len' },
  { offset: '1', len: '1', accept: true, why: 'offset+len = 2 > 1' },
  { offset: '1', len: '-2', accept: true, why: 'the largest region with a nonzero offset: 1 + (2^64-2) = 2^64-1 > 1' },
  { offset: '0xffffffff81000000', len: '0x1000', accept: true, why: 'a kernel address: there is no address-space check' },
  { offset: '1', len: '0', accept: false, why: 'empty region at a nonzero offset' },
  { offset: '-1', len: '0', accept: false, why: 'empty region at a nonzero offset' },
  { offset: '0x1000', len: '0', accept: false, why: 'empty region at a nonzero offset' },
  { offset: '1', len: '-1', accept: false, why: 'offset+len wraps to 0' },
  { offset: '-1', len: '1', accept: false, why: 'offset+len wraps to 0' },
  { offset: '2', len: '-2', accept: false, why: 'offset+len wraps to 0 (one past the accepted 1, -2)' },
  { offset: '-2', len: '2', accept: false, why: 'offset+len wraps to 0 (one past the accepted -2, 1)' },
];

const INCLUSIVE_ROWS: RangeRow[] = [
  { offset: '-1', len: '1', accept: false, why: 'offset+len wraps to 0' },
  { offset: '-1', len: '2', accept: false, why: 'offset+len wraps to 1' },
  { offset: '0x1000', len: '0', accept: false, why: 'len 0' },
  { offset: '0', len: '0', accept: false, why: 'len 0, even at offset 0 (unlike EXCLUSIVE)' },
  { offset: '1', len: '-1', accept: false, why: 'offset+len wraps to 0' },
  { offset: '2', len: '-2', accept: false, why: 'offset+len wraps to 0' },
  { offset: '-2', len: '2', accept: false, why: 'offset+len wraps to 0' },
  { offset: '0', len: '1', accept: true, why: 'offset+len = 1 > 0' },
  { offset: '-2', len: '1', accept: true, why: 'the region [2^64-2, 2^64-1) does not wrap' },
  { offset: '2', len: '3', accept: true, why: 'an ordinary region' },
  { offset: '0', len: '-1', accept: true, why: 'the largest region: [0, 2^64-1)' },
  { offset: '1', len: '-2', accept: true, why: '1 + (2^64-2) = 2^64-1 > 1' },
  { offset: '0x1000', len: '0x1000', accept: true, why: 'an ordinary region' },
  { offset: '0xffffffff81000000', len: '0x1000', accept: true, why: 'a kernel address: there is no address-space check' },
];

function checkTable(mode: string, rows: RangeRow[], rejects: (o: bigint, l: bigint) => boolean): void {
  for (const r of rows)
    if (rejects(u64(r.offset), u64(r.len)) === r.accept)
      throw new Error(`suites/prctl.ts: ${mode} row (${r.offset}, ${r.len}) contradicts the rule of kernel-behaviour.md`);
}
checkTable('EXCLUSIVE', EXCLUSIVE_ROWS, exclusiveRejects);
checkTable('INCLUSIVE', INCLUSIVE_ROWS, inclusiveRejects);

// Armed with a selector byte holding ALLOW, so nothing is dispatched whatever region the kernel accepts.
function rangeScenarios(mode: 'exclusive' | 'inclusive', rows: RangeRow[]): Scenario[] {
  const op = mode === 'exclusive' ? '1' : '2';
  const rule =
    mode === 'exclusive' ? 'EINVAL iff offset != 0 && offset+len <= offset' : 'EINVAL iff len == 0 || offset+len <= offset';
  return family(rows, (r) => ({
    id: `prctl.${mode}.${idPart(r.offset)}.${idPart(r.len)}`,
    title: `${mode.toUpperCase()} (offset ${r.offset}, len ${r.len}) is ${r.accept ? 'accepted' : 'rejected with EINVAL'}: ${r.why} (${rule})`,
    refs: mode === 'exclusive' ? ['A4'] : ['A5'],
    requires: mode === 'exclusive' ? ['sud'] : ['sud', 'inclusive'],
    run: { fixture: FIXTURE, args: ['arm', op, r.offset, r.len, 'allow'] },
    expect: r.accept ? accepted() : rejected('EINVAL'),
    draft: SEED_RANGE,
  }));
}

// ---------------------------------------------------------------------------------- A6: the selector
// Only access_ok() at prctl time (A6). Armed as EXCLUSIVE (0, -1), which allows every address but the
// last, so a selector that cannot be read is never read before the fixture's OFF.
interface SelectorRow {
  selector: string;
  id: string;
  accept: boolean;
  why: string;
  requires?: FeatureId[];
}
const SELECTOR_ROWS: SelectorRow[] = [
  { selector: 'null', id: 'null', accept: true, why: 'NULL is allowed (dispatch everything outside the region)' },
  { selector: '0x7ffffffff000', id: '0x7ffffffff000', accept: true, why: 'the last address access_ok() passes with 47-bit user space', requires: ['va47'] },
  { selector: '0x7ffffffff001', id: '0x7ffffffff001', accept: false, why: 'one past the last user address access_ok() passes', requires: ['va47'] },
  { selector: '0x800000000000', id: '0x800000000000', accept: false, why: 'the first non-canonical address above 47-bit user space', requires: ['va47'] },
  // Above the user address limit with 4- and 5-level paging alike, so no va47 requirement.
  { selector: '0xffffffff81000000', id: 'kernel', accept: false, why: 'a kernel address' },
  { selector: '-1', id: 'all-ones', accept: false, why: 'the address 2^64-1' },
  { selector: 'unmapped', id: 'unmapped', accept: true, why: 'an unmapped user address passes access_ok(); it fails only when read (B12)' },
  { selector: 'prot-none', id: 'prot-none', accept: true, why: 'a PROT_NONE page passes access_ok(); it fails only when read (B12)' },
  { selector: 'readonly', id: 'readonly', accept: true, why: 'a read-only page' },
];
const selectorScenarios = family(SELECTOR_ROWS, (r) => ({
  id: `prctl.selector.${r.id}`,
  title: `a selector at ${r.selector} is ${r.accept ? 'accepted' : 'rejected with EFAULT'} at prctl time: ${r.why}`,
  refs: ['A6'],
  requires: ['sud', ...(r.requires ?? [])],
  run: { fixture: FIXTURE, args: ['arm', '1', '0', '-1', r.selector] },
  expect: r.accept ? accepted() : rejected('EFAULT'),
}));

const selectorMore: Scenario[] = [
  scenario({
    id: 'prctl.selector.inclusive.all-ones',
    title: 'INCLUSIVE checks the selector too: a valid range with the selector 2^64-1 fails with EFAULT',
    refs: ['A5', 'A6'],
    requires: ['sud', 'inclusive'],
    // (1, 1) dispatches only [1, 2): if a kernel accepted, nothing the fixture runs would be dispatched.
    run: { fixture: FIXTURE, args: ['arm', '2', '1', '1', '-1'] },
    expect: rejected('EFAULT'),
  }),
  // A6: "Read-only selector works": the kernel only reads it. The fixture maps one memfd page twice,
  // read-only (given to prctl) and writable (the SIGSYS handler and the control write through it).
  // `probe` runs with the named value, `control` with the other one: together they show the answer came
  // from the byte read through the read-only mapping.
  ...family(
    [
      { value: 'allow', other: 'block' },
      { value: 'block', other: 'allow' },
    ] as const,
    ({ value, other }) => ({
      id: `prctl.selector.readonly.${value}`,
      title: `a read-only selector works: ${value.toUpperCase()} ${value === 'allow' ? 'runs a syscall outside the region natively' : 'dispatches it'}, ${other.toUpperCase()} (the control) does the opposite`,
      refs: ['A6', 'B8'],
      requires: ['sud'] as FeatureId[],
      run: { fixture: FIXTURE, args: ['readonly-selector', value] },
      expect: { facts: { 'arm.ret': '0', ...selectorPhases(value === 'block'), 'disarm.ret': '0' } },
    }),
  ),
];

// --------------------------------------------------------------------- A6: check order, EINVAL first
// A bad range (or op, or OFF with fields) together with a bad selector: EINVAL, never EFAULT. Each range
// would, if a kernel accepted it as stored, allow everything the fixture runs next: EXCLUSIVE (1, -1)
// allows all but address 0; INCLUSIVE (-1, 1) is stored as (0, 2^64-1) and allows all but the last.
const orderRows: { id: string; args: string[]; what: string; refs: string[]; requires: FeatureId[] }[] = [
  { id: 'exclusive', args: ['1', '1', '-1', '-1'], what: 'EXCLUSIVE (1, -1)', refs: ['A4', 'A6'], requires: ['sud'] },
  { id: 'inclusive', args: ['2', '-1', '1', '-1'], what: 'INCLUSIVE (-1, 1)', refs: ['A5', 'A6'], requires: ['sud', 'inclusive'] },
  { id: 'off', args: ['0', '0', '0', '-1'], what: 'OFF with a selector', refs: ['A2', 'A6'], requires: ['sud'] },
  { id: 'unknown-op', args: ['3', '0', '-1', '-1'], what: 'unknown op 3', refs: ['A3', 'A6'], requires: ['sud'] },
];
const orderScenarios = family(orderRows, (r) => ({
  id: `prctl.order.${r.id}`,
  title: `${r.what} with the selector 2^64-1 fails with EINVAL, not EFAULT: arguments are checked before the selector`,
  refs: r.refs,
  requires: r.requires,
  run: { fixture: FIXTURE, args: ['arm', ...r.args] },
  expect: rejected('EINVAL'),
}));

// ------------------------------------------------------------------------------ A7: re-arming replaces
// Config 1 lets the probe gate run natively and dispatches the escape gate (selector S1 = BLOCK);
// config 2 is the reverse with selector S2 (EXCLUSIVE over one gate allows it; INCLUSIVE over the other
// gate dispatches only that one, B8/B9: the post-instruction IP of each gate lies inside its own span).
// Re-arming goes through the probe gate, which config 1 runs natively. Then, with S1/S2 set so that each
// piece of the old configuration would give a different answer:
//   config2.probe (S1 ALLOW, S2 BLOCK): dispatched iff the new region and the new selector both apply;
//   config2.probe-old-selector-block (S1 BLOCK, S2 ALLOW): native iff the old selector no longer applies;
//   config2.escape (S1 ALLOW, S2 BLOCK): native iff the old region no longer applies.
// INCLUSIVE in either position also checks that the mode itself is replaced.
const MODES = ['exclusive', 'inclusive'] as const;
const rearmRows = MODES.flatMap((first) => MODES.map((second) => ({ first, second })));
const rearmScenarios = family(rearmRows, ({ first, second }) => {
  const uses = first === 'inclusive' || second === 'inclusive';
  return {
    id: `prctl.rearm.${first}-to-${second}`,
    title: `re-arming ${first.toUpperCase()} with ${second.toUpperCase()} replaces mode, region and selector together`,
    refs: uses ? ['A7', 'A5', 'B8'] : ['A7', 'B8'],
    requires: uses ? ['sud', 'inclusive'] : ['sud'],
    run: { fixture: FIXTURE, args: ['rearm', first, second] },
    expect: {
      facts: {
        'arm1.ret': '0',
        // control: config 1 really was in force before re-arming
        'config1.probe.ret': sameAs('ppid'),
        'config1.probe.sigsys': '0',
        'config1.escape.sigsys': '1',
        'config1.escape.call_addr': sameAs('addr.escape_after'),
        'arm2.ret': '0',
        'config2.probe.sigsys': '1',
        'config2.probe.call_addr': sameAs('addr.probe_after'),
        'config2.probe-old-selector-block.sigsys': '0',
        'config2.probe-old-selector-block.ret': sameAs('ppid'),
        'config2.escape.sigsys': '0',
        'config2.escape.ret': sameAs('ppid'),
        'disarm.ret': '0',
      },
    },
  };
});

// --------------------------------------------------------------------------------- A1: the constants
// The fixture writes the numbers out (59, op 1, selector bytes 0 and 1) rather than using names. Op 1
// with the escape gate as region: a probe outside it is dispatched under BLOCK, which is EXCLUSIVE
// behaviour (INCLUSIVE over the escape gate would run the probe natively).
const DRAFT_SELECTOR =
  'the seed draft calls the selector values PR_SYS_DISPATCH_ON/OFF; the kernel names them SYSCALL_DISPATCH_FILTER_BLOCK/ALLOW, with the same numbers';
const constantScenarios: Scenario[] = family(['0', '1'] as const, (byte) => ({
  id: `prctl.constants.selector-${byte}`,
  title:
    byte === '0'
      ? 'prctl 59, op 1 (EXCLUSIVE_ON), selector byte 0 (ALLOW): a syscall outside the region runs natively; byte 1 (the control) dispatches it'
      : 'prctl 59, op 1 (EXCLUSIVE_ON), selector byte 1 (BLOCK): a syscall outside the region raises SIGSYS (31) with si_code 2 (SYS_USER_DISPATCH); byte 0 (the control) runs it natively',
  refs: ['A1'],
  requires: ['sud'],
  run: { fixture: FIXTURE, args: ['constants', byte] },
  expect: {
    facts: {
      'arm.ret': '0',
      ...selectorPhases(byte === '1'),
      // the run's one SIGSYS
      'sigsys.count': '1',
      'sigsys.signo': '31',
      'sigsys.code': '2',
      'disarm.ret': '0',
    },
  },
  draft: DRAFT_SELECTOR,
}));

// The build's UAPI headers agree with A1. A header that lacks a group's macros makes the fixture SKIP.
const headerScenarios: Scenario[] = [
  scenario({
    id: 'prctl.uapi.prctl-h',
    title: '<linux/prctl.h>: PR_SET_SYSCALL_USER_DISPATCH 59, PR_SYS_DISPATCH_OFF 0 / ON 1, SYSCALL_DISPATCH_FILTER_ALLOW 0 / BLOCK 1',
    refs: ['A1'],
    requires: ['sud'],
    run: { fixture: FIXTURE, args: ['uapi-header', 'prctl'] },
    expect: {
      facts: {
        'header.pr_set_syscall_user_dispatch': '59',
        'header.pr_sys_dispatch_off': '0',
        'header.pr_sys_dispatch_on': '1',
        'header.syscall_dispatch_filter_allow': '0',
        'header.syscall_dispatch_filter_block': '1',
      },
    },
  }),
  scenario({
    id: 'prctl.uapi.modes',
    title: '<linux/prctl.h> (6.17+): PR_SYS_DISPATCH_EXCLUSIVE_ON 1, PR_SYS_DISPATCH_INCLUSIVE_ON 2',
    refs: ['A1'],
    requires: ['sud'],
    run: { fixture: FIXTURE, args: ['uapi-header', 'modes'] },
    expect: { facts: { 'header.pr_sys_dispatch_exclusive_on': '1', 'header.pr_sys_dispatch_inclusive_on': '2' } },
  }),
  scenario({
    id: 'prctl.uapi.siginfo',
    title: "the C library's <signal.h>: si_code SYS_USER_DISPATCH 2, SYS_SECCOMP 1",
    refs: ['A1'],
    requires: ['sud'],
    run: { fixture: FIXTURE, args: ['uapi-header', 'siginfo'] },
    expect: { facts: { 'header.sys_user_dispatch': '2', 'header.sys_seccomp': '1' } },
  }),
];

export const scenarios: Scenario[] = [
  ...constantScenarios,
  ...headerScenarios,
  ...offScenarios,
  ...opScenarios,
  ...rangeScenarios('exclusive', EXCLUSIVE_ROWS),
  ...rangeScenarios('inclusive', INCLUSIVE_ROWS),
  ...selectorScenarios,
  ...selectorMore,
  ...orderScenarios,
  ...rearmScenarios,
];
