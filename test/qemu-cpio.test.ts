// The cpio newc writer and the initramfs: byte layout, a round trip through our reader, and, when GNU
// cpio is installed, its own reading of what we write (and ours of what it writes).
import { execa, execaSync } from 'execa';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { gunzipSync } from 'node:zlib';
import { readCpio, writeCpio, type CpioEntry } from '../runner/qemu/cpio.js';
import { buildInitramfs, decodeField, encodeField, initramfsEntries, manifestText, type Manifest } from '../runner/qemu/initramfs.js';

const entries: CpioEntry[] = [
  { type: 'dir', name: 'bin' },
  { type: 'dir', name: 'tmp', mode: 0o1777 },
  { type: 'char', name: 'dev/console', major: 5, minor: 1, mode: 0o600 },
  { type: 'block', name: 'dev/vda', major: 254, minor: 0 },
  { type: 'file', name: 'init', data: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]), mode: 0o755 },
  { type: 'file', name: 'empty', data: '' },
  { type: 'file', name: 'bin/ünïcødé name', data: 'x'.repeat(5) },
  { type: 'symlink', name: 'sbin', target: 'bin' },
];

const haveCpio = execaSync('cpio', ['--version'], { reject: false }).exitCode === 0;

t.test('newc layout: 110-byte ASCII headers, 4-byte alignment, a trailer, reproducible bytes', async (t) => {
  const a = writeCpio(entries);
  t.equal(a.length % 4, 0, 'archive length is a multiple of 4');
  t.equal(a.toString('ascii', 0, 6), '070701', 'newc magic');
  t.match(a.toString('ascii', 0, 110), /^070701[0-9a-f]{104}$/, 'header is 13 lowercase hex fields');
  t.ok(a.includes(Buffer.from('TRAILER!!!\0')), 'ends with the trailer');
  t.same(writeCpio(entries), a, 'same input, same bytes (uid/gid/mtime 0)');
  const devConsole = a.indexOf(Buffer.from('dev/console\0'));
  const header = a.toString('ascii', devConsole - 110, devConsole);
  t.equal(parseInt(header.slice(6 + 8, 6 + 16), 16), 0o020600, 'a character device node, mode 0600');
  t.equal(parseInt(header.slice(6 + 9 * 8, 6 + 10 * 8), 16), 5, 'rdevmajor 5');
  t.equal(parseInt(header.slice(6 + 10 * 8, 6 + 11 * 8), 16), 1, 'rdevminor 1');
});

t.test('round trip through our reader', async (t) => {
  const back = readCpio(writeCpio(entries));
  t.same(
    back.map((e) => [e.name, e.type]),
    entries.map((e) => [e.name, e.type]),
  );
  t.equal(back.find((e) => e.name === 'init')?.data.toString('hex'), '7f454c46000102');
  t.equal(back.find((e) => e.name === 'init')?.mode, 0o100755);
  t.equal(back.find((e) => e.name === 'tmp')?.mode, 0o041777, 'sticky bit kept');
  t.equal(back.find((e) => e.name === 'sbin')?.data.toString(), 'bin');
  t.equal(back.find((e) => e.name === 'bin/ünïcødé name')?.size, 5);
  t.same(
    back.filter((e) => e.type === 'block').map((e) => [e.rmajor, e.rminor]),
    [[254, 0]],
  );
});

t.test('bad input is refused', async (t) => {
  t.throws(() => writeCpio([{ type: 'dir', name: 'a' }, { type: 'dir', name: '/a' }]), /duplicate/);
  t.throws(() => writeCpio([{ type: 'dir', name: '../escape' }]), /bad cpio entry name/);
  t.throws(() => writeCpio([{ type: 'dir', name: 'TRAILER!!!' }]), /bad cpio entry name/);
  const a = writeCpio(entries);
  t.throws(() => readCpio(a.subarray(0, 200)), /truncated/);
  const bad = Buffer.from(a);
  bad.write('070707', 0, 'ascii');
  t.throws(() => readCpio(bad), /bad cpio magic/);
});

t.test('GNU cpio reads what we write, and we read what it writes', { skip: haveCpio ? false : 'cpio is not installed (apt-get install cpio): our own reader is tested above' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sudcheck-cpio-'));
  const archive = join(dir, 'a.cpio');
  writeFileSync(archive, writeCpio(entries));
  const list = await execa('cpio', ['-itv', '--quiet', '-F', archive], { reject: false });
  t.equal(list.exitCode, 0, `cpio -t succeeds: ${list.stderr}`);
  for (const e of entries) t.ok(list.stdout.includes(e.name), `cpio lists ${e.name}`);
  t.match(list.stdout, /^crw------- .* 5,\s*1 .*dev\/console$/m, 'cpio sees the console node');
  t.equal(list.stdout.trim().split('\n').length, entries.length, 'and nothing else');

  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'bin'), { recursive: true });
  writeFileSync(join(tree, 'bin', 'tool'), 'hello');
  chmodSync(join(tree, 'bin', 'tool'), 0o755);
  const made = await execa('sh', ['-c', 'cd "$1" && find . | sort | cpio -o -H newc --quiet', 'sh', tree], { encoding: 'buffer', reject: false });
  t.equal(made.exitCode, 0);
  const theirs = readCpio(Buffer.from(made.stdout as unknown as Uint8Array));
  t.same(
    theirs.map((e) => e.name),
    ['.', 'bin', 'bin/tool'],
  );
  t.equal(theirs.find((e) => e.name === 'bin/tool')?.data.toString(), 'hello');
});

t.test('manifest fields survive any bytes; the empty string has its own spelling', async (t) => {
  for (const s of ['', 'plain', 'with space', '100%', '%-', 'tab\there', 'nl\nx', 'ünï', '0x02', '-1', 'a,b=c/d']) {
    const enc = encodeField(s);
    t.match(enc, /^[A-Za-z0-9._,:/=+@^%-]+$/, `'${JSON.stringify(s)}' encodes to one safe token`);
    t.equal(decodeField(enc), s, `round trip of ${JSON.stringify(s)}`);
  }
  const m: Manifest = {
    jobs: 2,
    probe: { timeoutMs: 30000, fixture: 'probe', args: ['all'] },
    cases: [
      { n: 0, timeoutMs: 10000, requires: ['sud', 'inclusive'], fixture: 'selector', args: ['value', '0x02'] },
      { n: 1, timeoutMs: 500, requires: [], fixture: 'prctl', args: ['', 'a b'] },
    ],
  };
  t.equal(
    manifestText(m),
    'sudcheck-manifest 1\njobs 2\nprobe 30000 probe all\ncase 0 10000 sud,inclusive selector value 0x02\ncase 1 500 - prctl %- a%20b\n',
  );
  t.throws(() => manifestText({ ...m, cases: [{ n: 0, timeoutMs: 1, requires: [], fixture: '../x', args: [] }] }), /bad fixture name/);
});

t.test('the initramfs: /init, /manifest, device nodes, every static executable but the agent', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sudcheck-initramfs-'));
  const bin = join(dir, 'static');
  mkdirSync(bin);
  for (const name of ['agent', 'probe', 'selector', 'ia32-sud']) {
    writeFileSync(join(bin, name), `binary ${name}`);
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(join(bin, 'notes.txt'), 'not executable');
  const manifest: Manifest = { jobs: 1, probe: { timeoutMs: 1000, fixture: 'probe', args: ['all'] }, cases: [] };
  const input = { agent: join(bin, 'agent'), binDir: bin, manifest };
  const names = initramfsEntries(input).map((e) => e.name);
  t.same(names.filter((n) => n.startsWith('bin/')), ['bin/ia32-sud', 'bin/probe', 'bin/selector']);
  for (const n of ['init', 'manifest', 'dev/console', 'dev/null', 'proc', 'sys', 'tmp']) t.ok(names.includes(n), n);
  const gz = buildInitramfs(input);
  t.equal(gz.readUInt16BE(0), 0x1f8b, 'gzip by default');
  const back = readCpio(gunzipSync(gz));
  t.equal(back.find((e) => e.name === 'init')?.data.toString(), 'binary agent');
  t.equal(back.find((e) => e.name === 'manifest')?.data.toString(), manifestText(manifest));
  t.same(readCpio(buildInitramfs({ ...input, gzipLevel: 0 })), back, 'level 0 writes the bare archive');
});
