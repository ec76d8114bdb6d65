// The cross-check: `perf bench syscall basic` times getppid() in a plain loop of its own. Its figure next
// to our native path tells whether the method (batches, baseline subtraction) agrees with a known tool.
import { execa } from 'execa';

export const PERF_TOOL = 'perf bench syscall basic';

/** ns per call from perf's output (`0.165338 usecs/op`), or null. */
export function parsePerfOutput(stdout: string): number | null {
  const m = /([0-9]+(?:\.[0-9]+)?)\s+usecs\/op/.exec(stdout);
  if (!m) return null;
  const ns = Math.round(Number(m[1]) * 1e6) / 1e3; // perf prints usecs with 6 decimals
  return Number.isFinite(ns) && ns > 0 ? ns : null;
}

export type PerfRun = { ok: true; nsPerCall: number } | { ok: false; reason: string };

async function onPath(cmd: string): Promise<boolean> {
  const r = await execa('/bin/sh', ['-c', 'command -v "$1"', 'sh', cmd], { reject: false });
  return r.exitCode === 0;
}

/** One perf run of `loops` getppid() calls, pinned with taskset to the benchmark's CPU when possible. */
export async function runPerf(loops: number, cpu: number | null): Promise<PerfRun> {
  if (!(await onPath('perf'))) return { ok: false, reason: 'perf is not installed (Debian: apt-get install linux-perf)' };
  const perfArgs = ['bench', 'syscall', 'basic', '--loop', String(loops)];
  const pin = cpu !== null && cpu >= 0 && (await onPath('taskset'));
  const [file, args] = pin ? ['taskset', ['-c', String(cpu), 'perf', ...perfArgs]] : ['perf', perfArgs];
  const r = await execa(file as string, args as string[], { reject: false, timeout: 60_000, all: true, env: { LC_ALL: 'C' } });
  const out = String(r.all ?? '');
  if (r.exitCode !== 0) {
    const tail = out.trim().split('\n').slice(-2).join(' ');
    return { ok: false, reason: `${PERF_TOOL} failed (${r.timedOut ? 'timeout' : `exit ${r.exitCode}`}): ${tail}` };
  }
  const ns = parsePerfOutput(out);
  return ns === null ? { ok: false, reason: `${PERF_TOOL} printed no usecs/op figure` } : { ok: true, nsPerCall: ns };
}
