// The QEMU target with a real qemu and real kernels: Debian bookworm's 6.1 and bullseye's 5.10 (which
// .ci/run fetches with `sudcheck kernels fetch 6.1 5.10`), a kernel that never says hello, a kernel
// that panics while booting, and the framing on a console full of kernel messages.
// Each test SKIPs, saying why, when qemu or its kernel is not on this machine.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { RunResults } from '../runner/types.js';
import { cachedKernel, qemuInstalled, runJsonWith, verdicts } from './helpers/qemu-cli.js';
import { ROOT } from './helpers/cli.js';
import { hangingMultiboot, writeImage } from './helpers/qemu-images.js';

const QEMU = qemuInstalled();
const NO_QEMU = 'qemu-system-x86_64 is not installed (apt-get install --no-install-recommends qemu-system-x86)';
const K61 = cachedKernel('6.1');
const K510 = cachedKernel('5.10');
const noKernel = (v: string) => `no cached Debian ${v} kernel (sudcheck kernels fetch ${v})`;
/** Why a test cannot run here, or false: tap reports the test as SKIP with that reason. */
const need = (...kernels: Array<[string, string | undefined]>): { skip: string | false } => {
  if (!QEMU) return { skip: NO_QEMU };
  for (const [v, k] of kernels) if (!k) return { skip: noKernel(v) };
  return { skip: false };
};

/** Debian's known deviations (expectations/debian.txt): on 6.1 they must come out XFAIL, not FAIL. */
const DEBIAN_EXPECTATIONS = join(ROOT, 'expectations', 'debian.txt');
const KNOWN_ON_61 = ['prctl.selector.0x7ffffffff000'];
/** Features that a VM may have and the host not (or the reverse) for reasons of setup, not kernel:
 * the agent mounts tracefs and boots with vsyscall=xonly. */
const ENVIRONMENT_FEATURES = new Set(['tracefs', 'vsyscall', 'sysctl']);

let local: RunResults | undefined;
let vm61: RunResults | undefined;

t.test('a kernel that never prints the agent hello: ERROR after the boot timeout, with a clear message', need(), async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sudcheck-hang-'));
  const image = writeImage(dir, 'hang.bin', hangingMultiboot());
  const { run, results } = await runJsonWith(['--kernel', image, '--boot-timeout', '3', 'prctl.op.*']);
  t.equal(run.exitCode, 3);
  t.equal(results.summary.ERROR, results.summary.total);
  t.match(results.results[0]?.reason, /no hello from the agent within 3 s of starting qemu/);
  t.comment(`gave up in ${results.run.durationMs} ms, not a hang`); // timings are reported, not asserted: a hang shows as the file's tap timeout
});

t.test('a kernel that panics while booting: ERROR at once, with the panic from the console', need(['6.1', K61]), async (t) => {
  // No such init: the kernel falls back to mounting a root filesystem it does not have, and panics.
  const { run, results } = await runJsonWith(['--kernel', K61 as string, 'prctl.op.*'], { SUDCHECK_KERNEL_CMDLINE: 'rdinit=/nonexistent' });
  t.equal(run.exitCode, 3);
  t.equal(results.summary.ERROR, results.summary.total);
  const reason = results.results[0]?.reason ?? '';
  t.match(reason, /the kernel failed during boot: Kernel panic - not syncing/);
  t.match(reason, /console tail: /);
  t.match(results.run.target.kernel.release, /^6\.1\.0-\d+-cloud-amd64$/, 'the release is read from the image itself');
  t.comment(`reported in ${results.run.durationMs} ms`); // timings are reported, not asserted: a hang shows as the file's tap timeout
});

t.test("Debian bookworm's 6.1: ptrace-config and INCLUSIVE SKIP with reasons, everything else as on this host", need(['6.1', K61]), async (t) => {
  const [host, vm] = await Promise.all([
    runJsonWith([]),
    runJsonWith(['--kernel', K61 as string, '--expectations', DEBIAN_EXPECTATIONS]),
  ]);
  local = host.results;
  vm61 = vm.results;
  const r = vm61;
  t.comment(`6.1 under qemu: ${r.summary.total} scenarios in ${(r.run.durationMs / 1000).toFixed(1)} s (one boot)`);
  t.equal(r.run.target.kind, 'qemu');
  t.match(r.run.target.kernel.release, /^6\.1\.0-\d+-cloud-amd64$/, 'the release comes from inside the VM');
  t.equal(r.features.sud.present, true);
  t.equal(r.features['ptrace-config'].present, false);
  t.equal(r.features.inclusive.present, false);
  t.equal(r.summary.ERROR, 0, `no ERROR: ${r.results.filter((c) => c.status === 'ERROR').map((c) => `${c.id}: ${c.reason}`).join('; ')}`);

  const needs = (c: { requires: string[] }, f: string) => c.requires.includes(f);
  const gated = r.results.filter((c) => needs(c, 'ptrace-config') || needs(c, 'inclusive'));
  t.ok(gated.length > 10, `${gated.length} scenarios need ptrace-config or inclusive`);
  for (const c of gated) {
    t.equal(c.status, 'SKIP', `${c.id} SKIPs on 6.1`);
    t.match(c.reason, /^requires '[a-z0-9-]+': .*\(kernel 6\.1\./, `${c.id} says which feature is missing and on which kernel`);
  }

  const hostV = verdicts(host.results);
  const differingFeatures = Object.keys(r.features).filter(
    (f) => r.features[f as keyof typeof r.features].present !== host.results.features[f as keyof typeof r.features].present,
  );
  for (const f of differingFeatures)
    t.ok(['ptrace-config', 'inclusive', ...ENVIRONMENT_FEATURES].includes(f), `feature '${f}' differs between this host and 6.1 for a known reason`);
  let compared = 0;
  for (const c of r.results) {
    if (c.requires.some((f) => differingFeatures.includes(f))) continue;
    const expected = KNOWN_ON_61.includes(c.id) ? 'XFAIL' : hostV.get(c.id);
    compared++;
    const why = c.status === expected ? '' : `: ${c.reason}`;
    t.equal(c.status, expected, `${c.id} ${KNOWN_ON_61.includes(c.id) ? 'is the known 6.1 deviation' : 'as on this host'}${why}`);
  }
  t.ok(compared > r.summary.total * 0.7, `${compared} scenarios compared verdict for verdict`);
});

t.test('frames on a console crowded with kernel messages (one serial port, every message printed)', need(['6.1', K61]), async (t) => {
  const { results } = await runJsonWith(['--kernel', K61 as string, 'selector.*', 'sigsys.*', 'region.*'], {
    SUDCHECK_QEMU_CONSOLE_ONLY: '1',
    // print-fatal-signals: a register dump on the console for every SIGSYS/SIGSEGV death, in the middle of the frames
    SUDCHECK_KERNEL_CMDLINE: 'loglevel=8 ignore_loglevel print-fatal-signals=1',
  });
  t.equal(results.summary.ERROR, 0, `no record lost: ${results.results.filter((c) => c.status === 'ERROR').map((c) => c.reason).slice(0, 3).join('; ')}`);
  if (vm61) {
    const clean = verdicts(vm61);
    for (const c of results.results) {
      const expected = KNOWN_ON_61.includes(c.id) ? 'FAIL' : clean.get(c.id); // no expectations file in this run
      t.equal(c.status, expected, `${c.id} as with a separate data port`);
    }
  } else t.ok(results.summary.PASS > 0);
});

t.test("Debian bullseye's 5.10 has no Syscall User Dispatch: all SKIP, exit 0", need(['5.10', K510]), async (t) => {
  const { run, results } = await runJsonWith(['--kernel', K510 as string]);
  t.equal(run.exitCode, 0);
  t.match(results.run.target.kernel.release, /^5\.10\./);
  t.equal(results.features.sud.present, false);
  t.equal(results.summary.SKIP, results.summary.total, 'every scenario SKIPs');
  for (const c of results.results) t.match(c.reason, /requires 'sud': .*no Syscall User Dispatch/, `${c.id} says why`);
  if (local) t.equal(results.summary.total, local.summary.total, 'the same scenarios as on this host');
});
