// `sudcheck matrix`: one folder per matrix with the matrix report and every kernel's reports, a kernel
// that misbehaves shown as such without spoiling the comparison, versions resolved from the cache.
// With a fake qemu (always) and, when qemu and the kernels are here, with Debian's 5.10 and 6.1.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Matrix } from '../runner/matrix/model.js';
import type { RunResults } from '../runner/types.js';
import { cachedKernel, qemuInstalled, sudcheckWith } from './helpers/qemu-cli.js';
import { fakeBzImage, fakeQemu, writeImage } from './helpers/qemu-images.js';

const dir = mkdtempSync(join(tmpdir(), 'sudcheck-matrix-'));
const QEMU = fakeQemu(dir);
const PER_KERNEL = ['results.json', 'results.tap', 'results.ktap', 'junit.xml', 'summary.txt', 'console.log'];

t.test('a matrix of a good kernel, a panicking one and garbage', async (t) => {
  // A version cached by `kernels fetch` can be named instead of a path.
  const cache = join(dir, 'cache');
  mkdirSync(join(cache, '1.0.0-good'), { recursive: true });
  writeFileSync(join(cache, '1.0.0-good', 'vmlinuz'), fakeBzImage('1.0.0-good'));
  writeFileSync(join(cache, '1.0.0-good', 'meta.json'), JSON.stringify({ release: '1.0.0-good', upstream: '1.0.0' }));
  const panicking = writeImage(dir, 'panicking', fakeBzImage('2.0.0-panic', 'panic-after:3'));
  const garbage = writeImage(dir, 'garbage.bin', 'not a kernel');
  const out = join(dir, 'reports');
  const r = await sudcheckWith(['matrix', '--kernel', '1.0', '--kernel', panicking, '--kernel', garbage, '--jobs', '3', '--out', out, 'prctl.op.*', 'prctl.off.*'], {
    SUDCHECK_QEMU: QEMU,
    SUDCHECK_ACCEL: 'tcg',
    SUDCHECK_KERNEL_CACHE: cache,
  });
  t.equal(r.exitCode, 3, 'a kernel that did not boot is ERROR');
  t.match(r.stdout, /^1\.0\.0-good +PASS \d+ +FAIL 0 +SKIP \d+ +ERROR 0/m);
  t.match(r.stdout, /^2\.0\.0-panic .*stopped early: the kernel crashed while running the cases: Kernel panic/m);
  t.match(r.stdout, /^garbage\.bin .*did not boot: .*not a bootable kernel image/m);

  const link = join(out, 'latest-matrix');
  t.ok(lstatSync(link).isSymbolicLink(), 'latest-matrix is a link');
  const folder = join(out, readlinkSync(link));
  t.match(readlinkSync(link), /^matrix-\d{4}-\d\d-\d\dT/);
  t.same(readdirSync(out).filter((f) => f.startsWith('.')), [], 'no staging folder left behind');
  t.same(readdirSync(folder).sort(), ['1.0.0-good', '2.0.0-panic', 'garbage.bin', 'matrix.html', 'matrix.json', 'matrix.md']);
  for (const k of ['1.0.0-good', '2.0.0-panic', 'garbage.bin'])
    for (const f of PER_KERNEL.filter((f) => k !== 'garbage.bin' || f !== 'console.log')) t.ok(existsSync(join(folder, k, f)), `${k}/${f}`);
  const good = JSON.parse(readFileSync(join(folder, '1.0.0-good', 'results.json'), 'utf8')) as RunResults;
  t.equal(good.summary.ERROR, 0);
  t.match(readFileSync(join(folder, '2.0.0-panic', 'console.log'), 'utf8'), /Kernel panic - not syncing: Fatal exception/);
  t.match(readFileSync(join(folder, '1.0.0-good', 'results.ktap'), 'utf8'), /^KTAP version 1/);

  const m = JSON.parse(readFileSync(join(folder, 'matrix.json'), 'utf8')) as Matrix;
  t.same(
    m.kernels.map((k) => [k.label, k.booted]),
    [
      ['1.0.0-good', true],
      ['2.0.0-panic', true],
      ['garbage.bin', false],
    ],
  );
  t.equal(m.kernels[1]?.boot?.accel, 'tcg');
  t.equal(m.changing, m.rows.filter((r) => r.cells[1]?.status === 'ERROR').length, 'what changes: the cases the panic swallowed');
  const md = readFileSync(join(folder, 'matrix.md'), 'utf8');
  t.match(md, /- garbage\.bin: .*garbage\.bin is not a bootable kernel image/);
  t.match(md, /- 2\.0\.0-panic: the kernel crashed while running the cases/);
  t.match(readFileSync(join(folder, 'matrix.html'), 'utf8'), /<h2>How verdicts change with the kernel/);
});

t.test('matrix needs a kernel', async (t) => {
  const r = await sudcheckWith(['matrix', '--out', join(dir, 'none')]);
  t.equal(r.exitCode, 2);
  t.match(r.stderr, /matrix needs at least one --kernel/);
});

const debianSkip = !qemuInstalled()
  ? 'qemu-system-x86_64 is not installed (apt-get install --no-install-recommends qemu-system-x86)'
  : !cachedKernel('5.10') || !cachedKernel('6.1')
    ? 'Debian 5.10 and 6.1 kernels are not cached (sudcheck kernels fetch 5.10 6.1)'
    : false;

t.test("Debian's 5.10 and 6.1 side by side", { skip: debianSkip }, async (t) => {
  const out = join(dir, 'debian');
  const r = await sudcheckWith(['matrix', '--kernel', '5.10', '--kernel', '6.1', '--out', out, '--quiet']);
  t.not(r.exitCode, 3, `no ERROR: ${r.stderr.slice(-2000)}`);
  t.comment(`two kernels in ${Math.round(r.ms / 1000)} s`); // timings are reported, not asserted: a hang shows as the file's tap timeout
  const m = JSON.parse(readFileSync(join(out, 'latest-matrix', 'matrix.json'), 'utf8')) as Matrix;
  t.match(m.kernels[0]?.release, /^5\.10\./);
  t.match(m.kernels[1]?.release, /^6\.1\./);
  t.ok(m.rows.every((row) => row.cells[0]?.status === 'SKIP'), '5.10: everything SKIPs');
  t.ok(m.changingFeatures.includes('sud'));
  const md = readFileSync(join(out, 'latest-matrix', 'matrix.md'), 'utf8');
  t.match(md, /\| \d+ × .* \| SKIP: requires 'sud': .*no Syscall User Dispatch \| PASS \|/, 'the pattern that changes, with its reason');
  t.match(md, /- SKIP \d+ × requires 'inclusive': PR_SYS_DISPATCH_INCLUSIVE_ON \(2\) rejected/, "6.1's skip reasons");
});
