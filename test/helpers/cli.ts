// Runs the compiled sudcheck command (npm test compiles it first) and parses what it printed.
import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResults, Scenario } from '../../runner/types.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'sudcheck.js');
export const LIAR = join(ROOT, 'build', 'test', 'liar');

export const tempDir = (prefix = 'sudcheck-test-') => mkdtempSync(join(tmpdir(), prefix));

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `sudcheck ARGS`, optionally under a command prefix (the liar). */
export async function sudcheck(args: string[], opts: { prefix?: string[]; env?: Record<string, string> } = {}): Promise<CliRun> {
  const argv = [...(opts.prefix ?? []), process.execPath, BIN, ...args];
  const r = await execa(argv[0] as string, argv.slice(1), {
    reject: false,
    cwd: ROOT,
    env: opts.env ?? {},
    extendEnv: opts.env === undefined,
    stdin: 'ignore',
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export async function runJson(args: string[], prefix?: string[]): Promise<{ run: CliRun; results: RunResults }> {
  const run = await sudcheck(['run', '--format', 'json', '--quiet', '--out', tempDir(), ...args], prefix ? { prefix } : {});
  let results: RunResults;
  try {
    results = JSON.parse(run.stdout);
  } catch {
    throw new Error(`sudcheck did not print JSON (exit ${run.exitCode}): ${run.stderr}`);
  }
  return { run, results };
}

export async function listScenarios(): Promise<Scenario[]> {
  const r = await sudcheck(['list', '--json']);
  return JSON.parse(r.stdout);
}
