// Kernel images for tests that must not depend on a real kernel: a bzImage-shaped file that names a
// release (for the fake qemu), a multiboot image that hangs at once without printing anything (a
// "kernel" that never says hello, for the real qemu), and garbage.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Just enough of a bzImage for inspectImage(): boot signature, "HdrS", and a version string (which
 * can tell the fake qemu how to behave: test/helpers/qemu-fake.ts). */
export function fakeBzImage(release = '0.0.0-fake', fakeMode?: string): Buffer {
  const buf = Buffer.alloc(0x1000);
  buf.writeUInt16LE(0xaa55, 0x1fe);
  buf.write('HdrS', 0x202, 'latin1');
  buf.writeUInt16LE(0x400 - 0x200, 0x20e);
  buf.write(`${release} (test@sudcheck) #1 SMP fake${fakeMode ? ` fake-mode:${fakeMode}` : ''}\0`, 0x400, 'latin1');
  return buf;
}

/** A multiboot "kernel" (qemu loads it with -kernel) that disables interrupts and halts forever. */
export function hangingMultiboot(): Buffer {
  const magic = 0x1badb002;
  const flags = 0x00010000; // the address fields below are valid (a.out kludge)
  const base = 0x100000;
  const header = Buffer.alloc(32);
  [magic, flags, (-(magic + flags)) >>> 0, base, base, 0, 0, base + 32].forEach((v, i) => header.writeUInt32LE(v >>> 0, i * 4));
  return Buffer.concat([header, Buffer.from([0xfa, 0xf4, 0xeb, 0xfd])]); // cli; hlt; jmp .-3
}

export function writeImage(dir: string, name: string, data: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

/** An executable wrapper that runs test/helpers/qemu-fake.ts, for SUDCHECK_QEMU. */
export function fakeQemu(dir: string): string {
  const tsx = import.meta.resolve('tsx');
  const script = pathToFileURL(join(ROOT, 'test', 'helpers', 'qemu-fake.ts')).pathname;
  const path = join(dir, 'qemu-fake');
  writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${script}" "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}
