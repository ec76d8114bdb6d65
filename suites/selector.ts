// selector: the selector half of the dispatch decision (kernel-behaviour.md B8, B10, B11, B12).
//
// For a syscall the region does not decide (B8a), the kernel reads the selector byte on every syscall
// (B10): NULL -> dispatch (B8c); unreadable -> the process is killed by SIGSEGV (B12); 0 -> run;
// 1 -> dispatch; any other value -> the process is killed by SIGSYS, handler or not (B8d, B11).
// fixtures-c/selector.c arms EXCLUSIVE with the allowed region = the escape gate: sud_gate_probe is
// outside the region, sud_gate_escape inside; a dispatched probe returns 0x5ddead (set by the handler).
import { absent, family, hex, sameAs, scenario } from '../runner/scenario.js';
import type { Scenario } from '../runner/types.js';

const DISPATCHED_RET = hex(0x5ddead);
const GETPPID = 110;
const GETPID = 39;

const byte = (v: number): string => `0x${v.toString(16).padStart(2, '0')}`;

const PER_THREAD_DRAFT =
  'the seed draft says an invalid selector "should terminate the program with a SIGSYS"; kernels 5.11-5.15 ' +
  'killed only the calling thread (do_exit), 5.16+ (and 5.15.y) kill the whole process (force_exit_sig)';

// ---------------------------------------------------------------- values 0x00..0xff (B8d, B11)

const INVALID_VALUES = Array.from({ length: 0xff - 0x02 + 1 }, (_, i) => i + 0x02);

const invalidValues = family(INVALID_VALUES, (v) => ({
  id: `selector.value.${byte(v)}`,
  title: `selector value ${byte(v)} for a syscall outside the region kills the process with SIGSYS; the installed handler never runs`,
  refs: ['B11', 'B8'],
  requires: ['sud'],
  run: { fixture: 'selector', args: ['value', byte(v)] },
  expect: {
    signal: 'SIGSYS',
    // arm.ret is printed before the selector is set: a death before arming is not this behaviour.
    facts: { 'arm.ret': '0', 'handler.entered': absent, 'probe.ret': absent },
  },
}));

const validValues: Scenario[] = [
  scenario({
    id: 'selector.value.0x00',
    title: 'selector value 0x00 (SYSCALL_DISPATCH_FILTER_ALLOW) for a syscall outside the region: it runs natively',
    refs: ['B8', 'A1'],
    requires: ['sud'],
    run: { fixture: 'selector', args: ['value', '0x00'] },
    expect: {
      // control: BLOCK right after, same arming, is dispatched (the arming is live).
      facts: {
        'arm.ret': '0',
        'probe.ret': sameAs('getppid'),
        'sigsys.count': '0',
        'handler.entered': absent,
        'control.dispatched': '1',
      },
    },
  }),
  scenario({
    id: 'selector.value.0x01',
    title: 'selector value 0x01 (SYSCALL_DISPATCH_FILTER_BLOCK) for a syscall outside the region: it is dispatched to the handler',
    refs: ['B8', 'A1'],
    requires: ['sud'],
    run: { fixture: 'selector', args: ['value', '0x01'] },
    expect: {
      facts: {
        'arm.ret': '0',
        'handler.entered': '1',
        'probe.ret': DISPATCHED_RET,
        'sigsys.count': '1',
        'sigsys.code': '2',
        'sigsys.syscall': String(GETPPID),
        'sigsys.call_addr': sameAs('addr.after'),
        'control.dispatched': '1',
      },
    },
  }),
];

// ---------------------------------------------------------------- the whole process dies (B11)

// The child's second thread waits for the main thread's exit (set_tid_address + futex): it prints
// other_thread.survived and exits 0 only if the kernel killed the calling thread alone.
const allThreads = family([0x02, 0x80, 0xff], (v) => ({
  id: `selector.all-threads.${byte(v)}`,
  title: `selector value ${byte(v)} kills every thread of the process with SIGSYS, not only the calling one (5.16+)`,
  refs: ['B11'],
  requires: ['sud'],
  draft: PER_THREAD_DRAFT,
  run: { fixture: 'selector', args: ['all-threads', byte(v)] },
  expect: {
    facts: {
      'other_thread.started': '1',
      'arm.ret': '0',
      'child.signal': 'SIGSYS',
      'child.exit': absent,
      'other_thread.survived': absent,
      'handler.entered': absent,
      'probe.ret': absent,
    },
  },
}));

const traced: Scenario[] = [
  ...family([0x02, 0xff], (v) => ({
    id: `selector.traced.${byte(v)}`,
    title: `selector value ${byte(v)} under ptrace: the tracer sees no SIGSYS signal stop, only PTRACE_EVENT_EXIT, then the SIGSYS death`,
    refs: ['B11'],
    requires: ['sud'],
    run: { fixture: 'selector', args: ['traced', byte(v)] },
    expect: {
      facts: {
        'arm.ret': '0',
        'tracer.stops': 'event-exit',
        'child.signal': 'SIGSYS',
        'child.exit': absent,
        'handler.entered': absent,
        'probe.ret': absent,
      },
    },
  })),
  scenario({
    id: 'selector.traced.0x01',
    title: 'selector value 0x01 under ptrace (the contrast to selector.traced.0x02): the tracer sees the SIGSYS signal stop, the handler runs',
    refs: ['B8', 'B11'],
    requires: ['sud'],
    run: { fixture: 'selector', args: ['traced', '0x01'] },
    expect: {
      facts: {
        'arm.ret': '0',
        'tracer.stops': 'signal-SIGSYS,event-exit',
        'handler.entered': '1',
        'probe.ret': DISPATCHED_RET,
        'child.exit': '0',
      },
    },
  }),
];

// ---------------------------------------------------------------- NULL selector (B8c)

const nullCall = (name: string, nr: number) => ({
  [`${name}.arm.ret`]: '0',
  [`${name}.inside`]: sameAs('getppid'),
  [`${name}.dispatched`]: '1',
  [`${name}.syscall`]: String(nr),
  [`${name}.ret`]: DISPATCHED_RET,
  [`${name}.call_addr`]: sameAs('addr.after'),
});

const nullSelector = scenario({
  id: 'selector.null',
  title:
    'a NULL selector dispatches every syscall outside the region (getppid, getpid, an unknown number 1000), ' +
    'while a syscall inside the region runs natively',
  refs: ['B8', 'A6'],
  requires: ['sud'],
  run: { fixture: 'selector', args: ['null'] },
  expect: { facts: { ...nullCall('getppid', GETPPID), ...nullCall('getpid', GETPID), ...nullCall('nosys', 1000) } },
});

// ---------------------------------------------------------------- unreadable selectors (B12)

// The selector page is unmapped (or made PROT_NONE) by libc's munmap (mprotect) while it still holds
// ALLOW: that syscall reads the selector at entry, before it runs (B8 order), so it succeeds; the next
// syscall outside the region faults on the read. Facts after that are written through the escape gate.
const unreadable = family(['unmapped', 'protnone'] as const, (how) => ({
  id: `selector.unreadable.${how}`,
  title:
    `a selector ${how === 'unmapped' ? 'unmapped' : 'made PROT_NONE'} after arming kills the process with SIGSEGV at the next ` +
    'syscall outside the region; neither a SIGSEGV nor a SIGSYS handler runs',
  refs: ['B12', 'A6'],
  requires: ['sud'],
  run: { fixture: 'selector', args: ['unreadable', how] },
  expect: {
    signal: 'SIGSEGV',
    facts: {
      'arm.ret': '0',
      'spoil.ret': '0',
      'probe.ret': absent,
      'sigsegv.handler.entered': absent,
      'handler.entered': absent,
    },
  },
}));

// ---------------------------------------------------------------- inside the region (B10)

const inside = family(['0x02', '0xff', 'unmapped', 'protnone'] as const, (what) => ({
  id: `selector.inside.${what}`,
  title:
    `a selector that would kill (${what.startsWith('0x') ? `value ${what}` : what}) is harmless for syscalls inside the region: ` +
    'getppid, getpid and prctl(OFF) from the allowed region run natively; the selector is not read',
  refs: ['B10', 'B8'],
  requires: ['sud'],
  run: { fixture: 'selector', args: ['inside', what] },
  expect: {
    facts: {
      'arm.ret': '0',
      'control.dispatched': '1', // BLOCK before the selector is spoiled: the arming is live
      ...(what.startsWith('0x') ? {} : { 'spoil.ret': '0' }),
      'inside.getppid': sameAs('getppid'),
      'inside.getpid': sameAs('getpid'),
      'disarm.ret': '0',
      'handler.entered': absent,
      'sigsegv.handler.entered': absent,
    },
  },
}));

// ---------------------------------------------------------------- a read-only selector (A6, B12)

const readonly = scenario({
  id: 'selector.readonly',
  title:
    'a read-only selector works: a PROT_READ view of a memfd page is the selector, the handler writes ALLOW ' +
    'through a writable view of the same page; BLOCK is dispatched, then ALLOW runs natively',
  refs: ['A6', 'B12'],
  requires: ['sud'],
  run: { fixture: 'selector', args: ['readonly'] },
  expect: {
    facts: {
      'views.distinct': '1',
      'arm.ret': '0',
      'block.dispatched': '1',
      'block.ret': DISPATCHED_RET,
      'allow.dispatched': '0',
      'allow.ret': sameAs('getppid'),
      'sigsys.call_addr': sameAs('addr.after'),
    },
  },
});

// ---------------------------------------------------------------- re-read on every syscall (B10)

const reread = scenario({
  id: 'selector.reread',
  title: 'the selector is re-read on every syscall: rewritten between calls of one arming, the decision follows it (0100110)',
  refs: ['B10'],
  requires: ['sud'],
  run: { fixture: 'selector', args: ['reread'] },
  expect: { facts: { 'arm.ret': '0', selectors: '0100110', pattern: '0100110' } },
});

const flipBy = family(['thread', 'process'] as const, (who) => ({
  id: `selector.flip-by.${who}`,
  title:
    `another ${who === 'thread' ? 'thread' : 'process sharing the page'} writing BLOCK to the selector takes effect ` +
    'at the armed thread\'s next syscall (synchronised through pipes, no sleeps)',
  refs: ['B10'],
  requires: ['sud'],
  run: { fixture: 'selector', args: ['flip-by', who] },
  expect: {
    facts: {
      'arm.ret': '0',
      'sync.write': '1',
      'sync.read': '1',
      'before.dispatched': '0',
      'before.ret': sameAs('getppid'),
      'selector.after_flip': '1',
      'after.dispatched': '1',
      'after.ret': DISPATCHED_RET,
      'sigsys.call_addr': sameAs('addr.after'),
    },
  },
}));

export const scenarios: Scenario[] = [
  ...validValues,
  ...invalidValues,
  ...allThreads,
  ...traced,
  nullSelector,
  ...unreadable,
  ...inside,
  readonly,
  reread,
  ...flipBy,
];
