// `sudcheck bench`: build the fixture, run perf / the fixture / perf, analyse, write the reports
// atomically under <out>/bench-<timestamp>/ with <out>/latest-bench pointing at it, print the table.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { processIo, type Io } from '../args.js';
import { ensureBuilt } from '../build.js';
import { CliError, EXIT } from '../errors.js';
import { DEFAULT_REPORTS_DIR, fixtureBinary } from '../paths.js';
import { runProcess } from '../targets/local.js';
import { parseFacts } from '../facts.js';
import { TOOL } from '../version.js';
import { checkWritable, newRunId, writeReportDir } from '../write-reports.js';
import { analyse } from './analyse.js';
import {
  cpuCount,
  currentClocksource,
  currentSeccompMode,
  gatherVirtualization,
  kernelInfo,
  loadAverage,
} from './environment.js';
import { BenchFixtureError, runBenchFixture, type FixtureOptions } from './fixture.js';
import { BENCH_PATH_IDS, isBenchPathId, REFERENCE_ID, type BenchPathId } from './paths.js';
import { PERF_TOOL, runPerf, type PerfRun } from './perf.js';
import { renderJunit, renderKtap, renderTap14 } from './render-ci.js';
import { renderMarkdown } from './render-markdown.js';
import { renderSvg } from './render-svg.js';
import type { BenchResults } from './types.js';

export const BENCH_HELP = `Usage: sudcheck bench [options]

Measures what a syscall costs on each interception path (native, SUD armed, SUD dispatch round trip,
seccomp, ptrace, personality switches) with C hot loops timed inside the fixture, interleaved, on one CPU.

Options:
  --quick          a few seconds (CI): short batches, ~1.5 s of measuring; wider margins of error
  --paths a,b,c    only these paths (native is always measured: every ratio is to it). Paths:
                   ${BENCH_PATH_IDS.join(', ')}
  --json           print bench.json on stdout instead of the table
  --out DIR        reports go to DIR/bench-<timestamp>/, DIR/latest-bench points at the newest
                   (default: reports/ in the project)
  --cpu N          pin the measurement to CPU N (default: the highest CPU this process may use)
  -h, --help       this text

Writes bench.json, bench.md (table), bench.svg (chart), bench.tap (TAP14), bench.ktap (KTAP v1) and
bench.junit.xml. Exit codes: 0 measured (noisy or unavailable paths are reported, not failed);
2 bad flags; 3 the fixture broke; 5 a needed tool (gcc, make) is missing. See docs/bench.md.
`;

export interface BenchCliOptions {
  quick: boolean;
  paths: BenchPathId[];
  json: boolean;
  outDir: string;
  cpu: number | null;
  help: boolean;
}

export interface ModeSettings {
  batchNs: number;
  warmupRounds: number;
  maxRounds: number;
  budgetMs: number;
  perfLoops: number;
}

export const MODES: Record<'quick' | 'default', ModeSettings> = {
  // ~2.8 ms per round of 11 batches: ~500 rounds in 1.5 s.
  quick: { batchNs: 250_000, warmupRounds: 5, maxRounds: 100_000, budgetMs: 1_500, perfLoops: 1_000_000 },
  // ~22 ms per round: ~1800 rounds in 40 s; with calibration, warm-up and two perf runs, under a minute.
  default: { batchNs: 2_000_000, warmupRounds: 20, maxRounds: 100_000, budgetMs: 40_000, perfLoops: 5_000_000 },
};

export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

/** Parses and validates the flags; throws BenchUsageError with a message meant for the user. */
export function parseBenchArgs(argv: string[], cpus = cpuCount()): BenchCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        paths: { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
        cpu: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new BenchUsageError((e as Error).message);
  }
  let paths: BenchPathId[] = [...BENCH_PATH_IDS];
  if (values.paths !== undefined) {
    const asked = values.paths.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (asked.length === 0) throw new BenchUsageError('--paths needs at least one path');
    const unknown = asked.filter((p) => !isBenchPathId(p));
    if (unknown.length) throw new BenchUsageError(`unknown path(s) ${unknown.map((u) => `'${u}'`).join(', ')}; paths: ${BENCH_PATH_IDS.join(', ')}`);
    // Canonical order, no repeats, native always in.
    paths = BENCH_PATH_IDS.filter((p) => p === REFERENCE_ID || asked.includes(p));
  }
  let cpu: number | null = null;
  if (values.cpu !== undefined) {
    if (!/^\d+$/.test(values.cpu) || Number(values.cpu) >= cpus)
      throw new BenchUsageError(`--cpu takes a CPU number from 0 to ${cpus - 1}, not '${values.cpu}'`);
    cpu = Number(values.cpu);
  }
  if (values.out !== undefined && values.out.trim() === '') throw new BenchUsageError('--out needs a folder');
  return {
    quick: values.quick === true,
    paths,
    json: values.json === true,
    outDir: values.out ?? DEFAULT_REPORTS_DIR,
    cpu,
    help: values.help === true,
  };
}

/** The CPU the fixture will pin to by default (so that perf runs on the same one). */
async function defaultCpu(): Promise<number | null> {
  const o = await runProcess(fixtureBinary('bench'), ['cpu'], 10_000);
  const cpu = o.exitCode === 0 ? parseFacts(o.stdout).facts['cpu'] : undefined;
  return cpu !== undefined && /^\d+$/.test(cpu) ? Number(cpu) : null;
}

/** Measures and analyses; no files written. `progress` gets one-line updates. */
export async function runBench(o: BenchCliOptions, progress: (line: string) => void = () => {}): Promise<BenchResults> {
  const mode = o.quick ? 'quick' : 'default';
  const settings = MODES[mode];
  const started = new Date();
  const virtualization = await gatherVirtualization();
  const cpu = o.cpu ?? (await defaultCpu());
  const fixture: FixtureOptions = {
    paths: o.paths,
    batchNs: settings.batchNs,
    warmupRounds: settings.warmupRounds,
    maxRounds: settings.maxRounds,
    budgetMs: settings.budgetMs,
    cpu,
  };
  const loadavgBefore = loadAverage();
  const perfRuns: PerfRun[] = [];
  progress(`cross-check: ${PERF_TOOL} (${settings.perfLoops} loops)`);
  perfRuns.push(await runPerf(settings.perfLoops, cpu));
  progress(`measuring ${o.paths.length} paths on CPU ${cpu ?? '?'} for about ${Math.round(settings.budgetMs / 1000)} s`);
  const raw = await runBenchFixture(fixture);
  if (perfRuns[0]?.ok) perfRuns.push(await runPerf(settings.perfLoops, cpu));
  const finished = new Date();
  return analyse({
    raw,
    environment: {
      kernel: kernelInfo(),
      cpus: cpuCount(),
      virtualization,
      clocksource: currentClocksource(),
      seccompMode: currentSeccompMode(),
      loadavgBefore,
      loadavgAfter: loadAverage(),
    },
    perf: { loops: settings.perfLoops, runs: perfRuns },
    run: {
      id: '',
      tool: TOOL,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      mode,
      paths: o.paths,
    },
  });
}

/** Every report file, by name. */
export function renderBenchReports(r: BenchResults): Record<string, string> {
  return {
    'bench.json': `${JSON.stringify(r, null, 2)}\n`,
    'bench.md': renderMarkdown(r),
    'bench.svg': renderSvg(r),
    'bench.tap': renderTap14(r),
    'bench.ktap': renderKtap(r),
    'bench.junit.xml': renderJunit(r),
  };
}

export async function benchCommand(argv: string[], io: Io = processIo): Promise<number> {
  let o: BenchCliOptions;
  try {
    o = parseBenchArgs(argv);
  } catch (e) {
    if (!(e instanceof BenchUsageError)) throw e;
    io.stderr(`sudcheck bench: ${e.message}\nRun 'sudcheck bench --help' for the flags.\n`);
    return EXIT.usage;
  }
  if (o.help) {
    io.stdout(BENCH_HELP);
    return EXIT.ok;
  }
  const progress = (line: string) => io.stderr(`sudcheck bench: ${line}\n`);
  try {
    const outDir = checkWritable(o.outDir);
    try {
      const build = await ensureBuilt(['build/bin/bench']);
      if (!build.ok) {
        if (!existsSync(fixtureBinary('bench'))) throw new CliError(`building the bench fixture failed:\n${build.log}`, EXIT.error);
        progress(`rebuilding the fixture failed, using the existing binary:\n${build.log}`);
      }
    } catch (e) {
      if (!(e instanceof CliError) || e.exitCode !== EXIT.environment || !existsSync(fixtureBinary('bench'))) throw e;
      progress(`${e.message}; using the existing binary`);
    }
    const results = await runBench(o, progress);
    const runId = newRunId(outDir, 'bench', new Date(results.run.startedAt));
    results.run.id = runId;
    const dir = writeReportDir(outDir, runId, renderBenchReports(results), 'latest-bench');
    if (o.json) io.stdout(`${JSON.stringify(results, null, 2)}\n`);
    else io.stdout(`${renderMarkdown(results, { details: false })}\nReports: ${dir} (bench.md explains each path)\n`);
    progress(`reports in ${dir}`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`sudcheck bench: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof BenchFixtureError) {
      io.stderr(`sudcheck bench: ${e.message}\n`);
      return EXIT.error;
    }
    throw e;
  }
}
