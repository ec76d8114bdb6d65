// `sudcheck run`: on the running kernel, or with --kernel on a kernel image booted in QEMU.
import { existsSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { allScenarios } from '../../suites/index.js';
import { intOption, loadDeviations, parse, secondsOption, selectScenarios, type Io } from '../args.js';
import { ensureBuilt } from '../build.js';
import { CliError, EXIT, environmentError, usageError } from '../errors.js';
import { DEFAULT_REPORTS_DIR } from '../paths.js';
import { findCachedKernel } from '../qemu/debian.js';
import { ProbeError } from '../probes.js';
import { FORMATS, REPORT_FILES, render, type Format } from '../report/index.js';
import { progressLine } from '../report/summary.js';
import { runSuite, type RunOptions } from '../run.js';
import { exitCodeFor } from '../summary-counts.js';
import { LocalTarget } from '../targets/local.js';
import type { QemuOptions } from '../targets/qemu-options.js';
import type { CaseResult, KnownDeviation, RunResults, Scenario, Target } from '../types.js';
import { TOOL } from '../version.js';
import { checkWritable, newRunId, writeReportDir } from '../write-reports.js';

export const RUN_OPTIONS = {
  filter: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  format: { type: 'string' },
  out: { type: 'string' },
  jobs: { type: 'string' },
  timeout: { type: 'string' },
  expectations: { type: 'string' },
  'skip-exit-code': { type: 'string' },
  repeat: { type: 'string' },
  quiet: { type: 'boolean' },
  kernel: { type: 'string', multiple: true },
  'qemu-arg': { type: 'string', multiple: true },
  memory: { type: 'string' },
  'boot-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface RunCliOptions {
  format: Format;
  jobs: number;
  timeoutMs: number;
  skipExitCode: number;
  repeat: number;
  patterns: string[];
  scenarios: Scenario[];
  deviations: KnownDeviation[];
  expectationsFile?: string;
  outDir: string;
  quiet: boolean;
  /** Kernel images to boot in QEMU (run takes one, matrix several); empty: the running kernel. */
  kernels: string[];
  qemu: Omit<QemuOptions, 'kernel'>;
  help: boolean;
}

/** A path to an image, or a version cached by `sudcheck kernels fetch` (`--kernel 6.1`). */
function checkKernelImage(path: string): string {
  const abs = resolve(path);
  if (existsSync(abs) && statSync(abs).isFile()) return abs;
  const cached = existsSync(abs) ? undefined : findCachedKernel(path);
  if (cached) return cached.image;
  throw environmentError(
    `kernel image '${path}' not found: give the path of a bzImage/vmlinuz, or a version fetched with 'sudcheck kernels fetch VERSION'`,
  );
}

/** Parses and checks every run option before anything runs or is written. */
export function parseRunOptions(args: string[], command = 'run'): RunCliOptions {
  const { values: v, positionals } = parse(args, RUN_OPTIONS, command);
  const format = (v.format ?? 'summary') as Format;
  if (!(FORMATS as readonly string[]).includes(format))
    throw usageError(`--format must be one of ${FORMATS.join(', ')}, not '${v.format}'`);
  const patterns = [...(v.filter ?? []), ...positionals];
  const opts: RunCliOptions = {
    format,
    jobs: intOption(v.jobs, 'jobs', cpus().length, 1, 256),
    timeoutMs: Math.round(secondsOption(v.timeout, 'timeout', 10, 3600) * 1000),
    skipExitCode: intOption(v['skip-exit-code'], 'skip-exit-code', 0, 0, 255),
    repeat: intOption(v.repeat, 'repeat', 1, 1, 1000),
    patterns,
    scenarios: selectScenarios(allScenarios, patterns, v.exclude ?? []),
    deviations: loadDeviations(v.expectations),
    outDir: '',
    quiet: v.quiet ?? false,
    kernels: [],
    qemu: {
      qemuArgs: v['qemu-arg'] ?? [],
      memoryMb: intOption(v.memory, 'memory', 1024, 128, 65536),
      bootTimeoutS: secondsOption(v['boot-timeout'], 'boot-timeout', 60, 3600),
    },
    help: v.help ?? false,
  };
  if (v.expectations) opts.expectationsFile = v.expectations;
  if (opts.help) return opts;
  opts.kernels = (v.kernel ?? []).map(checkKernelImage);
  opts.outDir = checkWritable(v.out ?? DEFAULT_REPORTS_DIR);
  return opts;
}

export async function makeTarget(kernel: string | undefined, opts: RunCliOptions): Promise<Target> {
  if (!kernel) return new LocalTarget();
  const { QemuTarget } = await import('../targets/qemu.js');
  return new QemuTarget({ kernel, ...opts.qemu });
}

/** Progress on stderr as scenarios finish. In a log (not a terminal) every result gets its line; on a
 * terminal one line is rewritten in place and only what needs attention (FAIL, ERROR, XPASS) stays. */
export function progressReporter(io: Io, tty = Boolean(process.stderr.isTTY)): (r: CaseResult, done: number, total: number) => void {
  if (!tty) return (r, done, total) => io.stderr(progressLine(r, done, total) + '\n');
  return (r, done, total) => {
    const line = progressLine(r, done, total);
    const keep = r.status === 'FAIL' || r.status === 'ERROR' || r.status === 'XPASS';
    const width = process.stderr.columns || 100;
    io.stderr(`\r\x1b[K${keep ? `${line}\n` : line.slice(0, width - 1)}${done === total && !keep ? '\n' : ''}`);
  };
}

/** Runs one target and writes its reports; returns the results and the report folder. */
export async function executeRun(
  target: Target,
  opts: RunCliOptions,
  io: Io,
  runId: string,
  extra: Partial<RunOptions> = {},
): Promise<{ results: RunResults; dir: string }> {
  let results: RunResults;
  try {
    results = await runSuite(target, opts.scenarios, {
      jobs: opts.jobs,
      timeoutMs: opts.timeoutMs,
      repeat: opts.repeat,
      deviations: opts.deviations,
      filter: opts.patterns,
      ...(opts.expectationsFile ? { expectationsFile: opts.expectationsFile } : {}),
      runId,
      tool: TOOL,
      onResult: opts.quiet ? undefined : progressReporter(io),
      ...extra,
    });
  } catch (e) {
    if (e instanceof ProbeError) throw new CliError(`sudcheck: ${e.message}`, EXIT.error);
    throw e;
  } finally {
    await target.close?.();
  }
  const files = Object.fromEntries(FORMATS.map((f) => [REPORT_FILES[f], render(f, results)]));
  const dir = writeReportDir(opts.outDir, runId, files);
  return { results, dir };
}

export async function buildFor(kernels: string[], io: Io): Promise<void> {
  const build = await ensureBuilt(kernels.length ? ['static', 'agent'] : ['fixtures']);
  if (!build.ok) io.stderr(`sudcheck: some fixtures failed to build; their scenarios will be ERROR:\n${build.log}\n`);
}

export async function runCommand(args: string[], io: Io, help: string): Promise<number> {
  const opts = parseRunOptions(args);
  if (opts.help) {
    io.stdout(help);
    return EXIT.ok;
  }
  if (opts.kernels.length > 1) throw usageError(`run takes one --kernel; use 'sudcheck matrix --kernel A --kernel B ...' for several`);
  await buildFor(opts.kernels, io);
  const target = await makeTarget(opts.kernels[0], opts);
  const { results, dir } = await executeRun(target, opts, io, newRunId(opts.outDir, 'run'));
  io.stdout(render(opts.format, results));
  io.stderr(`sudcheck: reports written to ${dir}\n`);
  return exitCodeFor(results.summary, opts.skipExitCode);
}
