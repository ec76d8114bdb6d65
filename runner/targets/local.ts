// The local target: runs fixtures on the running kernel, each in its own process group,
// killed as a group on timeout and swept after it ends, so nothing is left behind.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { fixtureBinary } from '../paths.js';
import { parseProbeOutput, ProbeError } from '../probes.js';
import type { Observation, Preparation, Scenario, Target } from '../types.js';

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone
  }
}

export async function runProcess(file: string, args: string[], timeoutMs: number): Promise<Observation> {
  const started = performance.now();
  if (!existsSync(file))
    return { exitCode: null, signal: null, timedOut: false, spawnError: `${file} does not exist (did the build fail?)`, stdout: '', stderr: '', durationMs: 0 };
  // detached: the child gets its own session and process group, so the whole group can be killed.
  const child = execa(file, args, {
    detached: true,
    reject: false,
    stdin: 'ignore',
    env: { LC_ALL: 'C' },
    extendEnv: true,
    stripFinalNewline: false,
    maxBuffer: 16 * 1024 * 1024,
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, timeoutMs);
  // When the fixture itself ends, whatever it forked and did not reap goes too (and releases stdout,
  // which execa waits for).
  child.once('exit', () => killGroup(child.pid));
  const r = await child;
  clearTimeout(timer);
  const spawnError = r.failed && r.exitCode === undefined && !r.signal && !timedOut ? r.shortMessage : undefined;
  return {
    exitCode: r.exitCode ?? null,
    signal: r.signal ?? null,
    timedOut,
    ...(spawnError ? { spawnError } : {}),
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    durationMs: performance.now() - started,
  };
}

export class LocalTarget implements Target {
  readonly kind = 'local' as const;
  async prepare(): Promise<Preparation> {
    const o = await runProcess(fixtureBinary('probe'), ['all'], 30_000);
    if (o.spawnError || o.timedOut || o.signal || o.exitCode !== 0)
      throw new ProbeError(
        `the feature probe failed (${o.spawnError ?? (o.timedOut ? 'timeout' : o.signal ?? `exit ${o.exitCode}`)}): ${o.stderr.trim()}`,
      );
    return { ok: true, ...parseProbeOutput(o.stdout) };
  }

  run(scenario: Scenario, timeoutMs: number): Promise<Observation> {
    return runProcess(fixtureBinary(scenario.run.fixture), scenario.run.args, timeoutMs);
  }
}
