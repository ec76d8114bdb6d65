// The QEMU target's bookkeeping without a VM: a fake qemu (test/helpers/qemu-fake.ts) speaks the
// agent's framing, running the cases with the host's fixtures, and misbehaves on request. Whatever it
// does, sudcheck ends in bounded time with the right verdicts or a clear ERROR.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runJsonWith, sudcheckWith, verdicts } from './helpers/qemu-cli.js';
import { tempDir } from './helpers/cli.js';
import { fakeBzImage, fakeQemu, writeImage } from './helpers/qemu-images.js';

const dir = mkdtempSync(join(tmpdir(), 'sudcheck-fake-qemu-'));
const QEMU = fakeQemu(dir);
const KERNEL = writeImage(dir, 'bzImage', fakeBzImage('9.9.9-fake'));
const fake = (mode: string, more: Record<string, string> = {}) => ({ SUDCHECK_QEMU: QEMU, SUDCHECK_ACCEL: 'tcg', FAKE_QEMU_MODE: mode, ...more });
const SOME = ['prctl.*', 'lifetime.*', 'sigsys.*'];

t.test('a garbage file as --kernel: ERROR at once, saying it is not a kernel image (no qemu needed)', async (t) => {
  const garbage = writeImage(dir, 'garbage.bin', 'this is not a kernel\n'.repeat(100));
  const { run, results } = await runJsonWith(['--kernel', garbage, 'prctl.op.*'], { SUDCHECK_QEMU: '/nonexistent/qemu' });
  t.equal(run.exitCode, 3);
  t.equal(results.summary.ERROR, results.summary.total);
  t.match(results.results[0]?.reason, /garbage\.bin is not a bootable kernel image \(no bzImage setup header, ELF or multiboot header\)/);
  t.comment(`in ${results.run.durationMs} ms`); // timings are reported, not asserted: a hang shows as the file's tap timeout
});

t.test('no qemu installed: exit 5 with what to install', async (t) => {
  const r = await sudcheckWith(['run', '--quiet', '--out', tempDir(), '--kernel', KERNEL, 'prctl.op.*'], { SUDCHECK_QEMU: 'qemu-system-nowhere' });
  t.equal(r.exitCode, 5);
  t.match(r.stderr, /qemu-system-nowhere not found: install QEMU \(Debian\/Ubuntu: apt-get install --no-install-recommends qemu-system-x86/);
});

let host: Map<string, string>;
let hostExit: number;
t.before(async () => {
  const local = await runJsonWith(SOME);
  host = verdicts(local.results);
  hostExit = local.run.exitCode;
});

for (const mode of ['ok', 'console'])
  t.test(`records ${mode === 'ok' ? 'on the data port' : 'spliced with kernel lines on the console'}: judged exactly as locally`, async (t) => {
    const { run, results } = await runJsonWith(['--kernel', KERNEL, ...SOME], fake(mode));
    t.equal(results.run.target.kind, 'qemu');
    t.equal(results.summary.total, host.size);
    for (const [id, status] of verdicts(results)) t.equal(status, host.get(id), id);
    t.equal(run.exitCode, hostExit, 'the same exit code');
  });

t.test('--repeat: every round runs in the same boot and is judged', async (t) => {
  const { results } = await runJsonWith(['--kernel', KERNEL, '--repeat', '2', 'prctl.op.*'], fake('ok'));
  for (const c of results.results) t.same(c.rounds, [host.get(c.id), host.get(c.id)], `${c.id}: two rounds`);
});

t.test('qemu that exits at once: ERROR with its own message', async (t) => {
  const { run, results } = await runJsonWith(['--kernel', KERNEL, 'prctl.op.*'], fake('exit-early'));
  t.equal(run.exitCode, 3);
  t.match(results.results[0]?.reason, /qemu exited \(status 1\) before the agent's hello: qemu-system-x86_64: fake: could not load the kernel/);
  t.equal(results.run.target.kernel.release, '9.9.9-fake', 'the release read from the image');
});

t.test("no hello within --boot-timeout: ERROR with the console tail", async (t) => {
  const { results } = await runJsonWith(['--kernel', KERNEL, '--boot-timeout', '2', 'prctl.op.*'], fake('no-hello'));
  t.match(results.results[0]?.reason, /no hello from the agent within 2 s .*console tail: .*fake: waiting forever/);
  t.comment(`${results.run.durationMs} ms`); // timings are reported, not asserted: a hang shows as the file's tap timeout
});

t.test('a kernel panic in the middle: what was reported is judged, the rest is ERROR naming the panic', async (t) => {
  const { run, results } = await runJsonWith(['--kernel', KERNEL, ...SOME], fake('panic-after:5'));
  t.equal(run.exitCode, 3);
  const lostReason = /the VM stopped before reporting it/;
  const judged = results.results.filter((c) => !lostReason.test(c.reason));
  t.equal(judged.length, 5, 'the 5 cases reported before the panic');
  for (const c of judged) t.equal(c.status, host.get(c.id), `${c.id} judged as locally`);
  const lost = results.results.filter((c) => lostReason.test(c.reason));
  t.equal(lost.length, results.summary.total - 5);
  for (const c of lost) t.equal(c.status, 'ERROR');
  t.match(
    lost[0]?.reason,
    /the VM stopped before reporting it: the kernel crashed while running the cases: Kernel panic - not syncing: Fatal exception after Oops: general protection fault.* at fake_function\+0x12\/0x34 in process 'selector'; console tail: /,
  );
});

t.test('a guest that goes silent: killed after the longest case timeout plus grace, never a hang', async (t) => {
  const { results } = await runJsonWith(['--kernel', KERNEL, '--timeout', '1', 'prctl.op.*', 'prctl.off.*'], fake('hang-after:3', { SUDCHECK_QEMU_STALL_GRACE_S: '1' }));
  t.match(results.results.find((c) => c.status === 'ERROR')?.reason, /the guest went silent: no record for 2 s after \d+ records/);
  t.comment(`${results.run.durationMs} ms`); // timings are reported, not asserted: a hang shows as the file's tap timeout
});
