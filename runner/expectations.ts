// Expectations files: known deviations of a kernel (for distros), turning FAIL into XFAIL and PASS into XPASS.
//
// Text format, one deviation per line, `#` starts a comment:
//     <scenario id or glob>  <kernel range>  <reason...>
// where the range is `any`, `FROM..UNTIL`, `FROM..` or `..UNTIL` (FROM inclusive, UNTIL exclusive), e.g.
//     selector.all-threads-die   5.11..5.16   before 5.16 a bad selector killed only the calling thread
// A file ending in .json holds an array of {id, from?, until?, reason} instead.
import { globToRegExp } from './glob.js';
import { inRange, parseKernelVersion } from './kver.js';
import type { KnownDeviation, Verdict } from './types.js';

export class ExpectationsError extends Error {}

function checkVersion(v: string | undefined, where: string): void {
  if (v !== undefined && !parseKernelVersion(v)) throw new ExpectationsError(`${where}: '${v}' is not a kernel version like 6.1 or 5.15.3`);
}

export function parseExpectations(text: string, source = 'expectations'): KnownDeviation[] {
  if (source.endsWith('.json')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new ExpectationsError(`${source}: not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(data)) throw new ExpectationsError(`${source}: expected a JSON array of {id, from?, until?, reason}`);
    return data.map((d: Record<string, unknown>, i) => {
      const where = `${source}[${i}]`;
      if (typeof d?.id !== 'string' || typeof d.reason !== 'string' || !d.reason.trim())
        throw new ExpectationsError(`${where}: needs a string id and a non-empty reason`);
      for (const k of ['from', 'until'] as const)
        if (d[k] !== undefined && typeof d[k] !== 'string') throw new ExpectationsError(`${where}: ${k} must be a string`);
      const dev: KnownDeviation = { id: d.id, reason: d.reason };
      if (typeof d.from === 'string') dev.from = d.from;
      if (typeof d.until === 'string') dev.until = d.until;
      checkVersion(dev.from, where);
      checkVersion(dev.until, where);
      return dev;
    });
  }
  const out: KnownDeviation[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const where = `${source}:${i + 1}`;
    const m = /^(\S+)\s+(\S+)\s+(.+)$/.exec(line);
    if (!m) throw new ExpectationsError(`${where}: expected '<scenario id or glob> <kernel range> <reason>'`);
    const [, id, range, reason] = m as unknown as [string, string, string, string];
    const dev: KnownDeviation = { id, reason: reason.trim() };
    if (range !== 'any') {
      const parts = range.split('..');
      if (parts.length !== 2 || (!parts[0] && !parts[1]))
        throw new ExpectationsError(`${where}: range '${range}' is not 'any', 'FROM..UNTIL', 'FROM..' or '..UNTIL'`);
      if (parts[0]) dev.from = parts[0];
      if (parts[1]) dev.until = parts[1];
    }
    checkVersion(dev.from, where);
    checkVersion(dev.until, where);
    out.push(dev);
  });
  return out;
}

export function findDeviation(id: string, release: string, deviations: readonly KnownDeviation[]): KnownDeviation | null {
  return deviations.find((d) => globToRegExp(d.id).test(id) && inRange(release, d.from, d.until)) ?? null;
}

/** FAIL -> XFAIL and PASS -> XPASS for a listed deviation; SKIP and ERROR stay what they are. */
export function applyDeviation(v: Verdict, dev: KnownDeviation | null): Verdict {
  if (!dev) return v;
  if (v.status === 'FAIL') return { ...v, status: 'XFAIL', reason: `known deviation: ${dev.reason}; ${v.reason}` };
  if (v.status === 'PASS')
    return { ...v, status: 'XPASS', reason: `listed as a known deviation (${dev.reason}) but behaved as expected: the expectations file is stale` };
  return v;
}
