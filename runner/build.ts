// Builds the fixtures with make before a run (make is incremental: fresh binaries cost nothing).
import { execa } from 'execa';
import { environmentError } from './errors.js';
import { ROOT } from './paths.js';

export interface BuildOutcome {
  ok: boolean;
  /** Compiler output when something failed to build; scenarios whose binary is missing become ERROR. */
  log: string;
}

async function onPath(cmd: string): Promise<boolean> {
  const r = await execa('/bin/sh', ['-c', 'command -v "$1"', 'sh', cmd], { reject: false });
  return r.exitCode === 0;
}

/** Checks the tools first so that a machine without them gets one clear sentence, not a make trace. */
export async function ensureBuilt(targets: string[] = ['fixtures']): Promise<BuildOutcome> {
  const cc = process.env['CC'] ?? 'gcc';
  const missing = [];
  if (!(await onPath('make'))) missing.push('make');
  if (!(await onPath(cc))) missing.push(cc);
  if (missing.length)
    throw environmentError(
      `sudcheck needs ${missing.join(' and ')} to build its C fixtures: install them (Debian/Ubuntu: apt-get install build-essential; Fedora: dnf install gcc make)`,
    );
  // -k: build every fixture that can be built; a broken one only turns its own scenarios into ERROR.
  const r = await execa('make', ['-s', '-k', '-C', ROOT, ...targets], { reject: false, all: true });
  return { ok: r.exitCode === 0, log: r.exitCode === 0 ? '' : String(r.all ?? '') };
}
