// `sudcheck kernels`: Debian cloud kernels for `run --kernel` and `matrix`.
//   kernels fetch VERSION...       download and cache (5.10, 6.1, 6.12, 6.18, 7, latest, or a release)
//   kernels list [--available]     the cached kernels, or what the mirror offers (newest per series)
//   kernels path VERSION           the cached image's path, for scripts: --kernel "$(sudcheck kernels path 6.1)"
import { parse, type Io } from '../args.js';
import { EXIT, environmentError, usageError } from '../errors.js';
import { cachedKernels, DebianKernels, findCachedKernel, kernelCacheDir, type KernelPackage } from '../qemu/debian.js';

const KERNELS_HELP = `Usage:
  sudcheck kernels fetch VERSION...   download Debian cloud kernels and cache their images
                                      VERSION: a series (5.10, 6.1, 6.12, 6.18, 7), a full version
                                      (6.12.118), a release (6.1.0-57-cloud-amd64), or latest
  sudcheck kernels list [--available] [--json]
                                      cached kernels; --available: newest package of each series
  sudcheck kernels path VERSION       path of the newest cached image matching VERSION

Options:
  --refresh   refresh the package indices now (otherwise reused for 12 hours)

Images are cached in $SUDCHECK_KERNEL_CACHE (default ~/.cache/sudcheck/kernels/<release>/vmlinuz);
the package indices in a private apt configuration under ~/.cache/sudcheck/apt, built from the
mirror this machine already uses (SUDCHECK_DEBIAN_MIRROR overrides it).
`;

const OPTIONS = {
  available: { type: 'boolean' },
  json: { type: 'boolean' },
  refresh: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The newest package of each major.minor series. */
export function newestPerSeries(cands: KernelPackage[]): KernelPackage[] {
  const seen = new Map<string, KernelPackage>();
  for (const c of cands) {
    if (c.upstream.includes('~')) continue;
    const series = c.upstream.split('.').slice(0, 2).join('.');
    if (!seen.has(series)) seen.set(series, c);
  }
  return [...seen.values()];
}

export async function kernelsCommand(argv: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parse(argv, OPTIONS, 'kernels');
  const [sub, ...specs] = positionals;
  if (v.help || sub === undefined || sub === 'help') {
    io.stdout(KERNELS_HELP);
    return sub === undefined && !v.help ? EXIT.usage : EXIT.ok;
  }
  switch (sub) {
    case 'fetch': {
      if (specs.length === 0) throw usageError('kernels fetch needs at least one VERSION (for example: 5.10 6.1 6.12 6.18 7)');
      const debian = new DebianKernels();
      if (v.refresh) await debian.available(true);
      for (const spec of specs) {
        const k = await debian.fetch(spec, (s) => io.stderr(s));
        io.stdout(`${spec}\t${k.release}\t${k.version ?? ''}\t${k.image}\n`);
      }
      return EXIT.ok;
    }
    case 'list': {
      if (specs.length) throw usageError(`kernels list takes no arguments, not '${specs.join(' ')}'`);
      if (v.available) {
        const cands = newestPerSeries(await new DebianKernels().available(v.refresh ?? false));
        if (v.json) io.stdout(JSON.stringify(cands, null, 2) + '\n');
        else for (const c of cands) io.stdout(`${c.upstream.split('.').slice(0, 2).join('.').padEnd(6)} ${c.version.padEnd(22)} ${c.package} (${c.suite})\n`);
        return EXIT.ok;
      }
      const cached = cachedKernels();
      if (v.json) io.stdout(JSON.stringify(cached, null, 2) + '\n');
      else if (cached.length === 0) io.stdout(`no kernels in ${kernelCacheDir()}: sudcheck kernels fetch 6.1\n`);
      else for (const k of cached) io.stdout(`${k.release.padEnd(32)} ${(k.version ?? '').padEnd(22)} ${k.image}\n`);
      return EXIT.ok;
    }
    case 'path': {
      if (specs.length !== 1) throw usageError('kernels path takes one VERSION');
      const k = findCachedKernel(specs[0] as string);
      if (!k) throw environmentError(`no cached kernel matches '${specs[0]}' in ${kernelCacheDir()}: run sudcheck kernels fetch ${specs[0]}`);
      io.stdout(`${k.image}\n`);
      return EXIT.ok;
    }
    default:
      throw usageError(`unknown kernels subcommand '${sub}': fetch, list or path`);
  }
}
