// Finding Debian cloud kernels (sources parsing, the private sources list, package choice, version
// order), recognising kernel images, the qemu command line and the KVM verdict. No network, no qemu.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { kernelCmdline, qemuArgs } from '../runner/qemu/command.js';
import {
  cachedKernels,
  choose,
  compareDebianVersions,
  findCachedKernel,
  findMirrors,
  matchesSpec,
  parseDeb822Sources,
  parseMadison,
  parseOneLineSources,
  privateSourcesList,
  upstreamOf,
} from '../runner/qemu/debian.js';
import { inspectImage, kernelInfoFromImage } from '../runner/qemu/image.js';
import { readVerdict, shouldTryKvm, writeVerdict } from '../runner/qemu/kvm.js';
import { newestPerSeries } from '../runner/commands/kernels.js';
import { fakeBzImage, hangingMultiboot } from './helpers/qemu-images.js';

// Mirror names in this file are placeholders (.invalid), never a real mirror.
const DEB822 = `Types: deb
URIs: http://archive.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://security.invalid/debian-security/
Suites: bookworm-security
Components: main

Types: deb
URIs: https://other.invalid/node
Suites: nodistro
Components: main

Enabled: no
Types: deb
URIs: http://disabled.invalid/debian
Suites: bookworm
`;

t.test('the machine mirror is read from deb822 and one-line sources', async (t) => {
  const sources = parseDeb822Sources(DEB822);
  t.equal(sources.length, 3, 'the disabled paragraph is ignored');
  t.same(findMirrors(sources), {
    archive: 'http://archive.invalid/debian',
    security: 'http://security.invalid/debian-security',
    keyring: '/usr/share/keyrings/debian-archive-keyring.gpg',
  });
  const oneLine = parseOneLineSources(
    '# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://a.invalid/debian bullseye main\ndeb-src http://a.invalid/debian bullseye main\ndeb http://s.invalid/debian-security bullseye-security main\n',
  );
  t.same(findMirrors(oneLine), { archive: 'http://a.invalid/debian', security: 'http://s.invalid/debian-security', keyring: '/k.gpg' });
  t.equal(findMirrors(parseOneLineSources('deb http://x.invalid/ubuntu jammy main')), null, 'no Debian suite: no mirror');
});

t.test('the private sources list covers every suite from the machine mirror', async (t) => {
  const list = privateSourcesList({ archive: 'http://archive.invalid/debian', security: 'http://security.invalid/debian-security', keyring: '/k.gpg' }, [
    'bullseye',
    'trixie-backports',
  ]);
  t.equal(
    list,
    'deb [signed-by=/k.gpg] http://archive.invalid/debian bullseye main\n' +
      'deb [signed-by=/k.gpg] http://archive.invalid/debian trixie-backports main\n' +
      'deb [signed-by=/k.gpg] http://security.invalid/debian-security bullseye-security main\n',
  );
});

t.test('Debian version order, as dpkg', async (t) => {
  const lt = (a: string, b: string) => t.ok(compareDebianVersions(a, b) < 0, `${a} < ${b}`);
  lt('6.12.118-1~deb12u1', '6.12.118-1');
  lt('7.3~rc7-1~exp1', '7.3-1');
  lt('6.1.192-1', '6.1.192-3');
  lt('6.9.12-1', '6.10.1-1');
  lt('7.2.13-1', '7.3.4-1~bpo13+1');
  lt('1.0', '1.0a');
  lt('2.0', '1:0.1');
  t.equal(compareDebianVersions('6.1.192-3', '6.1.192-3'), 0);
  t.equal(upstreamOf('7.3.4-1~bpo13+1'), '7.3.4');
  t.equal(upstreamOf('1:2.3-4'), '2.3');
});

// The shape of `apt-cache madison` (the address column is a placeholder; only the suite is kept).
const MADISON = [
  'linux-image-5.10.0-46-cloud-amd64 | 5.10.262-1 | http://security.invalid/debian-security bullseye-security/main amd64 Packages',
  'linux-image-6.1.0-55-cloud-amd64 | 6.1.192-1 | http://security.invalid/debian-security bookworm-security/main amd64 Packages',
  'linux-image-6.1.0-57-cloud-amd64 | 6.1.192-3 | http://security.invalid/debian-security bookworm-security/main amd64 Packages',
  'linux-image-6.1.0-0.deb11.52-cloud-amd64 | 6.1.170-1~deb11u1 | http://security.invalid/debian-security bullseye-security/main amd64 Packages',
  'linux-image-6.12.118+deb12-cloud-amd64 | 6.12.118-1~deb12u1 | http://security.invalid/debian-security bookworm-security/main amd64 Packages',
  'linux-image-6.12.118+deb13-cloud-amd64 | 6.12.118-1 | http://security.invalid/debian-security trixie-security/main amd64 Packages',
  'linux-image-6.18.15+deb13-cloud-amd64 | 6.18.15-1~bpo13+1 | http://archive.invalid/debian trixie-backports/main amd64 Packages',
  'linux-image-7.3.4+deb13-cloud-amd64 | 7.3.4-1~bpo13+1 | http://archive.invalid/debian trixie-backports/main amd64 Packages',
  'linux-binary-7.3.4+deb13-cloud-amd64 | 7.3.4-1~bpo13+1 | http://archive.invalid/debian trixie-backports/main amd64 Packages',
  'linux-image-7.3-cloud-amd64 | 7.3.4-1~bpo13+1 | http://archive.invalid/debian trixie-backports/main amd64 Packages',
  'linux-image-7.4.0-rc1-cloud-amd64 | 7.4~rc1-1~exp1 | http://archive.invalid/debian experimental/main amd64 Packages',
].join('\n');

t.test('choosing a package: series at dot boundaries, linux-binary from 6.19, newest first', async (t) => {
  const cands = parseMadison(MADISON);
  t.notOk(JSON.stringify(cands).includes('invalid'), 'no mirror address is kept');
  t.equal(choose(cands, '6.1')?.package, 'linux-image-6.1.0-57-cloud-amd64', '6.1 is not 6.12; -3 beats -1');
  t.equal(choose(cands, '6.1')?.suite, 'bookworm-security');
  t.equal(choose(cands, '6.12')?.package, 'linux-image-6.12.118+deb13-cloud-amd64', 'trixie 6.12.118-1 beats ~deb12u1');
  t.equal(choose(cands, '5.10')?.release, '5.10.0-46-cloud-amd64');
  t.equal(choose(cands, '7')?.package, 'linux-binary-7.3.4+deb13-cloud-amd64', 'the package that holds the image');
  t.equal(choose(cands, 'latest')?.upstream, '7.3.4', 'release candidates only when named');
  t.equal(choose(cands, '7.4.0-rc1-cloud-amd64')?.upstream, '7.4~rc1');
  t.equal(choose(cands, '6.1.0-55-cloud-amd64')?.version, '6.1.192-1', 'a release names its package');
  t.equal(choose(cands, '4.19'), undefined);
  t.notOk(cands.some((c) => c.package === 'linux-image-7.3-cloud-amd64'), 'meta packages are not candidates');
  t.same(
    newestPerSeries(cands).map((c) => c.upstream),
    ['7.3.4', '6.18.15', '6.12.118', '6.1.192', '5.10.262'],
  );
  t.ok(matchesSpec({ package: 'p', release: 'r', upstream: '6.1.5' }, '6.1.5'));
  t.notOk(matchesSpec({ package: 'p', release: 'r', upstream: '6.10.5' }, '6.1'));
});

t.test('the cache: listing and finding by version', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sudcheck-kcache-'));
  const kernels: Array<[release: string, upstream: string]> = [
    ['6.1.0-57-cloud-amd64', '6.1.192'],
    ['6.12.118+deb13-cloud-amd64', '6.12.118'],
  ];
  for (const [release, upstream] of kernels) {
    mkdirSync(join(dir, release));
    writeFileSync(join(dir, release, 'vmlinuz'), 'x');
    writeFileSync(join(dir, release, 'meta.json'), JSON.stringify({ release, upstream, version: `${upstream}-1` }));
  }
  mkdirSync(join(dir, 'hand-built'));
  writeFileSync(join(dir, 'hand-built', 'vmlinuz'), 'x');
  mkdirSync(join(dir, '.fetch-tmp'));
  t.same(
    cachedKernels(dir).map((k) => k.release),
    ['6.12.118+deb13-cloud-amd64', '6.1.0-57-cloud-amd64', 'hand-built'],
  );
  t.equal(findCachedKernel('6.1', dir)?.release, '6.1.0-57-cloud-amd64');
  t.equal(findCachedKernel('6', dir)?.release, '6.12.118+deb13-cloud-amd64');
  t.equal(findCachedKernel('5.10', dir), undefined);
  t.equal(findCachedKernel('hand-built', dir)?.image, join(dir, 'hand-built', 'vmlinuz'));
});

t.test('kernel images are recognised before qemu is started', async (t) => {
  const bz = inspectImage(fakeBzImage('6.9.0-test'));
  t.equal(bz.kind, 'bzImage');
  t.same(kernelInfoFromImage('/x/bzImage', bz), { release: '6.9.0-test', version: '#1 SMP fake', machine: 'x86_64' });
  t.equal(inspectImage(hangingMultiboot()).kind, 'multiboot');
  t.equal(inspectImage(Buffer.from('\x7fELF\x02\x01\x01', 'latin1')).kind, 'elf');
  t.equal(inspectImage(Buffer.from('#!/bin/sh\necho not a kernel\n')).kind, null);
  t.equal(inspectImage(Buffer.alloc(0)).kind, null);
  t.same(kernelInfoFromImage('/x/garbage', { kind: null }), { release: 'unknown', version: 'image garbage (did not boot)', machine: 'x86_64' });
});

t.test('the qemu command line', async (t) => {
  const args = qemuArgs({ kernel: '/k', initrd: '/i', memoryMb: 512, cpus: 1, accel: 'tcg', dataSocket: '/s', extraArgs: ['-d', 'guest_errors'] });
  const after = (flag: string) => args[args.indexOf(flag) + 1] as string;
  t.equal(after('-accel'), 'tcg,thread=multi');
  t.equal(after('-kernel'), '/k');
  t.equal(after('-initrd'), '/i');
  t.equal(after('-m'), '512');
  t.ok(args.includes('-no-reboot'), 'a panic (panic=-1 reboots) ends qemu');
  t.ok(args.includes('-nodefaults'));
  t.same(args.filter((a) => a.startsWith('chardev:')), ['chardev:console', 'chardev:data'], 'ttyS0 console, ttyS1 data');
  t.ok(args.includes('socket,id=data,path=/s'));
  t.same(args.slice(-2), ['-d', 'guest_errors'], '--qemu-arg comes last');
  t.notOk(qemuArgs({ kernel: '/k', initrd: '/i', memoryMb: 512, cpus: 1, accel: 'tcg' }).includes('chardev:data'), 'console only');
  const kvm = qemuArgs({ kernel: '/k', initrd: '/i', memoryMb: 512, cpus: 2, accel: 'kvm', dataSocket: '/s' });
  t.equal(kvm[kvm.indexOf('-accel') + 1], 'kvm');
  t.match(kernelCmdline('foo=1'), /console=ttyS0.* panic=-1 .*rdinit=\/init.* foo=1$/);
});

t.test('KVM is tried only where it has not been found wanting', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sudcheck-kvm-'));
  const old = process.env['SUDCHECK_CACHE'];
  process.env['SUDCHECK_CACHE'] = dir;
  t.teardown(() => {
    if (old === undefined) delete process.env['SUDCHECK_CACHE'];
    else process.env['SUDCHECK_CACHE'] = old;
  });
  t.equal(shouldTryKvm('tcg', 'k', true), false, 'tcg: never');
  t.equal(shouldTryKvm('kvm', 'k', false), true, 'kvm: always (and fails loudly)');
  t.equal(shouldTryKvm('auto', 'k', false), false, 'auto without a usable /dev/kvm: no');
  t.equal(shouldTryKvm('auto', 'k', true), true, 'auto, no verdict yet: try (the boot is the probe)');
  writeVerdict({ key: 'k', works: false, detail: 'no hello', at: 'now' });
  t.equal(readVerdict('k')?.works, false);
  t.equal(shouldTryKvm('auto', 'k', true), false, 'found wanting on this machine: TCG straight away');
  t.equal(shouldTryKvm('auto', 'other host', true), true, 'the verdict belongs to one host and qemu');
});
