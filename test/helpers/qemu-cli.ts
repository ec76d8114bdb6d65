// Running the compiled sudcheck with extra environment (the QEMU target's knobs), and what the QEMU
// tests need to know about this machine: is qemu installed, which kernels are cached.
import { execa } from 'execa';
import type { RunResults } from '../../runner/types.js';
import { findCachedKernel } from '../../runner/qemu/debian.js';
import { findOnPath } from '../../runner/targets/qemu.js';
import { BIN, ROOT, tempDir, type CliRun } from './cli.js';

export async function sudcheckWith(args: string[], env: Record<string, string> = {}): Promise<CliRun & { ms: number }> {
  const started = performance.now();
  const r = await execa(process.execPath, [BIN, ...args], { reject: false, cwd: ROOT, env, extendEnv: true, stdin: 'ignore' });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), ms: performance.now() - started };
}

/** `sudcheck run --format json` with extra environment; the results and how long the command took. */
export async function runJsonWith(args: string[], env: Record<string, string> = {}): Promise<{ run: CliRun & { ms: number }; results: RunResults }> {
  const run = await sudcheckWith(['run', '--format', 'json', '--quiet', '--out', tempDir(), ...args], env);
  try {
    return { run, results: JSON.parse(run.stdout) as RunResults };
  } catch {
    throw new Error(`sudcheck did not print JSON (exit ${run.exitCode}): ${run.stderr.slice(-3000)}`);
  }
}

export const qemuInstalled = (): boolean => findOnPath('qemu-system-x86_64') !== undefined;

/** A kernel fetched by `sudcheck kernels fetch` (.ci/run fetches 6.1 and 5.10), or undefined. */
export const cachedKernel = (spec: string): string | undefined => findCachedKernel(spec)?.image;

/** id -> status */
export const verdicts = (r: RunResults): Map<string, string> => new Map(r.results.map((c) => [c.id, c.status]));
