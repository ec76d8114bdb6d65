// Shared pieces of command-line parsing: strict flags, numeric options, scenario selection.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './errors.js';
import { ExpectationsError, parseExpectations } from './expectations.js';
import { matchesAny } from './glob.js';
import type { KnownDeviation, Scenario } from './types.js';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const processIo: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, command: string) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw usageError(`sudcheck ${command}: ${(e as Error).message}. See 'sudcheck help'.`);
  }
}

export function intOption(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw usageError(`--${name} takes a whole number from ${min} to ${max}, not '${value}'`);
  return Number(value);
}

export function secondsOption(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw usageError(`--${name} takes seconds, a number above 0 and at most ${max}, not '${value}'`);
  return n;
}

/** Selects scenarios by ids or globs; a pattern that matches nothing is a usage error (a typo must not pass). */
export function selectScenarios(all: readonly Scenario[], patterns: string[], excludes: string[] = []): Scenario[] {
  for (const p of [...patterns, ...excludes])
    if (!all.some((s) => matchesAny(s.id, [p])))
      throw usageError(`no scenario matches '${p}'. 'sudcheck list' shows every scenario id.`);
  const chosen = all.filter((s) => (patterns.length === 0 || matchesAny(s.id, patterns)) && !matchesAny(s.id, excludes));
  if (chosen.length === 0) throw usageError('the filters leave no scenario to run');
  return chosen;
}

export function loadDeviations(file: string | undefined): KnownDeviation[] {
  if (!file) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw usageError(`cannot read expectations file '${file}': ${(e as Error).message}`);
  }
  try {
    return parseExpectations(text, file);
  } catch (e) {
    if (e instanceof ExpectationsError) throw usageError(e.message);
    throw e;
  }
}
