// The initramfs the QEMU target boots: the agent as /init, every static fixture under /bin, the
// manifest of cases, and the few directories and device nodes the kernel and the agent expect.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeCpio, type CpioEntry } from './cpio.js';

export interface ManifestCase {
  /** The case's number; its record is `c<n>`. */
  n: number;
  timeoutMs: number;
  /** Feature ids; the agent does not run the case when the probe reported one absent. */
  requires: readonly string[];
  fixture: string;
  args: readonly string[];
  /** Runs alone, after every other case (it changes machine-wide state, such as a sysctl). */
  exclusive?: boolean;
}

export interface Manifest {
  /** Cases run at once inside the VM. */
  jobs: number;
  probe: { timeoutMs: number; fixture: string; args: readonly string[] };
  cases: readonly ManifestCase[];
}

/** A manifest field: bytes outside a safe set are %XX (UTF-8); the empty string is `%-`. */
export function encodeField(text: string): string {
  if (text === '') return '%-';
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9._,:/=+@^-]/.test(ch) ? ch : `%${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Inverse of encodeField (the agent's decoder, in TypeScript for tests). */
export function decodeField(field: string): string {
  if (field === '%-') return '';
  const bytes: number[] = [];
  for (let i = 0; i < field.length; i++) {
    const m = /^%([0-9a-fA-F]{2})/.exec(field.slice(i));
    if (m) {
      bytes.push(parseInt(m[1] as string, 16));
      i += 2;
    } else bytes.push(field.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

const FEATURE_ID = /^[a-z0-9-]+$/;
const FIXTURE_NAME = /^[A-Za-z0-9._-]+$/;

export function manifestText(m: Manifest): string {
  const lines = ['sudcheck-manifest 1', `jobs ${Math.max(1, Math.floor(m.jobs))}`];
  const argv = (fixture: string, args: readonly string[]) => {
    if (!FIXTURE_NAME.test(fixture)) throw new Error(`bad fixture name '${fixture}'`);
    return [fixture, ...args].map(encodeField).join(' ');
  };
  lines.push(`probe ${Math.round(m.probe.timeoutMs)} ${argv(m.probe.fixture, m.probe.args)}`);
  for (const c of m.cases) {
    for (const f of c.requires) if (!FEATURE_ID.test(f)) throw new Error(`bad feature id '${f}'`);
    const requires = c.requires.length ? c.requires.join(',') : '-';
    lines.push(`${c.exclusive ? 'alone' : 'case'} ${c.n} ${Math.round(c.timeoutMs)} ${requires} ${argv(c.fixture, c.args)}`);
  }
  return lines.join('\n') + '\n';
}

/** The regular executables of a folder (the static fixtures and their helpers, such as ia32-sud). */
export function executablesIn(dir: string, exclude: readonly string[] = []): string[] {
  return readdirSync(dir)
    .filter((f) => !exclude.includes(f) && !f.startsWith('.'))
    .filter((f) => {
      const st = statSync(join(dir, f));
      return st.isFile() && (st.mode & 0o111) !== 0;
    })
    .sort();
}

export interface InitramfsInput {
  /** The static agent binary, installed as /init. */
  agent: string;
  /** Folder of static fixtures, installed under /bin. */
  binDir: string;
  manifest: Manifest;
  /** gzip level (0: no compression; the kernel accepts both). */
  gzipLevel?: number;
}

export function initramfsEntries(input: InitramfsInput): CpioEntry[] {
  const entries: CpioEntry[] = [
    { type: 'dir', name: 'bin' },
    { type: 'dir', name: 'dev' },
    // The kernel opens /dev/console for init's stdin/stdout/stderr before anything is mounted.
    { type: 'char', name: 'dev/console', major: 5, minor: 1, mode: 0o600 },
    { type: 'char', name: 'dev/null', major: 1, minor: 3, mode: 0o666 },
    { type: 'dir', name: 'proc' },
    { type: 'dir', name: 'sys' },
    { type: 'dir', name: 'tmp', mode: 0o1777 },
    { type: 'file', name: 'init', data: readFileSync(input.agent), mode: 0o755 },
    { type: 'file', name: 'manifest', data: manifestText(input.manifest) },
  ];
  for (const f of executablesIn(input.binDir, ['agent']))
    entries.push({ type: 'file', name: `bin/${f}`, data: readFileSync(join(input.binDir, f)), mode: 0o755 });
  return entries;
}

export function buildInitramfs(input: InitramfsInput): Buffer {
  const cpio = writeCpio(initramfsEntries(input));
  const level = input.gzipLevel ?? 1;
  return level === 0 ? cpio : gzipSync(cpio, { level });
}
