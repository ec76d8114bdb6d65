// Kernel release strings ("6.18.44-fc-v1272", "6.1.0-28-cloud-amd64") compared by their numeric prefix.
export type KernelVersion = [number, number, number];

export function parseKernelVersion(release: string): KernelVersion | null {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release.trim());
  if (!m) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function compareVersions(a: KernelVersion, b: KernelVersion): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

/** True when release is in [from, until): from inclusive, until exclusive; either may be absent. */
export function inRange(release: string, from?: string, until?: string): boolean {
  const v = parseKernelVersion(release);
  if (!v) return from === undefined && until === undefined;
  const lo = from === undefined ? null : parseKernelVersion(from);
  const hi = until === undefined ? null : parseKernelVersion(until);
  if (from !== undefined && !lo) throw new Error(`bad kernel version '${from}'`);
  if (until !== undefined && !hi) throw new Error(`bad kernel version '${until}'`);
  if (lo && compareVersions(v, lo) < 0) return false;
  if (hi && compareVersions(v, hi) >= 0) return false;
  return true;
}
