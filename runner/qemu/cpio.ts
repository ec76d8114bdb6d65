// The cpio "newc" format (what the kernel unpacks as an initramfs), written without root: device
// nodes are just header fields. Also a reader, for tests and for looking inside an image.
//
// Each entry: a 110-byte ASCII header ("070701" and 13 fields of 8 hex digits), the NUL-terminated
// name padded to a multiple of 4 (counting the header), the data padded to a multiple of 4;
// the archive ends with an entry named TRAILER!!!.

export type CpioEntry =
  | { type: 'dir'; name: string; mode?: number }
  | { type: 'file'; name: string; data: Buffer | string; mode?: number }
  | { type: 'symlink'; name: string; target: string }
  | { type: 'char' | 'block'; name: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const TRAILER = 'TRAILER!!!';

const hex8 = (n: number) => {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`cpio field out of range: ${n}`);
  return n.toString(16).padStart(8, '0');
};
const pad4 = (n: number) => (4 - (n % 4)) % 4;

function header(f: { ino: number; mode: number; nlink: number; size: number; rmajor: number; rminor: number; namesize: number }): string {
  return (
    '070701' +
    [f.ino, f.mode, 0, 0, f.nlink, 0, f.size, 0, 0, f.rmajor, f.rminor, f.namesize, 0].map(hex8).join('')
  );
}

/** A newc archive of these entries (uid/gid 0, mtime 0: the same input gives the same bytes). */
export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const names = new Set<string>();
  const add = (name: string, mode: number, nlink: number, data: Buffer, rmajor = 0, rminor = 0) => {
    const nameBuf = Buffer.from(name + '\0', 'utf8');
    const h = Buffer.from(header({ ino: name === TRAILER ? 0 : ino++, mode, nlink, size: data.length, rmajor, rminor, namesize: nameBuf.length }), 'ascii');
    parts.push(h, nameBuf, Buffer.alloc(pad4(h.length + nameBuf.length)), data, Buffer.alloc(pad4(data.length)));
  };
  for (const e of entries) {
    const name = e.name.replace(/^\/+/, '');
    if (name === '' || name === TRAILER || name.split('/').includes('..')) throw new Error(`bad cpio entry name '${e.name}'`);
    if (names.has(name)) throw new Error(`duplicate cpio entry '${name}'`);
    names.add(name);
    switch (e.type) {
      case 'dir':
        add(name, S_IFDIR | (e.mode ?? 0o755), 2, Buffer.alloc(0));
        break;
      case 'file':
        add(name, S_IFREG | (e.mode ?? 0o644), 1, typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : e.data);
        break;
      case 'symlink':
        add(name, S_IFLNK | 0o777, 1, Buffer.from(e.target, 'utf8'));
        break;
      case 'char':
      case 'block':
        add(name, (e.type === 'char' ? S_IFCHR : S_IFBLK) | (e.mode ?? 0o600), 1, Buffer.alloc(0), e.major, e.minor);
        break;
    }
  }
  add(TRAILER, 0, 1, Buffer.alloc(0));
  return Buffer.concat(parts);
}

export interface ParsedCpioEntry {
  name: string;
  mode: number;
  type: 'dir' | 'file' | 'symlink' | 'char' | 'block' | 'other';
  size: number;
  rmajor: number;
  rminor: number;
  data: Buffer;
}

/** Reads a newc archive back (stops at the trailer); throws on anything malformed. */
export function readCpio(buf: Buffer): ParsedCpioEntry[] {
  const out: ParsedCpioEntry[] = [];
  let off = 0;
  for (;;) {
    if (off + 110 > buf.length) throw new Error(`truncated cpio header at ${off}`);
    const magic = buf.toString('ascii', off, off + 6);
    if (magic !== '070701') throw new Error(`bad cpio magic '${magic}' at ${off}`);
    const field = (i: number) => {
      const text = buf.toString('ascii', off + 6 + i * 8, off + 14 + i * 8);
      if (!/^[0-9a-fA-F]{8}$/.test(text)) throw new Error(`bad cpio field '${text}' at ${off}`);
      return parseInt(text, 16);
    };
    const mode = field(1);
    const size = field(6);
    const rmajor = field(9);
    const rminor = field(10);
    const namesize = field(11);
    const nameStart = off + 110;
    if (namesize < 1 || nameStart + namesize > buf.length) throw new Error(`bad cpio name size at ${off}`);
    if (buf[nameStart + namesize - 1] !== 0) throw new Error(`cpio name not NUL-terminated at ${off}`);
    const name = buf.toString('utf8', nameStart, nameStart + namesize - 1);
    const dataStart = nameStart + namesize + pad4(110 + namesize);
    if (dataStart + size > buf.length) throw new Error(`truncated cpio data of '${name}'`);
    if (name === TRAILER) return out;
    const fmt = mode & 0o170000;
    const type =
      fmt === S_IFDIR ? 'dir' : fmt === S_IFREG ? 'file' : fmt === S_IFLNK ? 'symlink' : fmt === S_IFCHR ? 'char' : fmt === S_IFBLK ? 'block' : 'other';
    out.push({ name, mode, type, size, rmajor, rminor, data: buf.subarray(dataStart, dataStart + size) });
    off = dataStart + size + pad4(size);
  }
}
