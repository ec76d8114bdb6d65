// Threads: the whole configuration (enable flag, selector address, region) belongs to one thread
// (kernel-behaviour.md F28 "per thread"; the dispatch decision, B8, reads the calling thread's own
// configuration and selector). The seed draft calls it a process-wide mechanism ("a process can setup
// this mechanism"), with a "thread-wide" selector.
//
// fixtures-c/threads.c: the main thread is never armed; worker threads A and B arm (or not) on command,
// with the escape gate as the allowed region, and probe getppid through sud_gate_probe. A dispatched
// probe returns 0x5ddead (set by the handler); a native one the real parent pid.
// Each scenario has a probe that must be dispatched: a kernel that accepts prctl and never arms gives FAIL.
//
// Not here (family B, suites/selector.ts): another thread flipping the selector (selector.flip-by.thread)
// and an invalid selector killing every thread (selector.all-threads.*). New threads starting disarmed:
// lifetime.thread-starts-disarmed (F28).
import { hex, sameAs, scenario } from '../runner/scenario.js';
import type { FactMatcher, Scenario } from '../runner/types.js';

const DISPATCHED_RET = hex(0x5ddead);

const DRAFT_SCOPE =
  'the seed draft says "a process can setup this mechanism" and calls the selector "thread-wide"; the kernel keeps ' +
  'the enable flag, selector address and region per thread, set by prctl in that thread only';

const dispatched = (step: string, who: string): Record<string, FactMatcher> => ({
  [`${step}.${who}.dispatched`]: '1',
  [`${step}.${who}.ret`]: DISPATCHED_RET,
  [`${step}.${who}.call_addr`]: sameAs('addr.after'),
});
const native = (step: string, who: string): Record<string, FactMatcher> => ({
  [`${step}.${who}.dispatched`]: '0',
  [`${step}.${who}.ret`]: sameAs('getppid'),
});

export const scenarios: Scenario[] = [
  scenario({
    id: 'threads.per-thread-selector',
    title:
      'two threads armed with different selector bytes each decide by their own: with A\'s byte BLOCK and B\'s ALLOW ' +
      'only A is dispatched, and with the bytes swapped only B',
    refs: ['F28', 'B8', 'seed:interface'],
    requires: ['sud'],
    draft: DRAFT_SCOPE,
    run: { fixture: 'threads', args: ['selectors'] },
    expect: {
      facts: {
        'a.arm.ret': '0',
        'b.arm.ret': '0',
        ...dispatched('phase1', 'a'),
        ...native('phase1', 'b'),
        ...native('phase2', 'a'),
        ...dispatched('phase2', 'b'),
        'a.quit.ret': '0',
        'b.quit.ret': '0',
      },
    },
  }),
  scenario({
    id: 'threads.arming-is-per-thread',
    title:
      'a thread arming does not arm its sibling nor the thread that created both: with the shared selector at BLOCK ' +
      'the sibling and the creator run natively, the armed thread is dispatched',
    refs: ['F28', 'B8', 'seed:interface'],
    requires: ['sud'],
    draft: DRAFT_SCOPE,
    run: { fixture: 'threads', args: ['arming'] },
    expect: {
      facts: {
        'a.arm.ret': '0',
        ...native('block', 'b'),
        ...native('block', 'main'),
        ...dispatched('block', 'a'),
        'a.quit.ret': '0',
      },
    },
  }),
  scenario({
    id: 'threads.disarm-is-per-thread',
    title:
      'prctl(OFF) in one of two armed threads sharing a selector disarms only that thread: with BLOCK, ' +
      'the other is still dispatched and the disarmed one runs natively',
    refs: ['F28', 'A2', 'B8'],
    requires: ['sud'],
    draft: DRAFT_SCOPE,
    run: { fixture: 'threads', args: ['disarm'] },
    expect: {
      facts: {
        'a.arm.ret': '0',
        'b.arm.ret': '0',
        ...dispatched('before_off', 'b'), // control: B was armed before its OFF
        'b.off.ret': '0',
        ...dispatched('after_off', 'a'),
        ...native('after_off', 'b'),
        'a.quit.ret': '0',
      },
    },
  }),
  scenario({
    id: 'threads.per-thread-region',
    title:
      'two threads armed with one BLOCK selector and different regions each use their own: the probe gate, ' +
      "outside A's region and inside B's (armed second), is dispatched for A only",
    refs: ['F28', 'A7', 'B8'],
    requires: ['sud'],
    draft: DRAFT_SCOPE,
    run: { fixture: 'threads', args: ['region'] },
    expect: {
      facts: {
        'a.arm.ret': '0',
        'b.arm.ret': '0',
        ...dispatched('block', 'a'),
        ...native('block', 'b'),
        'a.quit.ret': '0',
        'b.quit.ret': '0',
      },
    },
  }),
];
