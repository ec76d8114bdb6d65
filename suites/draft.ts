// The seed draft (../shared/seed/syscall-user-dispatch.rst) against the merged kernel: one scenario per
// difference listed at the end of kernel-behaviour.md that a program written from the draft would hit.
// Each has a `draft:` field (what the draft says) and a title saying what the kernel does, so a reader
// of the draft learns from the report where the draft is wrong.
//
// They reuse the existing fixtures (their usage: run them without arguments):
//   build/bin/region <exclusive|inclusive> <base> <delta> <len|to:label[+-N]>: arms that region with a BLOCK
//     selector and probes getppid through sud_gate_probe, whose `syscall` is at I (label `insn`) and whose
//     post-instruction address, the one the kernel compares (B8, B9), is A = I + 2 (label `after`); before
//     that, a control getppid through sud_gate_escape (outside every region used here) shows the arming
//     is live (`control.dispatched`);
//   build/bin/prctl constants <0|1>: prctl 59, op 1, the selector byte written as a number.
// Other rows of the table (bad selector kills the process, per-thread scope, fork/exec, INCLUSIVE, ptrace)
// carry `draft:` notes in their own families: selector.all-threads.*, threads.*, lifetime.*, prctl.*.
import { family, sameAs, scenario } from '../runner/scenario.js';
import { dispatchedAtA } from './region.js';
import type { Expectation, FeatureId, Scenario } from '../runner/types.js';


const DRAFT_CLOSED =
  'the draft takes <start_addr>, <end_addr> "delimiting a closed memory region interval" from which syscalls run ' +
  'directly; the kernel takes <offset>, <length> and allows [offset, offset+len), compared with the address after ' +
  'the syscall instruction';
const DRAFT_EMPTY =
  'the draft\'s closed interval [start, start] holds one byte; the kernel reads the arguments as offset and length, ' +
  'so start == end is a zero length';
const DRAFT_SELECTOR =
  'the draft says the selector "can be set to PR_SYS_DISPATCH_ON or PR_SYS_DISPATCH_OFF"; the kernel names the ' +
  'values SYSCALL_DISPATCH_FILTER_BLOCK (1) and SYSCALL_DISPATCH_FILTER_ALLOW (0): the same numbers, ON blocks';


const rejected: Expectation = {
  facts: { 'arm.ret': '-1', 'arm.errno': 'EINVAL', 'sigsys.count': '0', 'disarm.ret': '0' },
};

// ---------------------------------------------------------------- the closed interval's last byte

// A program following the draft allows the syscall at A with the closed interval [I, A] (start I, end A)
// and hands the kernel offset = start, len = end - start = 2. The kernel's [I, I+2) stops before A.
const closedInterval: Scenario[] = [
  scenario({
    id: 'draft.closed-interval.last-byte-excluded',
    title:
      'the last byte of a closed interval [start, end] is not in the region: EXCLUSIVE with offset = I, len = end - start = 2 ' +
      '(end = A, the address after the syscall at I) does not cover that syscall, which is dispatched',
    refs: ['B9', 'B8', 'A4', 'seed:interface'],
    requires: ['sud'],
    draft: DRAFT_CLOSED,
    run: { fixture: 'region', args: ['exclusive', 'insn', '0', 'to:after'] },
    expect: dispatchedAtA({ 'control.dispatched': '1' }),
  }),
  scenario({
    id: 'draft.closed-interval.len-plus-one',
    title:
      'the closed interval [start, end] is the kernel\'s [offset, offset+len) with len = end - start + 1: ' +
      'EXCLUSIVE with offset = I, len = 3 (end = A) covers the syscall, which runs natively',
    refs: ['B9', 'B8', 'A4', 'seed:interface'],
    requires: ['sud'],
    draft: DRAFT_CLOSED,
    run: { fixture: 'region', args: ['exclusive', 'insn', '0', 'to:after+1'] },
    expect: {
      facts: {
        'arm.ret': '0',
        'control.dispatched': '1', // the arming is live: the escape gate, outside the region, is dispatched
        dispatched: '0',
        'probe.ret': sameAs('getppid'),
        'sigsys.count': '0',
        'disarm.ret': '0',
      },
    },
  }),
];

// ---------------------------------------------------------------- start == end

interface EmptyRow {
  name: string;
  mode: 'exclusive' | 'inclusive';
  base: 'after' | 'zero';
  title: string;
  refs: string[];
  requires: FeatureId[];
  expect: Expectation;
}
const EMPTY_ROWS: EmptyRow[] = [
  {
    name: 'exclusive.nonzero',
    mode: 'exclusive',
    base: 'after',
    title: 'start == end == A (a one-byte closed interval in the draft) is a zero length: EXCLUSIVE rejects it with EINVAL at a nonzero offset',
    refs: ['A4', 'seed:interface'],
    requires: ['sud'],
    expect: rejected,
  },
  {
    name: 'exclusive.zero',
    mode: 'exclusive',
    base: 'zero',
    title: 'start == end == 0 is accepted by EXCLUSIVE as an empty region: nothing is allowed, the syscall at A is dispatched',
    refs: ['A4', 'B8', 'seed:interface'],
    requires: ['sud'],
    expect: dispatchedAtA(),
  },
  {
    name: 'inclusive',
    mode: 'inclusive',
    base: 'after',
    title: 'start == end == A is a zero length: INCLUSIVE (6.17+) rejects it with EINVAL',
    refs: ['A5', 'seed:interface'],
    requires: ['sud', 'inclusive'],
    expect: rejected,
  },
];
const startEqualsEnd = family(EMPTY_ROWS, (r) => ({
  id: `draft.start-equals-end.${r.name}`,
  title: r.title,
  refs: r.refs,
  requires: r.requires,
  draft: DRAFT_EMPTY,
  run: { fixture: 'region', args: [r.mode, r.base, '0', '0'] },
  expect: r.expect,
}));

// ---------------------------------------------------------------- selector values ON/OFF

// The fixture probes with the given byte, then with the other one (the control): together they show which
// number dispatches, whatever a header calls it.
const selectorValues = family(
  [
    { byte: '1', name: 'on-is-block', title: 'the selector byte 1 (the draft\'s PR_SYS_DISPATCH_ON) is SYSCALL_DISPATCH_FILTER_BLOCK: a syscall outside the region is dispatched; 0 runs it natively' },
    { byte: '0', name: 'off-is-allow', title: 'the selector byte 0 (the draft\'s PR_SYS_DISPATCH_OFF) is SYSCALL_DISPATCH_FILTER_ALLOW: a syscall outside the region runs natively; 1 dispatches it' },
  ] as const,
  (r) => {
    const blocked = r.byte === '1';
    const native = (p: string) => ({ [`${p}.ret`]: sameAs('ppid'), [`${p}.sigsys`]: '0' });
    const dispatched = (p: string) => ({ [`${p}.sigsys`]: '1', [`${p}.call_addr`]: sameAs('addr.probe_after') });
    return {
      id: `draft.selector-values.${r.name}`,
      title: r.title,
      refs: ['A1', 'B8', 'seed:interface'],
      requires: ['sud'] as FeatureId[],
      draft: DRAFT_SELECTOR,
      run: { fixture: 'prctl', args: ['constants', r.byte] },
      expect: {
        facts: {
          'arm.ret': '0',
          ...(blocked ? { ...dispatched('probe'), ...native('control') } : { ...native('probe'), ...dispatched('control') }),
          'sigsys.code': '2',
          'disarm.ret': '0',
        },
      },
    };
  },
);

export const scenarios: Scenario[] = [...closedInterval, ...startEqualsEnd, ...selectorValues];
