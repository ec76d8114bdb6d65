// A stand-in for qemu-system-x86_64 (SUDCHECK_QEMU), so that the QEMU target's state machine can be
// tested without a VM: it reads the manifest from the initramfs it is given, speaks the agent's
// framing on the data socket (or on the console), and misbehaves on request.
//
// FAKE_QEMU_MODE:
//   ok            hello, probe and every case, each run for real with the host's dynamic fixtures
//   console       as ok, but frames go to the console with kernel lines spliced into them
//   panic-after:N N case records, then a kernel oops and panic on the console, then exit 0
//   hang-after:N  N case records, then silence until killed
//   no-hello      a few console lines, then silence until killed
//   exit-early    an error on stderr and exit status 1 at once
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { readCpio } from '../../runner/qemu/cpio.js';
import { encodeRecord } from '../../runner/qemu/framing.js';
import { decodeField } from '../../runner/qemu/initramfs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const arg = (flag: string) => args[args.indexOf(flag) + 1];
// The mode comes from FAKE_QEMU_MODE, or from the kernel image's version string ("fake-mode:<mode>"),
// so that one matrix can hold kernels that misbehave differently.
const kernelText = (() => {
  try {
    return readFileSync(arg('-kernel') as string).toString('latin1', 0, 4096);
  } catch {
    return '';
  }
})();
const mode = /fake-mode:([a-z0-9:-]+)/.exec(kernelText)?.[1] ?? process.env['FAKE_QEMU_MODE'] ?? 'ok';

if (args.includes('--version')) {
  process.stdout.write('QEMU emulator version 0.0 (sudcheck fake)\n');
  process.exit(0);
}
if (mode === 'exit-early') {
  process.stderr.write('qemu-system-x86_64: fake: could not load the kernel\n');
  process.exit(1);
}

const initrd = readFileSync(arg('-initrd') as string);
const cpio = initrd[0] === 0x1f && initrd[1] === 0x8b ? gunzipSync(initrd) : initrd;
const manifest = readCpio(cpio).find((e) => e.name === 'manifest')?.data.toString('utf8') ?? '';
const socketPath = args
  .filter((a) => a.startsWith('socket,'))
  .map((a) => /path=([^,]+)/.exec(a)?.[1])
  .find(Boolean);

const consoleLine = (text: string) => process.stdout.write(`${text}\r\n`);
let sock: Socket | undefined;
const send = (lines: string[]) => {
  for (const line of lines) {
    if (mode === 'console' || !sock) {
      // a kernel message spliced into the frame at a 16-byte boundary, as the 8250 FIFO allows
      const cut = Math.min(line.length, 16 * (1 + Math.floor(Math.random() * Math.max(1, line.length / 16))));
      process.stdout.write(`${line.slice(0, cut)}[    1.234567] random: fake kernel message\r\n${line.slice(cut)}\r\n`);
    } else sock.write(`${line}\n`);
  }
};

function run(fixture: string, argv: string[], timeoutMs: number): Buffer {
  const started = performance.now();
  const r = spawnSync(join(ROOT, 'build', 'bin', fixture), argv, { timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...process.env, LC_ALL: 'C' } });
  const signals: Record<string, number> = { SIGSYS: 31, SIGSEGV: 11, SIGKILL: 9, SIGABRT: 6, SIGBUS: 7, SIGILL: 4, SIGTRAP: 5, SIGTERM: 15, SIGFPE: 8 };
  const out = r.stdout ?? Buffer.alloc(0);
  const err = r.stderr ?? Buffer.alloc(0);
  const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  const sig = r.signal ? (signals[r.signal] ?? 9) : 0;
  const head = `exit=${r.status ?? -1} signal=${sig} timedout=${timedOut ? 1 : 0} us=${Math.round((performance.now() - started) * 1000)} out=${out.length} err=${err.length} execerr=0 trunc=0\n`;
  return Buffer.concat([Buffer.from(head), out, err]);
}

function main(): void {
  consoleLine('[    0.000000] Linux version 0.0.0-fake (sudcheck test) #1');
  if (mode === 'no-hello') {
    consoleLine('[    0.100000] fake: waiting forever');
    setInterval(() => {}, 1 << 30);
    return;
  }
  send(encodeRecord('hello', 'sudcheck-agent 1\nchannel=fake\ncpus=1\n'));
  const present = new Set<string>();
  let count = 0;
  const stopAfter = /^(panic|hang)-after:(\d+)$/.exec(mode);
  for (const line of manifest.split('\n')) {
    const f = line.split(' ').filter(Boolean).map(decodeField);
    if (f[0] === 'probe') {
      const rec = run(f[2] as string, f.slice(3), Number(f[1]));
      for (const m of rec.toString('utf8').matchAll(/^feature\.([a-z0-9-]+)=1$/gm)) present.add(m[1] as string);
      send(encodeRecord('probe', rec));
    } else if (f[0] === 'case') {
      if (f[3] !== '-' && !(f[3] as string).split(',').every((x) => present.has(x))) continue;
      if (stopAfter && count === Number(stopAfter[2])) {
        if (stopAfter[1] === 'panic') {
          consoleLine('[    5.000000] Oops: general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP NOPTI');
          consoleLine('[    5.000001] CPU: 0 PID: 99 Comm: selector Not tainted 0.0.0-fake #1');
          consoleLine('[    5.000002] RIP: 0010:fake_function+0x12/0x34');
          consoleLine('[    5.000003] Kernel panic - not syncing: Fatal exception');
          sock?.end();
          setTimeout(() => process.exit(0), 50);
        } else setInterval(() => {}, 1 << 30);
        return;
      }
      send(encodeRecord(`c${f[1]}`, run(f[4] as string, f.slice(5), Number(f[2]))));
      count++;
    }
  }
  send(encodeRecord('end', `sudcheck-agent 1\ncases=${count}\n`));
  consoleLine('[    9.000000] reboot: Power down');
  if (sock) sock.end(() => process.exit(0));
  else process.exit(0);
}

if (socketPath && mode !== 'console') {
  sock = connect(socketPath, main);
  sock.on('error', (e) => {
    process.stderr.write(`fake qemu: ${e.message}\n`);
    process.exit(1);
  });
} else main();
