// Debian cloud kernels for the matrix: finds them with a private apt configuration (its own sources
// list, state and cache under the cache folder), downloads them with `apt-get download` and keeps only
// the kernel image (and its config) in the cache: <cache>/<release>/vmlinuz.
//
// The private sources list is built at run time from the mirror the machine already uses
// (/etc/apt/sources.list and sources.list.d), so no mirror's name is ever written into the project.
import { execa } from 'execa';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { environmentError, harnessError } from '../errors.js';

/** Suites searched for cloud kernels (override with SUDCHECK_DEBIAN_SUITES, space separated). */
export const DEFAULT_SUITES = ['bullseye', 'bookworm', 'bookworm-backports', 'trixie', 'trixie-backports'];
/** Their security suites live in the security archive. */
const SECURITY_OF: Record<string, string> = {
  bullseye: 'bullseye-security',
  bookworm: 'bookworm-security',
  trixie: 'trixie-security',
};
const DEFAULT_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
/** apt indices younger than this are reused. */
const INDEX_MAX_AGE_MS = 12 * 3600 * 1000;

export function cacheRoot(): string {
  if (process.env['SUDCHECK_CACHE']) return process.env['SUDCHECK_CACHE'];
  const xdg = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(xdg, 'sudcheck');
}

/** Where fetched kernels live: $SUDCHECK_KERNEL_CACHE, else <cache>/kernels. */
export function kernelCacheDir(): string {
  return process.env['SUDCHECK_KERNEL_CACHE'] || join(cacheRoot(), 'kernels');
}

// ---------------------------------------------------------------------------------------------------
// The machine's mirror

export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  signedBy?: string;
}

export interface Mirrors {
  archive: string;
  security?: string;
  keyring?: string;
}

/** Parses deb822 `.sources` text. */
export function parseDeb822Sources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let last = '';
    for (const line of para.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m) {
        last = (m[1] as string).toLowerCase();
        fields[last] = (m[2] as string).trim();
      } else if (/^\s/.test(line) && last) fields[last] += '\n' + line.trim();
    }
    if (!fields['uris'] || (fields['enabled'] ?? 'yes').toLowerCase() === 'no') continue;
    const words = (k: string) => (fields[k] ?? '').split(/\s+/).filter(Boolean);
    const signedBy = fields['signed-by'];
    out.push({
      types: words('types'),
      uris: words('uris'),
      suites: words('suites'),
      components: words('components'),
      ...(signedBy && !signedBy.includes('\n') ? { signedBy } : {}),
    });
  }
  return out;
}

/** Parses one-line `deb [opts] uri suite components...` text. */
export function parseOneLineSources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const opts = Object.fromEntries(
      (m[2] ?? '')
        .split(/\s+/)
        .filter((o) => o.includes('='))
        .map((o) => [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)]),
    );
    const signedBy = opts['signed-by'];
    out.push({
      types: [m[1] as string],
      uris: [m[3] as string],
      suites: [m[4] as string],
      components: (m[5] ?? '').split(/\s+/).filter(Boolean),
      ...(signedBy ? { signedBy } : {}),
    });
  }
  return out;
}

const DEBIAN_SUITE = /^(buster|bullseye|bookworm|trixie|forky|duke|sid|stable|oldstable|testing|unstable)(-updates|-backports|-proposed-updates)?$/;
const DEBIAN_SECURITY_SUITE = /^(buster|bullseye|bookworm|trixie|forky|duke|stable|oldstable|testing)[-/]security$/;

/** The Debian archive and security archive among the machine's sources. */
export function findMirrors(sources: AptSource[]): Mirrors | null {
  let archive: AptSource | undefined;
  let security: AptSource | undefined;
  for (const s of sources) {
    if (!s.types.includes('deb') || s.uris.length === 0) continue;
    if (!security && s.suites.some((x) => DEBIAN_SECURITY_SUITE.test(x))) security = s;
    else if (!archive && s.suites.some((x) => DEBIAN_SUITE.test(x))) archive = s;
  }
  if (!archive) return null;
  const keyring = archive.signedBy ?? (existsSync(DEFAULT_KEYRING) ? DEFAULT_KEYRING : undefined);
  return {
    archive: (archive.uris[0] as string).replace(/\/+$/, ''),
    ...(security ? { security: (security.uris[0] as string).replace(/\/+$/, '') } : {}),
    ...(keyring ? { keyring } : {}),
  };
}

export function machineMirrors(etc = '/etc/apt'): Mirrors {
  const envArchive = process.env['SUDCHECK_DEBIAN_MIRROR'];
  if (envArchive) {
    const sec = process.env['SUDCHECK_DEBIAN_SECURITY_MIRROR'];
    return { archive: envArchive.replace(/\/+$/, ''), ...(sec ? { security: sec.replace(/\/+$/, '') } : {}), ...(existsSync(DEFAULT_KEYRING) ? { keyring: DEFAULT_KEYRING } : {}) };
  }
  const sources: AptSource[] = [];
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  sources.push(...parseOneLineSources(read(join(etc, 'sources.list'))));
  const dir = join(etc, 'sources.list.d');
  if (existsSync(dir))
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.list')) sources.push(...parseOneLineSources(read(join(dir, f))));
      else if (f.endsWith('.sources')) sources.push(...parseDeb822Sources(read(join(dir, f))));
    }
  const m = findMirrors(sources);
  if (!m)
    throw environmentError(
      `no Debian mirror found in ${etc}/sources.list or sources.list.d: set SUDCHECK_DEBIAN_MIRROR (and SUDCHECK_DEBIAN_SECURITY_MIRROR) to a Debian archive URL`,
    );
  return m;
}

/** The private sources list: every suite we search, from the machine's own mirrors. */
export function privateSourcesList(m: Mirrors, suites: string[]): string {
  const opt = m.keyring ? ` [signed-by=${m.keyring}]` : '';
  const lines = suites.map((s) => `deb${opt} ${m.archive} ${s} main`);
  if (m.security)
    for (const s of suites) {
      const sec = SECURITY_OF[s];
      if (sec) lines.push(`deb${opt} ${m.security} ${sec} main`);
    }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------
// The private apt configuration

export class PrivateApt {
  readonly dir: string;
  constructor(dir = join(cacheRoot(), 'apt')) {
    this.dir = dir;
  }

  args(): string[] {
    const d = this.dir;
    return [
      '-o', `Dir::Etc::SourceList=${join(d, 'sources.list')}`,
      '-o', `Dir::Etc::SourceParts=${join(d, 'sources.list.d')}`,
      '-o', `Dir::Etc::Preferences=${join(d, 'preferences')}`,
      '-o', `Dir::Etc::PreferencesParts=${join(d, 'preferences.d')}`,
      '-o', `Dir::State=${join(d, 'state')}`,
      '-o', `Dir::State::status=${join(d, 'state', 'status')}`,
      '-o', `Dir::Cache=${join(d, 'cache')}`,
      '-o', 'APT::Architecture=amd64',
      '-o', 'APT::Architectures=amd64',
      '-o', 'Acquire::Languages=none',
      '-o', 'APT::Sandbox::User=root',
    ];
  }

  private setUp(sources: string): boolean {
    for (const sub of ['sources.list.d', 'preferences.d', 'state/lists/partial', 'cache/archives/partial'])
      mkdirSync(join(this.dir, sub), { recursive: true });
    const status = join(this.dir, 'state', 'status');
    if (!existsSync(status)) writeFileSync(status, '');
    const list = join(this.dir, 'sources.list');
    const changed = !existsSync(list) || readFileSync(list, 'utf8') !== sources;
    if (changed) writeFileSync(list, sources);
    return changed;
  }

  /** Writes the configuration and refreshes the indices when they are missing, stale or for other suites. */
  async update(sources: string, force = false): Promise<void> {
    const changed = this.setUp(sources);
    const stamp = join(this.dir, 'updated');
    const fresh = existsSync(stamp) && Date.now() - statSync(stamp).mtimeMs < INDEX_MAX_AGE_MS;
    if (!force && !changed && fresh) return;
    const r = await execa('apt-get', [...this.args(), '-q', 'update'], { reject: false, all: true });
    if (r.exitCode !== 0) throw harnessError(`apt-get update (private configuration in ${this.dir}) failed:\n${String(r.all ?? '').slice(-2000)}`);
    writeFileSync(stamp, new Date().toISOString());
  }

  async run(args: string[], cwd?: string): Promise<string> {
    const r = await execa('apt-get', [...this.args(), ...args], { reject: false, all: true, ...(cwd ? { cwd } : {}) });
    if (r.exitCode !== 0) throw harnessError(`apt-get ${args.join(' ')} failed:\n${String(r.all ?? '').slice(-2000)}`);
    return String(r.stdout ?? '');
  }

  async cache(args: string[]): Promise<string> {
    const r = await execa('apt-cache', [...this.args(), ...args], { reject: false, all: true });
    if (r.exitCode !== 0) throw harnessError(`apt-cache ${args[0]} failed:\n${String(r.all ?? '').slice(-2000)}`);
    return String(r.stdout ?? '');
  }
}

// ---------------------------------------------------------------------------------------------------
// Choosing a package

export interface KernelPackage {
  /** The package holding /boot/vmlinuz-<release>. */
  package: string;
  /** Debian version, e.g. 6.1.192-3 or 7.3.4-1~bpo13+1. */
  version: string;
  /** Upstream kernel version, e.g. 6.1.192. */
  upstream: string;
  /** The kernel release (uname -r), e.g. 6.1.0-57-cloud-amd64. */
  release: string;
  suite: string;
}

/** Image packages: linux-image-<release> up to 6.18, linux-binary-<release> from 6.19 (then linux-image-* is
 * a small package depending on it). Meta packages (linux-image-6.12-cloud-amd64) are not candidates. */
export const IMAGE_PACKAGE = /^linux-(image|binary)-(\d+\.\d+\.\d+[^ ]*-cloud-amd64)$/;

export function upstreamOf(debianVersion: string): string {
  return debianVersion.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
}

function numericParts(v: string): number[] {
  return (v.match(/\d+/g) ?? []).map(Number);
}

export function compareUpstream(a: string, b: string): number {
  const x = numericParts(a);
  const y = numericParts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** dpkg's version ordering (epoch, upstream, revision; `~` sorts before everything, even the end). */
export function compareDebianVersions(a: string, b: string): number {
  const split = (v: string): [number, string, string] => {
    const e = /^(\d+):/.exec(v);
    const rest = e ? v.slice(e[0].length) : v;
    const dash = rest.lastIndexOf('-');
    return [e ? Number(e[1]) : 0, dash >= 0 ? rest.slice(0, dash) : rest, dash >= 0 ? rest.slice(dash + 1) : ''];
  };
  const order = (c: string | undefined): number => {
    if (c === undefined) return 0;
    if (c === '~') return -1;
    if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
    return c.charCodeAt(0) + 256;
  };
  const part = (x: string, y: string): number => {
    let i = 0;
    let j = 0;
    while (i < x.length || j < y.length) {
      while ((i < x.length && !/\d/.test(x[i] as string)) || (j < y.length && !/\d/.test(y[j] as string))) {
        const cx = i < x.length && !/\d/.test(x[i] as string) ? x[i] : undefined;
        const cy = j < y.length && !/\d/.test(y[j] as string) ? y[j] : undefined;
        const d = order(cx) - order(cy);
        if (d !== 0) return d;
        if (cx !== undefined) i++;
        if (cy !== undefined) j++;
      }
      let nx = '';
      let ny = '';
      while (i < x.length && /\d/.test(x[i] as string)) nx += x[i++];
      while (j < y.length && /\d/.test(y[j] as string)) ny += y[j++];
      const d = Number(nx || '0') - Number(ny || '0');
      if (d !== 0) return d;
    }
    return 0;
  };
  const [ea, ua, ra] = split(a);
  const [eb, ub, rb] = split(b);
  return ea - eb || part(ua, ub) || part(ra, rb);
}

/**
 * Reads `apt-cache madison` output into candidates (one per release, the linux-binary package when both
 * exist). Only the suite is kept from each line, never the mirror's address.
 */
export function parseMadison(text: string): KernelPackage[] {
  const byRelease = new Map<string, KernelPackage>();
  for (const line of text.split('\n')) {
    const cols = line.split('|').map((c) => c.trim());
    if (cols.length < 3) continue;
    const [pkg, version, from] = cols as [string, string, string];
    const m = IMAGE_PACKAGE.exec(pkg);
    if (!m) continue;
    const suite = /\s(\S+?)\/\S+\s+\S+\s+Packages$/.exec(from)?.[1] ?? 'unknown';
    const cand: KernelPackage = { package: pkg, version, upstream: upstreamOf(version), release: m[2] as string, suite };
    const prev = byRelease.get(cand.release);
    if (!prev || (m[1] === 'binary' && prev.package.startsWith('linux-image-'))) byRelease.set(cand.release, cand);
  }
  return [...byRelease.values()].sort(
    (a, b) => compareDebianVersions(b.version, a.version) || compareUpstream(b.release, a.release) || a.release.localeCompare(b.release),
  );
}

/** True when `spec` names this package: a version prefix at dot boundaries (6.1 is not 6.12), `latest`,
 * the release (6.1.0-57-cloud-amd64) or the package name. */
export function matchesSpec(p: Pick<KernelPackage, 'package' | 'release' | 'upstream'>, spec: string): boolean {
  if (spec === 'latest' || spec === 'newest') return true;
  if (spec === p.package || spec === p.release) return true;
  if (!/^\d+(\.\d+)*$/.test(spec)) return false;
  return p.upstream === spec || p.upstream.startsWith(spec + '.') || p.upstream.startsWith(spec + '~');
}

/** The newest candidate matching the spec; release candidates (~rc) only when asked for by name. */
export function choose(cands: KernelPackage[], spec: string): KernelPackage | undefined {
  return cands.find((c) => matchesSpec(c, spec) && (!c.upstream.includes('~') || spec === c.release || spec === c.package));
}

// ---------------------------------------------------------------------------------------------------
// The cache

export interface CachedKernel {
  release: string;
  image: string;
  package?: string;
  version?: string;
  upstream?: string;
  suite?: string;
  fetchedAt?: string;
}

export function cachedKernels(dir = kernelCacheDir()): CachedKernel[] {
  if (!existsSync(dir)) return [];
  const out: CachedKernel[] = [];
  for (const release of readdirSync(dir)) {
    const image = join(dir, release, 'vmlinuz');
    if (release.startsWith('.') || !existsSync(image)) continue;
    let meta: Partial<CachedKernel> = {};
    try {
      meta = JSON.parse(readFileSync(join(dir, release, 'meta.json'), 'utf8'));
    } catch {
      // a hand-placed image without metadata
    }
    out.push({ ...meta, release, image });
  }
  const up = (k: CachedKernel) => k.upstream ?? k.release;
  return out.sort((a, b) => compareUpstream(up(b), up(a)) || a.release.localeCompare(b.release));
}

/** The newest cached kernel matching a spec (`6.1`, `5.10`, a release), or undefined. */
export function findCachedKernel(spec: string, dir = kernelCacheDir()): CachedKernel | undefined {
  return cachedKernels(dir).find((k) =>
    matchesSpec({ package: k.package ?? '', release: k.release, upstream: k.upstream ?? k.release.replace(/-.*$/, '') }, spec),
  );
}

export class DebianKernels {
  private candidates?: KernelPackage[];
  constructor(
    readonly apt = new PrivateApt(),
    readonly dir = kernelCacheDir(),
    readonly suites = process.env['SUDCHECK_DEBIAN_SUITES']?.split(/\s+/).filter(Boolean) ?? DEFAULT_SUITES,
  ) {}

  async available(refresh = false): Promise<KernelPackage[]> {
    if (this.candidates && !refresh) return this.candidates;
    await this.apt.update(privateSourcesList(machineMirrors(), this.suites), refresh);
    const names = (await this.apt.cache(['search', '--names-only', '^linux-(image|binary)-[0-9]+\\.[0-9]+\\.[0-9].*-cloud-amd64$']))
      .split('\n')
      .map((l) => l.split(' ')[0] as string)
      .filter((n) => IMAGE_PACKAGE.test(n));
    this.candidates = names.length ? parseMadison(await this.apt.cache(['madison', ...names])) : [];
    return this.candidates;
  }

  /** Downloads and extracts one kernel; returns it from the cache when it is already there. */
  async fetch(spec: string, log: (s: string) => void = () => {}): Promise<CachedKernel> {
    const cands = await this.available();
    const pick = choose(cands, spec);
    if (!pick) {
      const series = [...new Set(cands.map((c) => c.upstream.split('.').slice(0, 2).join('.')))].join(' ');
      throw environmentError(`no Debian cloud kernel matches '${spec}' in ${this.suites.join(', ')}; available series: ${series || 'none'}`);
    }
    const target = join(this.dir, pick.release);
    if (existsSync(join(target, 'vmlinuz'))) {
      const cached = cachedKernels(this.dir).find((k) => k.release === pick.release);
      if (cached) return cached;
    }
    log(`fetching ${pick.package} ${pick.version} (${pick.suite})\n`);
    mkdirSync(this.dir, { recursive: true });
    const work = mkdtempSync(join(this.dir, '.fetch-'));
    try {
      await this.apt.run(['-q', 'download', `${pick.package}=${pick.version}`], work);
      const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
      if (!deb) throw harnessError(`apt-get download ${pick.package} left no .deb`);
      const root = join(work, 'root');
      mkdirSync(root);
      await extractImage(join(work, deb), root, work);
      const found = locateImage(root);
      if (!found) throw harnessError(`${pick.package} holds no kernel image`);
      const stage = join(work, 'out');
      mkdirSync(stage);
      copyFileSync(found.image, join(stage, 'vmlinuz'));
      if (found.config) copyFileSync(found.config, join(stage, 'config'));
      const meta: CachedKernel = { ...pick, image: join(target, 'vmlinuz'), fetchedAt: new Date().toISOString() };
      writeFileSync(join(stage, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
      rmSync(target, { recursive: true, force: true });
      renameSync(stage, target);
      return meta;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

/** Members that hold the image: /boot/vmlinuz-<release> up to 6.18, /usr/lib/modules/<release>/vmlinuz in
 * the linux-binary packages from 6.19 (plus the config next to either when there is one). */
const IMAGE_MEMBERS = ['./boot/vmlinu*', './boot/config-*', './usr/lib/modules/*/vmlinuz', './usr/lib/modules/*/config'];

/** The kernel image and its config among the extracted files. */
export function locateImage(root: string): { image: string; config?: string } | null {
  const boot = join(root, 'boot');
  if (existsSync(boot)) {
    const files = readdirSync(boot);
    const image = files.find((f) => /^vmlinu[xz]-/.test(f));
    const config = files.find((f) => f.startsWith('config-'));
    if (image) return { image: join(boot, image), ...(config ? { config: join(boot, config) } : {}) };
  }
  const modules = join(root, 'usr', 'lib', 'modules');
  if (existsSync(modules))
    for (const release of readdirSync(modules)) {
      const image = join(modules, release, 'vmlinuz');
      const config = join(modules, release, 'config');
      if (existsSync(image)) return { image, ...(existsSync(config) ? { config } : {}) };
    }
  return null;
}

/** Extracts the image members of a .deb: dpkg-deb when present, else ar + tar. tar's status is ignored
 * (a pattern that matches nothing is an error to it); locateImage() decides. */
async function extractImage(deb: string, root: string, work: string): Promise<void> {
  const sh = (script: string, ...args: string[]) => execa('/bin/sh', ['-c', script, 'sh', ...args], { reject: false, all: true });
  const r = await sh(
    'if command -v dpkg-deb >/dev/null; then dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards "$4" "$5" "$6" "$7"; ' +
      'else cd "$3" && ar x "$1" && tar -x -f data.tar.* -C "$2" --wildcards "$4" "$5" "$6" "$7"; fi; true',
    deb,
    root,
    work,
    ...IMAGE_MEMBERS,
  );
  if (!locateImage(root)) throw harnessError(`no kernel image found in ${deb} (extraction needs dpkg-deb, or ar and tar):\n${String(r.all ?? '').slice(-1000)}`);
}
