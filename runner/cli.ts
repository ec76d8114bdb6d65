// The `sudcheck` command line: run (default), list, bench, help.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { pathToFileURL } from 'node:url';
import { allScenarios } from '../suites/index.js';
import { ensureBuilt } from './build.js';
import { coverage, loadItemTitles, renderCoverageMarkdown, renderCoverageText } from './coverage.js';
import { CliError, EXIT, usageError } from './errors.js';
import { ExpectationsError, parseExpectations } from './expectations.js';
import { matchesAny } from './glob.js';
import { ROOT, DEFAULT_REPORTS_DIR } from './paths.js';
import { ProbeError } from './probes.js';
import { FORMATS, REPORT_FILES, render, type Format } from './report/index.js';
import { progressLine } from './report/summary.js';
import { runSuite } from './run.js';
import { exitCodeFor } from './summary-counts.js';
import { LocalTarget } from './targets/local.js';
import type { KnownDeviation, RunResults, Scenario } from './types.js';
import { checkWritable, newRunId, writeReportDir } from './write-reports.js';

export const VERSION: string = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')).version;

const HELP = `sudcheck ${VERSION}: conformance suite for Linux Syscall User Dispatch

Usage:
  sudcheck [run] [ID-OR-GLOB...] [options]   run scenarios on the running kernel (default)
  sudcheck list [ID-OR-GLOB...] [--json]     list scenarios with their behaviour items and requirements
  sudcheck list --coverage [--json|--markdown]  behaviour items 1-34 and the scenarios that check each
  sudcheck bench [options]                   microbenchmarks (see sudcheck bench --help)
  sudcheck help                              this text

Run options:
  --filter GLOB          only scenarios whose id matches (repeatable; * and ? wildcards)
  --format FMT           what goes to stdout: summary (default), tap, ktap, junit, json
  --out DIR              where reports are written (default: reports/ in the project);
                         each run gets DIR/<run-id>/ and DIR/latest points at the newest
  --jobs N               scenarios run in parallel (default: number of CPUs, here ${cpus().length})
  --timeout SECONDS      per-scenario timeout; the fixture's process group is killed (default 10)
  --expectations FILE    known deviations: FAIL becomes XFAIL, PASS becomes XPASS (docs/expectations.md)
  --skip-exit-code N     exit code when every scenario was skipped (default 0; kselftest 4, autopkgtest 77)
  --repeat N             run each scenario N times and flag any whose verdict changes (default 1)
  --quiet                no progress lines on stderr

Exit codes: 0 nothing failed or errored; 1 a scenario FAILed or XPASSed; 2 usage error;
            3 a scenario ERRORed or the harness broke; 5 a needed tool is missing.
`;

const RUN_OPTIONS = {
  filter: { type: 'string', multiple: true },
  format: { type: 'string' },
  out: { type: 'string' },
  jobs: { type: 'string' },
  timeout: { type: 'string' },
  expectations: { type: 'string' },
  'skip-exit-code': { type: 'string' },
  repeat: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const LIST_OPTIONS = {
  filter: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  coverage: { type: 'boolean' },
  markdown: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const processIo: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, command: string) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw usageError(`sudcheck ${command}: ${(e as Error).message}. See 'sudcheck help'.`);
  }
}

function intOption(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw usageError(`--${name} takes a whole number from ${min} to ${max}, not '${value}'`);
  return Number(value);
}

/** Selects scenarios by ids or globs; a pattern that matches nothing is a usage error (a typo must not pass). */
export function selectScenarios(all: readonly Scenario[], patterns: string[]): Scenario[] {
  if (patterns.length === 0) return [...all];
  for (const p of patterns)
    if (!all.some((s) => matchesAny(s.id, [p])))
      throw usageError(`no scenario matches '${p}'. 'sudcheck list' shows every scenario id.`);
  return all.filter((s) => matchesAny(s.id, patterns));
}

function loadDeviations(file: string | undefined): KnownDeviation[] {
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

async function runCommand(args: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parse(args, RUN_OPTIONS, 'run');
  if (v.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const format = (v.format ?? 'summary') as Format;
  if (!(FORMATS as readonly string[]).includes(format))
    throw usageError(`--format must be one of ${FORMATS.join(', ')}, not '${v.format}'`);
  const jobs = intOption(v.jobs, 'jobs', cpus().length, 1, 256);
  const timeoutS = v.timeout === undefined ? 10 : Number(v.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > 3600)
    throw usageError(`--timeout takes seconds, a number above 0 and at most 3600, not '${v.timeout}'`);
  const skipExitCode = intOption(v['skip-exit-code'], 'skip-exit-code', 0, 0, 255);
  const repeat = intOption(v.repeat, 'repeat', 1, 1, 1000);
  const patterns = [...(v.filter ?? []), ...positionals];
  const scenarios = selectScenarios(allScenarios, patterns);
  const deviations = loadDeviations(v.expectations);
  const outDir = checkWritable(v.out ?? DEFAULT_REPORTS_DIR);

  const build = await ensureBuilt(['fixtures']);
  if (!build.ok) io.stderr(`sudcheck: some fixtures failed to build; their scenarios will be ERROR:\n${build.log}\n`);

  const runId = newRunId(outDir, 'run');
  let results: RunResults;
  try {
    results = await runSuite(new LocalTarget(), scenarios, {
      jobs,
      timeoutMs: Math.round(timeoutS * 1000),
      repeat,
      deviations,
      filter: patterns,
      ...(v.expectations ? { expectationsFile: v.expectations } : {}),
      runId,
      tool: `sudcheck ${VERSION}`,
      onResult: v.quiet ? undefined : (r, done, total) => io.stderr(progressLine(r, done, total) + '\n'),
    });
  } catch (e) {
    if (e instanceof ProbeError) throw new CliError(`sudcheck: ${e.message}`, EXIT.error);
    throw e;
  }

  const rendered = Object.fromEntries(FORMATS.map((f) => [f, render(f, results)])) as Record<Format, string>;
  const files = Object.fromEntries(FORMATS.map((f) => [REPORT_FILES[f], rendered[f]]));
  const dir = writeReportDir(outDir, runId, files);
  io.stdout(rendered[format]);
  io.stderr(`sudcheck: reports written to ${dir}\n`);
  return exitCodeFor(results.summary, skipExitCode);
}

function listCommand(args: string[], io: Io): number {
  const { values: v, positionals } = parse(args, LIST_OPTIONS, 'list');
  if (v.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const scenarios = selectScenarios(allScenarios, [...(v.filter ?? []), ...positionals]);
  if (v.coverage) {
    const rows = coverage(scenarios, loadItemTitles());
    io.stdout(v.json ? JSON.stringify(rows, null, 2) + '\n' : v.markdown ? renderCoverageMarkdown(rows) : renderCoverageText(rows));
    return EXIT.ok;
  }
  if (v.json) {
    io.stdout(JSON.stringify(scenarios, null, 2) + '\n');
    return EXIT.ok;
  }
  const width = Math.max(...scenarios.map((s) => s.id.length));
  for (const s of scenarios)
    io.stdout(`${s.id.padEnd(width)}  [${s.refs.join(',')}] requires ${s.requires.join(',') || '-'}\n${' '.repeat(width)}  ${s.title}\n`);
  io.stdout(`${scenarios.length} scenarios\n`);
  return EXIT.ok;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [first, ...rest] = argv;
  try {
    switch (first) {
      case undefined:
        return await runCommand([], io);
      case 'run':
        return await runCommand(rest, io);
      case 'list':
        return listCommand(rest, io);
      case 'bench': {
        const { benchCommand } = await import('./bench/command.js');
        return await benchCommand(rest);
      }
      case 'help':
      case '--help':
      case '-h':
        io.stdout(HELP);
        return EXIT.ok;
      case '--version':
        io.stdout(`${VERSION}\n`);
        return EXIT.ok;
      default:
        if (first.startsWith('-')) return await runCommand(argv, io);
        if (allScenarios.some((s) => matchesAny(s.id, [first]))) return await runCommand(argv, io);
        throw usageError(`unknown command or scenario '${first}'. Commands: run, list, bench, help; 'sudcheck list' shows scenario ids.`);
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`${e.message.startsWith('sudcheck') ? '' : 'sudcheck: '}${e.message}\n`);
      return e.exitCode;
    }
    io.stderr(`sudcheck: internal error: ${(e as Error).stack ?? e}\n`);
    return EXIT.error;
  }
}

// Run when executed directly (node --import tsx runner/cli.ts ...); bin/sudcheck.js calls main() itself.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
