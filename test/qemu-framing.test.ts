// The serial framing: records survive kernel messages between and inside frame lines, \r\n line ends,
// arbitrary chunking, duplicates; damaged or truncated frames are dropped, never misread.
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { crc32, encodeRecord, FrameParser, parseFrame, type SudRecord } from '../runner/qemu/framing.js';
import { parseKeyValues, parseRunRecord, RecordError } from '../runner/qemu/records.js';
import { consoleTail, diagnoseConsole } from '../runner/qemu/session.js';

function collect(): { parser: FrameParser; records: SudRecord[]; lines: string[] } {
  const records: SudRecord[] = [];
  const lines: string[] = [];
  const parser = new FrameParser((r) => records.push(r), (l) => lines.push(l));
  return { parser, records, lines };
}

/** A payload that spans several frames, with every byte value. */
const BIG = Buffer.from(Array.from({ length: 9000 }, (_, i) => (i * 7 + 3) & 0xff));

t.test('crc32 is the IEEE/zlib CRC', async (t) => {
  t.equal(crc32(''), 0);
  t.equal(crc32('123456789'), 0xcbf43926, 'the standard check value');
  t.equal(crc32('The quick brown fox jumps over the lazy dog'), 0x414fa339);
});

t.test('frame lines: format, CRC and bounds are checked', async (t) => {
  const [line] = encodeRecord('c7', 'hello');
  t.match(line, /^@@SUD c7 0\/1 aGVsbG8= [0-9a-f]{8}$/);
  t.same(parseFrame(line as string), { id: 'c7', seq: 0, count: 1, chunk: 'aGVsbG8=' });
  t.equal(parseFrame((line as string).replace('aGVsbG8=', 'aGVsbG9=')), null, 'one changed character: CRC mismatch');
  t.equal(parseFrame((line as string).slice(0, -1)), null, 'truncated');
  t.equal(parseFrame('@@SUD c7 1/1 aGVsbG8= 00000000'), null, 'seq beyond count');
  t.equal(encodeRecord('c1', BIG).length, 3, '9000 bytes in 3072-byte chunks');
  t.equal(encodeRecord('end', '').length, 1, 'an empty record is one frame');
});

t.test('records between kernel messages, with \\r\\n, fed one byte at a time', async (t) => {
  const { parser, records, lines } = collect();
  const stream = [
    '[    0.000000] Linux version 6.1.0',
    ...encodeRecord('hello', 'sudcheck-agent 1\nchannel=/dev/console\n'),
    '[    2.345678] random: crng init done',
    ...encodeRecord('c1', BIG),
    'sudcheck-agent: done',
  ].join('\r\n') + '\r\n';
  for (const ch of Buffer.from(stream, 'latin1')) parser.push(Buffer.from([ch]));
  parser.end();
  t.same(records.map((r) => r.id), ['hello', 'c1']);
  t.same(records[1]?.payload, BIG, 'binary payload intact across frames');
  t.same(lines, ['[    0.000000] Linux version 6.1.0', '[    2.345678] random: crng init done', 'sudcheck-agent: done']);
  t.same(parser.stats, { frames: 4, repaired: 0, dropped: 0, duplicates: 0 });
});

t.test('a kernel line spliced into a frame line at any 16-byte FIFO boundary is repaired', async (t) => {
  const lines = encodeRecord('c2', BIG);
  const kernel = ['[   12.000001] potentially unexpected fatal signal 31.', 'potentially unexpected fatal signal 11.', 'CPU: 0 PID: 77 Comm: selector'];
  let cases = 0;
  for (const [i, line] of lines.entries())
    for (let cut = 16; cut < line.length + 16; cut += 16 * 37) {
      for (const k of kernel) {
        const { parser, records, lines: consoleLines } = collect();
        const damaged = lines.map((l, j) => (j === i ? `${l.slice(0, cut)}${k}\r\n${l.slice(cut)}` : l));
        parser.push(damaged.join('\n') + '\n');
        parser.end();
        cases++;
        if (records.length !== 1 || !records[0]?.payload.equals(BIG)) {
          t.fail(`frame ${i} cut at ${cut} with '${k}' was not repaired`);
          continue;
        }
        if (cut < line.length) t.equal(parser.stats.repaired, 1, `frame ${i} cut at ${cut}: repaired once`);
        t.ok(consoleLines.includes(k), 'the kernel line still reaches the console log');
      }
    }
  t.ok(cases > 20, `${cases} splices tried`);
});

t.test('a multi-line oops between the two halves of a frame line is repaired too', async (t) => {
  const { parser, records } = collect();
  const [a, b] = encodeRecord('c3', BIG) as [string, string, string];
  const oops = Array.from({ length: 30 }, (_, i) => `[    5.0000${String(i).padStart(2, '0')}] R${i}: 0000000000000000 RBX: ffff888003c1a000`);
  parser.push(`${a.slice(0, 100)}${oops.join('\r\n')}\r\n${a.slice(100)}\n${b}\n`);
  parser.push(`${encodeRecord('c3', BIG)[2]}\n`);
  parser.end();
  t.equal(records.length, 1);
  t.equal(parser.stats.repaired, 1);
});

t.test('damage that cannot be repaired drops the frame; the record stays incomplete, never wrong', async (t) => {
  const { parser, records } = collect();
  const lines = encodeRecord('c4', BIG);
  const corrupted = (lines[1] as string).replace(/A/, 'B');
  parser.push([lines[0], corrupted, lines[2], ...encodeRecord('c5', 'fine')].join('\n') + '\n');
  parser.end();
  t.same(records.map((r) => r.id), ['c5'], 'c4 never completes');
  t.same(parser.incomplete(), ['c4']);
  t.equal(parser.stats.dropped, 1);
});

t.test('a stream cut off in the middle of a frame (qemu killed) loses only that record', async (t) => {
  const { parser, records } = collect();
  const text = [...encodeRecord('c6', 'done'), ...encodeRecord('c7', BIG)].join('\n');
  parser.push(text.slice(0, text.length - 1000));
  parser.end();
  t.same(records.map((r) => r.id), ['c6']);
  t.same(parser.incomplete(), ['c7']);
});

t.test('duplicates (a record seen twice) are ignored; frames may arrive out of order', async (t) => {
  const { parser, records } = collect();
  const lines = encodeRecord('c8', BIG);
  parser.push([lines[2], lines[0], lines[0], lines[1], lines[1]].join('\n') + '\n');
  parser.end();
  t.equal(records.length, 1);
  t.same(records[0]?.payload, BIG);
  t.equal(parser.stats.duplicates, 2);
});

t.test('the agent (C) and the host (TypeScript) frame identically', async (t) => {
  // The agent's framing functions, compiled on their own: same CRC, same base64, same line.
  const dir = mkdtempSync(join(tmpdir(), 'sudcheck-agent-frame-'));
  const src = join(dir, 'frame.c');
  writeFileSync(
    src,
    `#define main agent_main\n#include "${join(process.cwd(), 'agent', 'agent.c')}"\n#undef main\n` +
      'int main(void) { crc_init(); unsigned char p[9000]; for (int i = 0; i < 9000; i++) p[i] = (unsigned char)((i * 7 + 3) & 0xff);\n' +
      ' emit("c1", p, sizeof p); emit("hello", (const unsigned char *)"hi", 2); emit("end", (const unsigned char *)"", 0); return 0; }\n',
  );
  const cc = await execa('gcc', ['-O1', '-w', '-o', join(dir, 'frame'), src], { reject: false, all: true });
  if (cc.exitCode !== 0) {
    t.fail(`cannot compile the agent's framing: ${cc.all}`);
    return;
  }
  const out = await execa(join(dir, 'frame'), [], { encoding: 'buffer', stripFinalNewline: false });
  const text = Buffer.from(out.stdout as unknown as Uint8Array).toString('latin1');
  t.equal(text, [...encodeRecord('c1', BIG), ...encodeRecord('hello', 'hi'), ...encodeRecord('end', '')].join('\n') + '\n');
});

t.test('run records become observations', async (t) => {
  const rec = (head: string, out = '', err = '') => Buffer.from(`${head}\n${out}${err}`);
  t.same(parseRunRecord(rec('exit=0 signal=0 timedout=0 us=1500 out=4 err=2 execerr=0 trunc=0', 'a=1\n', 'e\n')), {
    exitCode: 0,
    signal: null,
    timedOut: false,
    stdout: 'a=1\n',
    stderr: 'e\n',
    durationMs: 1.5,
  });
  const killed = parseRunRecord(rec('exit=-1 signal=31 timedout=0 us=10 out=0 err=0 execerr=0 trunc=0'));
  t.equal(killed.signal, 'SIGSYS');
  t.equal(killed.exitCode, null);
  const timedOut = parseRunRecord(rec('exit=-1 signal=9 timedout=1 us=10 out=0 err=0 execerr=0 trunc=0'));
  t.same([timedOut.signal, timedOut.timedOut], ['SIGKILL', true]);
  const noExec = parseRunRecord(rec('exit=127 signal=0 timedout=0 us=10 out=0 err=0 execerr=2 trunc=0'), 'ghost');
  t.match(noExec.spawnError, /execve \/bin\/ghost inside the VM failed with ENOENT/);
  t.match(parseRunRecord(rec('exit=0 signal=0 timedout=0 us=1 out=1 err=0 execerr=0 trunc=1', 'x')).stderr, /truncated/);
  const thrown = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e;
    }
    return undefined;
  };
  for (const [bad, why] of [
    [rec('exit=0 signal=0 timedout=0 us=1 out=9 err=0'), /length mismatch/],
    [Buffer.from('no header line'), /without a header line/],
    [rec('exit=zero'), /bad run record field/],
    [rec('exit=0 signal=0'), /lacks 'timedout'/],
  ] as const) {
    const e = thrown(() => parseRunRecord(bad));
    t.ok(e instanceof RecordError, `a RecordError for ${JSON.stringify(bad.toString())}`);
    t.match((e as Error).message, why);
  }
  t.same(parseKeyValues(Buffer.from('sudcheck-agent 1\nchannel=/dev/ttyS1\ncpus=2\n')), { banner: 'sudcheck-agent 1', channel: '/dev/ttyS1', cpus: '2' });
});

t.test('the console tells why a kernel died', async (t) => {
  const console = [
    '[    6.655148] Oops: int3: 0000 [#1] SMP NOPTI',
    '[    6.655200] CPU: 0 UID: 0 PID: 548 Comm: order Not tainted 7.3.4 #1',
    '[    6.655300] RIP: 0010:trace_syscall_enter+0x62/0xa0',
    '[    6.668793] Kernel panic - not syncing: Fatal exception in interrupt',
  ].join('\r\n');
  t.equal(
    diagnoseConsole(console),
    "Kernel panic - not syncing: Fatal exception in interrupt after Oops: int3: 0000 [#1] SMP NOPTI at trace_syscall_enter+0x62/0xa0 in process 'order'",
  );
  t.equal(diagnoseConsole('[    1.0] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)'), 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)');
  t.equal(diagnoseConsole('[ 0.1] all fine\n[ 0.2] still fine'), undefined);
  t.same(consoleTail('a\r\n\r\nb\nc\n', 2), ['b', 'c']);
});
