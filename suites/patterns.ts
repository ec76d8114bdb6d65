// The users' patterns: what Wine, lazypoline and syscall emulators build on Syscall User Dispatch
// (kernel-behaviour.md "Known users"), each checked end to end. Fixture: fixtures-c/patterns.c.
//
// Every scenario requires the dispatches to have happened (a handler count), so a kernel that accepts
// prctl and never arms gives FAIL even where the native results would look right.
import { absent, sameAs, scenario } from '../runner/scenario.js';
import type { FactMatcher, Scenario } from '../runner/types.js';

const RECVFROM = 45;
const ARG_REGS = ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'] as const;

/** lazypoline: each of the two threads makes 100 rounds of gettid, getpid, getppid with its byte at BLOCK. */
const LP_CALLS = String(3 * 100);
function lazypolineThread(who: 'main' | 'thread'): Record<string, FactMatcher> {
  return {
    [`${who}.arm.ret`]: '0',
    [`${who}.calls`]: LP_CALLS,
    [`${who}.dispatches`]: LP_CALLS, // every syscall outside the region, its own byte BLOCK (B8)
    [`${who}.wrong`]: '0', // the natively run syscall's result reached the caller (C14)
    [`${who}.bad_errno`]: '0', // si_errno == 0 (C13)
    [`${who}.bad_code`]: '0', // si_code == 2 (C13)
    [`${who}.bad_rax`]: '0', // REG_RAX == si_syscall (C14)
    [`${who}.bad_sel_entry`]: '0', // its own byte was BLOCK at every entry: no other thread's handler touched it
    [`${who}.sel_not_block`]: '0', // and still BLOCK after every return (D22: the restorer is in the region)
    [`${who}.off.ret`]: '0',
  };
}

export const scenarios: Scenario[] = [
  scenario({
    id: 'patterns.wine-fallback',
    title:
      "Wine's fallback: the handler disarms with prctl(OFF) through an in-region gate, moves RIP back 2 bytes onto " +
      'the syscall instruction and returns; the syscall re-runs natively with all six argument registers intact ' +
      '(recvfrom: 37 of 64 bytes peeked, the sender\'s name and length written back, the message still queued)',
    refs: ['C14', 'C13', 'B8', 'A2'],
    requires: ['sud'],
    run: { fixture: 'patterns', args: ['wine-fallback'] },
    expect: {
      facts: {
        'arm.ret': '0',
        'handler.count': '1', // dispatched once; the re-run was native (disarmed)
        'handler.syscall': String(RECVFROM),
        'handler.rip': sameAs('addr.after'), // RIP just after the 2-byte syscall (C14)
        'handler.rip_rerun': sameAs('addr.insn'),
        'handler.insn_bytes': '0f05', // RIP - 2 is the syscall instruction itself
        ...Object.fromEntries(ARG_REGS.map((r) => [`handler.${r}`, sameAs(`args.${r}`)])),
        'handler.disarm.ret': '0',
        // the native re-run, with rax rolled back to the number (C14) and the argument registers as passed:
        'call.ret': sameAs('msg.len'), // rdx: the datagram truncated to len
        'call.data': sameAs('msg.head'), // rdi, rsi: the right socket, into the buffer
        'call.src': sameAs('tx.name'), // r8: the sender's abstract name
        'call.srclen': sameAs('tx.addrlen'), // r9: its length written back
        'after.recv.ret': '64', // r10 = MSG_PEEK|MSG_DONTWAIT: the whole message was still queued
        'after.empty.ret': '-1',
        'after.empty.errno': 'EAGAIN',
      },
    },
  }),
  scenario({
    id: 'patterns.lazypoline',
    title:
      "lazypoline's handler: per-thread selector bytes in two concurrently armed threads, each handler flips its " +
      "thread's byte to ALLOW, runs the syscall natively and returns with BLOCK through an in-region restorer; " +
      'si_errno == 0 and RAX == si_syscall on every one of 600 dispatches, and every result is right',
    refs: ['C13', 'C14', 'D22', 'C17', 'F28'],
    requires: ['sud'],
    run: { fixture: 'patterns', args: ['lazypoline'] },
    expect: { facts: { ...lazypolineThread('main'), ...lazypolineThread('thread'), 'sel.distinct': '1' } },
  }),
  scenario({
    id: 'patterns.emulation-loop',
    title:
      'an emulation loop: 1000 mixed getpid, getppid and write(pipe) calls, all dispatched with the selector BLOCK ' +
      'throughout, emulated by the handler through REG_RAX, return the right values in order',
    refs: ['C14', 'C13', 'D22', 'B10'],
    requires: ['sud'],
    run: { fixture: 'patterns', args: ['emulation-loop'] },
    expect: {
      facts: {
        'arm.ret': '0',
        calls: '1000',
        dispatched: '1000',
        wrong: '0',
        'first_wrong.index': absent,
        bad_rax: '0',
        unknown: '0',
        'selector.changed': '0',
        'pipe.bytes': sameAs('pipe.expected'),
        'pipe.in_order': '1',
        'disarm.ret': '0',
      },
    },
  }),
];
