// A quick look at a kernel image before booting it: is it something qemu can boot at all, and which
// release is it (so that a kernel that never boots is still named in the report)?
import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import type { KernelInfo } from '../types.js';

export type ImageKind = 'bzImage' | 'elf' | 'multiboot';

export interface ImageInfo {
  kind: ImageKind | null;
  /** The bzImage's version string ("6.1.0-57-cloud-amd64 (debian-kernel@...) #1 SMP ..."), when it has one. */
  versionString?: string;
}

function head(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Recognises a Linux bzImage (boot sector signature and "HdrS" setup header), an ELF file (qemu boots a
 * vmlinux with a PVH note) and a multiboot image (magic in the first 8 KiB). */
export function inspectImage(buf: Buffer): ImageInfo {
  if (buf.length >= 0x210 && buf.readUInt16LE(0x1fe) === 0xaa55 && buf.toString('latin1', 0x202, 0x206) === 'HdrS') {
    const info: ImageInfo = { kind: 'bzImage' };
    const ptr = buf.readUInt16LE(0x20e);
    if (ptr !== 0 && 0x200 + ptr < buf.length) {
      const start = 0x200 + ptr;
      const end = buf.indexOf(0, start);
      const text = buf.toString('latin1', start, end < 0 ? Math.min(buf.length, start + 256) : Math.min(end, start + 256));
      if (/^\d+\.\d+/.test(text)) info.versionString = text;
    }
    return info;
  }
  if (buf.length >= 4 && buf.readUInt32BE(0) === 0x7f454c46) return { kind: 'elf' };
  for (let off = 0; off + 12 <= Math.min(buf.length, 8192); off += 4) {
    const magic = buf.readUInt32LE(off);
    if (magic === 0x1badb002 && ((magic + buf.readUInt32LE(off + 4) + buf.readUInt32LE(off + 8)) >>> 0) === 0) return { kind: 'multiboot' };
  }
  return { kind: null };
}

export function inspectImageFile(path: string): ImageInfo {
  return inspectImage(head(path, 64 * 1024));
}

/** What the report says about a kernel that never answered: its release from the image when known. */
export function kernelInfoFromImage(path: string, info: ImageInfo): KernelInfo {
  const v = info.versionString;
  if (v) {
    // "<release> (<builder>) (<compiler>) <uname -v>": drop the parenthesised groups
    const space = v.indexOf(' ');
    const release = space < 0 ? v : v.slice(0, space);
    let rest = space < 0 ? '' : v.slice(space + 1).trimStart();
    while (rest.startsWith('(')) {
      let depth = 0;
      let i = 0;
      for (; i < rest.length; i++) {
        if (rest[i] === '(') depth++;
        else if (rest[i] === ')' && --depth === 0) break;
      }
      rest = rest.slice(i + 1).trimStart();
    }
    return { release, version: rest || v, machine: 'x86_64' };
  }
  return { release: 'unknown', version: `image ${basename(path)} (did not boot)`, machine: 'x86_64' };
}
