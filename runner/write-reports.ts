// Writes a run's reports atomically: everything goes into a hidden staging folder that is renamed
// into place only when complete, then the `latest` link is swapped atomically. A failure leaves no
// half-written report behind.
import { accessSync, constants, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { usageError } from './errors.js';

/** Fails early (before any scenario runs) when the reports folder cannot be written. */
export function checkWritable(outDir: string): string {
  const dir = resolve(outDir);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    const probe = join(dir, `.sudcheck-write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    throw usageError(`cannot write reports to '${outDir}': ${(e as Error).message}; choose another folder with --out`);
  }
  return dir;
}

/** A run id that sorts by time and is unique within the folder. */
export function newRunId(outDir: string, prefix: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  let id = `${prefix}-${stamp}`;
  for (let n = 2; existsSync(join(outDir, id)); n++) id = `${prefix}-${stamp}-${n}`;
  return id;
}

/** Writes files (name -> content) as outDir/runId, and points outDir/<latestName> at it. Returns the folder. */
export function writeReportDir(outDir: string, runId: string, files: Record<string, string>, latestName = 'latest'): string {
  const staging = join(outDir, `.staging-${runId}-${process.pid}`);
  const final = join(outDir, runId);
  try {
    mkdirSync(staging, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(staging, name), content);
    renameSync(staging, final);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  const link = join(outDir, `.${latestName}-${process.pid}`);
  rmSync(link, { force: true });
  symlinkSync(runId, link);
  renameSync(link, join(outDir, latestName));
  return final;
}
