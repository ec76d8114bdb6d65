// region: which syscalls the region lets through, to the byte, in both modes (kernel-behaviour.md B8, B9).
//
// The probe gate's 2-byte `syscall` is at I (label sud_gate_probe_insn); the kernel compares
// A = I + 2 (sud_gate_probe_after), the address after the instruction, with the region as
// `A - offset < len` (unsigned): half-open [offset, offset + len). EXCLUSIVE: a syscall whose A is in
// the region runs natively, any other consults the selector. INCLUSIVE (6.17+): the opposite, a
// syscall whose A is in the region consults the selector, any other runs natively.
//
// Every row arms the fixture with selector BLOCK, so "consults the selector" means "dispatched".
// fixtures-c/region.c: `region <exclusive|inclusive> <base> <delta> <len|to:label+N> [allow|block]...`.
import { family, hex, sameAs, scenario } from '../runner/scenario.js';
import type { Expectation, FeatureId, Scenario } from '../runner/types.js';

/** What the fixture's SIGSYS handler makes a dispatched getppid return (REGION_DISPATCHED_RET). */
export const DISPATCHED_RET = hex(0x5ddead);
export const GETPPID = 110;

type Label = 'zero' | 'gate' | 'insn' | 'after' | 'end';
type Mode = 'exclusive' | 'inclusive';
/** An address: a label of the fixture plus a byte delta. `['zero', -1]` is 2^64 - 1. */
type Addr = readonly [Label, number];

interface Edge {
  mode: Mode;
  /** The scenario id's last component. */
  name: string;
  from: Addr;
  to: Addr;
  dispatched: boolean;
  why: string;
  refs?: string[];
}

const NAMES: Record<Label, string> = { zero: '0', gate: 'G', insn: 'I', after: 'A', end: 'E' };
const show = ([l, d]: Addr): string => (l === 'zero' && d < 0 ? `2^64${d}` : `${NAMES[l]}${d > 0 ? `+${d}` : d < 0 ? d : ''}`);
const range = (e: Edge): string => `[${show(e.from)}, ${show(e.to)})`;
const LEGEND: Partial<Record<Label, string>> = {
  gate: 'G = the first byte of the gate function',
  insn: 'I = the syscall instruction',
  after: 'A = I + 2',
  end: 'E = one past the final ret of the function',
};
/** The legend for the labels a row uses; A is always explained, since every title speaks of it. */
const legend = (e: Edge): string =>
  (['gate', 'insn', 'after', 'end'] as const)
    .filter((l) => l === 'after' || l === 'insn' || e.from[0] === l || e.to[0] === l)
    .map((l) => LEGEND[l])
    .join(', ');

/** Fixture arguments for a region [from, to): `<base> <delta> <len>`, or `to:<label>+N` across labels. */
function regionArgs(from: Addr, to: Addr): string[] {
  const len = from[0] === to[0] ? String(to[1] - from[1]) : `to:${to[0]}${to[1] < 0 ? to[1] : `+${to[1]}`}`;
  return [from[0], String(from[1]), len];
}

const DRAFT =
  'the seed draft gives the region as <start_addr>, <end_addr>, a closed interval, and does not say which address ' +
  'is compared; the kernel takes <offset>, <length>, half-open as `ip - offset < len`, with ip the address after ' +
  'the syscall instruction (the man page says "the address of the instruction")';

export const notDispatched = (extra: Expectation['facts'] = {}): Expectation => ({
  facts: { 'arm.ret': '0', dispatched: '0', 'probe.ret': sameAs('getppid'), 'sigsys.count': '0', 'disarm.ret': '0', ...extra },
});
/** The region fixture's probe call was dispatched, from the address after the instruction (C13). */
export const dispatchedAtA = (extra: Expectation['facts'] = {}): Expectation => ({
  facts: {
    'arm.ret': '0',
    dispatched: '1',
    'probe.ret': DISPATCHED_RET,
    'sigsys.count': '1',
    'sigsys.code': '2',
    'sigsys.syscall': String(GETPPID),
    'sigsys.call_addr': sameAs('addr.after'),
    'disarm.ret': '0',
    ...extra,
  },
});

// G = sud_gate_probe (the gate function's first byte), E = sud_gate_probe_end (one past its `ret`).
const EDGES: Edge[] = [
  // EXCLUSIVE: the region is what runs natively.
  { mode: 'exclusive', name: 'after-byte', from: ['after', 0], to: ['after', 1], dispatched: false,
    why: 'the one byte at A covers the syscall: the kernel compares the address after the instruction' },
  { mode: 'exclusive', name: 'insn-bytes', from: ['insn', 0], to: ['after', 0], dispatched: true,
    why: "the instruction's own two bytes do not cover it: A is not < I + 2" },
  { mode: 'exclusive', name: 'byte-before-after', from: ['after', -1], to: ['after', 0], dispatched: true,
    why: 'the half-open region ends just before A' },
  { mode: 'exclusive', name: 'insn-through-after', from: ['insn', 0], to: ['after', 1], dispatched: false,
    why: 'I to A inclusive covers A' },
  { mode: 'exclusive', name: 'byte-after-after', from: ['after', 1], to: ['after', 2], dispatched: true,
    why: 'a region starting one byte past A misses it' },
  { mode: 'exclusive', name: 'zero-to-after', from: ['zero', 0], to: ['after', 0], dispatched: true,
    why: 'offset 0, len A: A - 0 < A is false' },
  { mode: 'exclusive', name: 'zero-through-after', from: ['zero', 0], to: ['after', 1], dispatched: false,
    why: 'offset 0, len A + 1: A - 0 < A + 1' },
  { mode: 'exclusive', name: 'function-ending-in-syscall', from: ['gate', 0], to: ['after', 0], dispatched: true,
    why: 'a region spanning exactly a function up to and including its final syscall does not cover that syscall' },
  { mode: 'exclusive', name: 'whole-function', from: ['gate', 0], to: ['end', 0], dispatched: false,
    why: 'the gate function with its trailing ret covers A' },
  { mode: 'exclusive', name: 'all-but-last-byte', from: ['zero', 0], to: ['zero', -1], dispatched: false,
    why: 'offset 0, len 2^64 - 1 (accepted, A4) lets every address but the last run natively', refs: ['A4'] },
  // INCLUSIVE: the region is what is dispatched (stored inverted, A5: the same comparison decides).
  { mode: 'inclusive', name: 'after-byte', from: ['after', 0], to: ['after', 1], dispatched: true,
    why: 'the one byte at A puts the syscall inside the dispatched region' },
  { mode: 'inclusive', name: 'insn-bytes', from: ['insn', 0], to: ['after', 0], dispatched: false,
    why: "the instruction's own two bytes do not contain A" },
  { mode: 'inclusive', name: 'byte-before-after', from: ['after', -1], to: ['after', 0], dispatched: false,
    why: 'the half-open region ends just before A' },
  { mode: 'inclusive', name: 'insn-through-after', from: ['insn', 0], to: ['after', 1], dispatched: true,
    why: 'I to A inclusive contains A' },
  { mode: 'inclusive', name: 'byte-after-after', from: ['after', 1], to: ['after', 2], dispatched: false,
    why: 'a region starting one byte past A misses it' },
  { mode: 'inclusive', name: 'zero-to-after', from: ['zero', 0], to: ['after', 0], dispatched: false,
    why: 'offset 0, len A does not contain A' },
  { mode: 'inclusive', name: 'zero-through-after', from: ['zero', 0], to: ['after', 1], dispatched: true,
    why: 'offset 0, len A + 1 contains A' },
  { mode: 'inclusive', name: 'function-ending-in-syscall', from: ['gate', 0], to: ['after', 0], dispatched: false,
    why: 'a region spanning exactly a function up to and including its final syscall does not contain that syscall' },
  { mode: 'inclusive', name: 'whole-function', from: ['gate', 0], to: ['end', 0], dispatched: true,
    why: 'the gate function with its trailing ret contains A' },
  { mode: 'inclusive', name: 'all-but-last-byte', from: ['zero', 0], to: ['zero', -1], dispatched: true,
    why: 'offset 0, len 2^64 - 1 (accepted, A5) contains every address but the last', refs: ['A5'] },
];

const MODE_TEXT: Record<Mode, string> = { exclusive: 'EXCLUSIVE', inclusive: 'INCLUSIVE' };
const REQUIRES: Record<Mode, FeatureId[]> = { exclusive: ['sud'], inclusive: ['sud', 'inclusive'] };

// The fixture's control call: getppid with BLOCK through sud_gate_escape, which sud.h places just past
// the probe gate, so of these regions only one reaching the top of the address space covers it. Its
// outcome proves the arming is live: a kernel that accepted the prctl and ignored it fails the rows
// that expect "runs natively" too (EXCLUSIVE ones; an INCLUSIVE region this small leaves it native).
const coversEscape = (e: Edge): boolean => e.to[0] === 'zero' && e.to[1] < 0;
const controlDispatched = (e: Edge): string => String(Number(e.mode === 'exclusive' ? !coversEscape(e) : coversEscape(e)));

const edges = family(EDGES, (e) => ({
  id: `region.${e.mode}.${e.name}`,
  title:
    `${MODE_TEXT[e.mode]} region ${range(e)} (${legend(e)}): ` +
    `${e.dispatched ? 'dispatched' : 'runs natively'}; ${e.why}`,
  refs: ['B9', 'B8', ...(e.refs ?? [])],
  requires: REQUIRES[e.mode],
  draft: DRAFT,
  run: { fixture: 'region', args: [e.mode, ...regionArgs(e.from, e.to)] },
  expect: e.dispatched
    ? dispatchedAtA({ 'control.dispatched': controlDispatched(e) })
    : notDispatched({ 'control.dispatched': controlDispatched(e) }),
}));

// The selector is consulted only for a syscall the region does not decide (B8 a then d): with ALLOW the
// syscall runs natively; the second call, same arming, selector BLOCK, is dispatched, so the byte was
// read both times and is what made the difference.
const selectorRead: Scenario[] = [
  scenario({
    id: 'region.exclusive.allow-outside',
    title:
      'EXCLUSIVE, a syscall outside the region with the selector at ALLOW runs natively; ' +
      'the same syscall with BLOCK, same arming, is dispatched: the selector decides',
    refs: ['B8'],
    requires: ['sud'],
    run: { fixture: 'region', args: ['exclusive', 'after', '1', '1', 'allow', 'block'] },
    expect: {
      facts: {
        'arm.ret': '0',
        'control.dispatched': '1',
        dispatched: '0',
        'probe.ret': sameAs('getppid'),
        'call2.dispatched': '1',
        'call2.ret': DISPATCHED_RET,
        'sigsys.count': '1',
        'sigsys.call_addr': sameAs('addr.after'),
      },
    },
  }),
  scenario({
    id: 'region.inclusive.allow-inside',
    title:
      'INCLUSIVE, a syscall inside the region with the selector at ALLOW runs natively; ' +
      'the same syscall with BLOCK, same arming, is dispatched: the selector decides',
    refs: ['B8'],
    requires: ['sud', 'inclusive'],
    run: { fixture: 'region', args: ['inclusive', 'after', '0', '1', 'allow', 'block'] },
    expect: {
      facts: {
        'arm.ret': '0',
        'control.dispatched': '0',
        dispatched: '0',
        'probe.ret': sameAs('getppid'),
        'call2.dispatched': '1',
        'call2.ret': DISPATCHED_RET,
        'sigsys.count': '1',
        'sigsys.call_addr': sameAs('addr.after'),
      },
    },
  }),
];

export const scenarios: Scenario[] = [...edges, ...selectorRead];

