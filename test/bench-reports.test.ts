// The bench's pure parts on synthetic data: fixture output parsing, analysis (baseline, ratios, noise,
// emulation, cross-check), and every renderer checked with a real parser (tap-parser, fast-xml-parser).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import t from 'tap';
import { Parser, type FinalResults, type Result } from 'tap-parser';
import { analyse, RME_LIMIT, type AnalyseInput } from '../runner/bench/analyse.js';
import { parseBenchArgs } from '../runner/bench/command.js';
import { classifyVirtualization, parseSeccompMode } from '../runner/bench/environment.js';
import { fixtureArgs, parseBenchOutput, type RawBench } from '../runner/bench/fixture.js';
import { BENCH_PATH_IDS, type BenchPathId } from '../runner/bench/paths.js';
import { parsePerfOutput } from '../runner/bench/perf.js';
import { renderJunit, renderKtap, renderTap14 } from '../runner/bench/render-ci.js';
import { mdCell, renderMarkdown } from '../runner/bench/render-markdown.js';
import { logTicks, niceBound, renderSvg } from '../runner/bench/render-svg.js';
import type { BenchResults, MeasuredPath, Virtualization } from '../runner/bench/types.js';

// ------------------------------------------------------------------------------------------ fixtures

/** Deterministic pseudo-random batches around `center` with a relative spread. */
function batches(center: number, spread: number, n: number, seed: number): number[] {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () => Math.round(center * (1 + spread * (rnd() - 0.5)) * 1000) / 1000);
}

const NASTY = 'ptrace refused # not ok 1 <b>&amp;</b> "q" \'a\' | pipe\nsecond line \u0007';

const CENTERS: Record<BenchPathId, number> = {
  native: 180,
  'native-enosys': 115,
  'armed-inside': 215,
  'armed-allow': 250,
  'seccomp-allow': 250,
  'switch-flip': 250,
  'switch-prctl': 700,
  'sud-sigsys': 2300,
  'sud-sigsys-restorer': 2250,
  'seccomp-trap': 2300,
  'ptrace-sysemu': 10000,
};

function rawBench(n = 200, noisy: BenchPathId[] = ['seccomp-trap'], unavailable: BenchPathId[] = ['ptrace-sysemu']): RawBench {
  const raw: RawBench = {
    cpu: 1,
    pinned: true,
    warmupRounds: 5,
    measuredRounds: n,
    batchNs: 250000,
    elapsedNs: 1e9,
    baseline: { iters: 300000, samples: batches(1.4, 0.02, n, 7), preempted: 0 },
    measured: {},
    unavailable: {},
  };
  BENCH_PATH_IDS.forEach((id, i) => {
    if (unavailable.includes(id)) raw.unavailable[id] = NASTY;
    else
      raw.measured[id] = {
        iters: Math.round(250000 / CENTERS[id]),
        samples: batches(CENTERS[id] + 1.4, noisy.includes(id) ? 3 : 0.05, n, 11 + i),
        preempted: noisy.includes(id) ? 7 : 0,
      };
  });
  return raw;
}

const KVM: Virtualization = { vm: true, kind: 'kvm', emulated: false, container: null, cpuModel: 'AMD EPYC', evidence: [] };
const TCG: Virtualization = { vm: true, kind: 'qemu', emulated: true, container: null, cpuModel: 'QEMU Virtual CPU version 2.5+', evidence: ['systemd-detect-virt --vm: qemu'] };

function input(raw: RawBench, virtualization = KVM, perf: AnalyseInput['perf']['runs'] = [{ ok: true, nsPerCall: 172 }, { ok: true, nsPerCall: 176 }]): AnalyseInput {
  return {
    raw,
    environment: {
      kernel: { release: '6.18.0-test', version: '#1 SMP PREEMPT_DYNAMIC', machine: 'x86_64' },
      cpus: 2,
      virtualization,
      clocksource: 'tsc',
      seccompMode: 0,
      loadavgBefore: 0.2,
      loadavgAfter: 0.3,
    },
    perf: { loops: 1000000, runs: perf },
    run: {
      id: 'bench-2026-01-01T00-00-00Z',
      tool: 'sudcheck test',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:03.000Z',
      durationMs: 3000,
      mode: 'quick',
      paths: [...BENCH_PATH_IDS],
    },
  };
}

const results = analyse(input(rawBench()));
const measured = (r: BenchResults) => r.paths.filter((p): p is MeasuredPath => p.status === 'measured');

// ------------------------------------------------------------------------------------------ parsing

t.test('fixture output: parsed into raw batches, malformed output refused', async (t) => {
  const out = [
    'cpu=1',
    'cpu.pinned=1',
    'ppid=42',
    'rounds.warmup=2',
    'rounds.measured=3',
    'batch_ns=250000',
    'elapsed_ns=123456',
    'iters.baseline=1000',
    'preempted.baseline=0',
    'samples.baseline=1.400,1.350,1.420',
    'iters.native=500',
    'preempted.native=1',
    'samples.native=180.100,181.000,179.900',
    'unavailable.ptrace-sysemu=PTRACE_TRACEME refused (EPERM)',
    '',
  ].join('\n');
  const raw = parseBenchOutput(out, ['native', 'ptrace-sysemu']);
  t.same(raw.measured.native, { iters: 500, samples: [180.1, 181, 179.9], preempted: 1 });
  t.equal(raw.unavailable['ptrace-sysemu'], 'PTRACE_TRACEME refused (EPERM)');
  t.same(raw.baseline.samples, [1.4, 1.35, 1.42]);
  t.equal(raw.pinned, true);
  t.throws(() => parseBenchOutput(out, ['native', 'sud-sigsys']), { name: 'BenchFixtureError' }, 'a requested path missing');
  t.throws(() => parseBenchOutput(out.replace('181.000,', ''), ['native']), { name: 'BenchFixtureError' }, 'fewer figures than rounds');
  t.throws(() => parseBenchOutput(out.replace('181.000', 'abc'), ['native']), { name: 'BenchFixtureError' }, 'a malformed figure');
  t.throws(() => parseBenchOutput(out.replace('cpu=1\n', 'garbage\n'), ['native']), { name: 'BenchFixtureError' }, 'protocol violation');
  t.throws(() => parseBenchOutput(`${out}samples.bogus=1.0,2.0,3.0\n`, ['native']), { name: 'BenchFixtureError' }, 'unknown path');
  t.same(fixtureArgs({ paths: ['native', 'sud-sigsys'], batchNs: 250000, warmupRounds: 5, maxRounds: 10, budgetMs: 1500, cpu: null }), [
    'run',
    'paths=native,sud-sigsys',
    'batch_ns=250000',
    'warmup=5',
    'rounds=10',
    'budget_ms=1500',
  ]);
});

t.test('perf output, seccomp status and virtualization', async (t) => {
  t.equal(parsePerfOutput('# Running\n     Total time: 1.653 [sec]\n\n       0.165338 usecs/op\n        6048201 ops/sec\n'), 165.338);
  t.equal(parsePerfOutput('no figure here'), null);
  t.equal(parseSeccompMode('Name:\tx\nSeccomp:\t2\nSeccomp_filters:\t1\n'), 2);
  t.equal(parseSeccompMode('Name:\tx\n'), null);

  const kvm = classifyVirtualization({ cpuinfo: 'model name\t: AMD EPYC\nflags\t\t: fpu hypervisor lm\n', detectVirtVm: 'kvm', detectVirtContainer: 'docker' });
  t.match(kvm, { vm: true, kind: 'kvm', emulated: false, container: 'docker' });
  const tcg = classifyVirtualization({ cpuinfo: 'model name\t: QEMU Virtual CPU version 2.5+\nflags\t\t: fpu hypervisor\n', detectVirtVm: 'qemu', detectVirtContainer: 'none' });
  t.match(tcg, { vm: true, emulated: true, container: null });
  const guess = classifyVirtualization({ cpuinfo: 'model name\t: QEMU Virtual CPU version 2.5+\nflags\t\t: fpu hypervisor\n', detectVirtVm: null, detectVirtContainer: null });
  t.equal(guess.emulated, true, 'a QEMU model name without systemd-detect-virt: assume emulation');
  const metal = classifyVirtualization({ cpuinfo: 'model name\t: Intel Core\nflags\t\t: fpu lm\n', detectVirtVm: 'none', detectVirtContainer: 'none' });
  t.match(metal, { vm: false, kind: null, emulated: false });
});

t.test('flags: strict, validated, native always measured', async (t) => {
  const d = parseBenchArgs([], 2);
  t.same(d.paths, [...BENCH_PATH_IDS]);
  t.equal(d.quick, false);
  t.equal(d.cpu, null);
  const o = parseBenchArgs(['--quick', '--paths', 'sud-sigsys,armed-allow,sud-sigsys', '--json', '--out', '/tmp/x', '--cpu', '1'], 2);
  t.same(o.paths, ['native', 'armed-allow', 'sud-sigsys'], 'canonical order, no repeats, native added');
  t.match(o, { quick: true, json: true, outDir: '/tmp/x', cpu: 1 });
  for (const bad of [['--bogus'], ['--paths', 'nope'], ['--paths', ','], ['--cpu', '2'], ['--cpu', '-1'], ['--cpu', 'x'], ['positional'], ['--quick=yes'], ['--out', '']])
    t.throws(() => parseBenchArgs(bad, 2), { name: 'BenchUsageError' }, bad.join(' '));
});

// ------------------------------------------------------------------------------------------ analysis

t.test('analysis: every figure has its spread and sample count', async (t) => {
  t.equal(results.schema, 'sudcheck-bench/1');
  t.equal(results.paths.length, BENCH_PATH_IDS.length);
  for (const p of measured(results)) {
    const s = p.nsPerCall;
    t.equal(s.samples, 200, `${p.id}: sample count`);
    t.equal(p.batches.length, 200, `${p.id}: batches kept`);
    for (const k of ['mean', 'median', 'p99', 'moe', 'rme', 'sd'] as const) t.ok(Number.isFinite(s[k]), `${p.id}: ${k} is a number`);
    t.ok(Number.isFinite(p.ratioToNative.value) && Number.isFinite(p.ratioToNative.rme), `${p.id}: ratio with its uncertainty`);
  }
  const native = measured(results).find((p) => p.id === 'native');
  t.ok(native && Math.abs(native.nsPerCall.median - 180) < 5, 'the baseline (1.4 ns) is subtracted');
  t.equal(native?.ratioToNative.value, 1);
});

t.test('analysis: noisy, unavailable and representative are said out loud', async (t) => {
  const trap = measured(results).find((p) => p.id === 'seccomp-trap');
  t.ok(trap?.noisy, `rme ${trap?.nsPerCall.rme} above ${RME_LIMIT}%`);
  t.match(trap?.noisyWhy, /7 of 200 batches were preempted/);
  t.equal(measured(results).filter((p) => p.noisy).length, 1, 'only the noisy path is marked');
  t.equal(results.representative, false);
  t.ok(results.notes.some((n) => n.startsWith('NOT REPRESENTATIVE') && n.includes('seccomp-trap')));
  t.ok(results.notes.some((n) => n.startsWith('UNAVAILABLE: ptrace-sysemu')));

  const quiet = analyse(input(rawBench(200, [])));
  t.equal(quiet.representative, true);
  t.ok(quiet.notes.some((n) => n.includes(`margin of error of ${RME_LIMIT}% or less`)));

  const emulated = analyse(input(rawBench(200, []), TCG));
  t.equal(emulated.representative, false, 'never representative under TCG');
  t.ok(emulated.notes[0]?.startsWith('NOT REPRESENTATIVE: the CPU is emulated'));
});

t.test('analysis: perf cross-check is reported, not asserted', async (t) => {
  const c = results.crossCheck;
  t.equal(c.status, 'measured');
  t.equal(c.nsPerCall, 174);
  t.ok(c.differencePct !== undefined && Math.abs(c.differencePct - ((c.nativeMedian! - 174) / 174) * 100) < 0.01);
  t.equal(c.agrees, true);
  const far = analyse(input(rawBench(), KVM, [{ ok: true, nsPerCall: 100 }]));
  t.equal(far.crossCheck.agrees, false);
  t.ok(far.notes.some((n) => n.includes('NOT within 10%')));
  const none = analyse(input(rawBench(), KVM, [{ ok: false, reason: 'perf is not installed' }]));
  t.match(none.crossCheck, { status: 'unavailable', reason: 'perf is not installed' });
});

// ------------------------------------------------------------------------------------------ renderers

function parseTap(text: string): Promise<{ final: FinalResults; asserts: Result[]; extra: string[] }> {
  return new Promise((resolve) => {
    const asserts: Result[] = [];
    const extra: string[] = [];
    const p = new Parser((final) => resolve({ final, asserts, extra }));
    p.on('assert', (a: Result) => asserts.push(a));
    p.on('extra', (e: string) => extra.push(e));
    p.end(text);
  });
}

t.test('TAP14: valid, one ok per path, figures in YAML, unavailable as SKIP', async (t) => {
  const text = renderTap14(results);
  t.equal(text.split('\n')[0], 'TAP version 14');
  const { final, asserts, extra } = await parseTap(text);
  t.same(extra, [], 'nothing the parser does not understand');
  t.equal(final.ok, true);
  t.equal(final.count, results.paths.length);
  t.equal(final.skip, 1);
  t.equal(final.failures.length, 0);
  const native = asserts.find((a) => a.name === 'bench.native');
  t.ok(native, 'named bench.<path>');
  t.match(native?.diag, { 'ns_per_call.median': Number, samples: 200, 'ns_per_call.rme_percent': Number });
  const trap = asserts.find((a) => a.name === 'bench.seccomp-trap');
  t.equal(trap?.diag?.noisy, true);
});

t.test('KTAP: plan, unique flat names, no # in descriptions, no stray result markers', async (t) => {
  const text = renderKtap(results);
  const lines = text.trimEnd().split('\n');
  t.equal(lines[0], 'KTAP version 1');
  t.equal(lines[1], `1..${results.paths.length}`);
  const resultLines = lines.filter((l) => /^(not )?ok \d+ /.test(l));
  t.equal(resultLines.length, results.paths.length);
  const names = resultLines.map((l) => l.replace(/^(not )?ok \d+ /, '').replace(/ # .*$/, ''));
  t.equal(new Set(names).size, names.length, 'unique');
  for (const n of names) t.match(n, /^[A-Za-z0-9_-]+$/, `${n}: survives Linaro's flattening`);
  t.ok(resultLines.some((l) => /^ok \d+ bench_ptrace-sysemu # SKIP /.test(l)));
  for (const l of lines.filter((l) => l.startsWith('# '))) {
    t.notMatch(l, /ok \d+ /, `diagnostic has no result marker: ${l.slice(0, 50)}`);
    t.notMatch(l, /not ok/);
  }
  for (const l of resultLines) t.ok((l.match(/#/g) ?? []).length <= 1, 'only the directive uses #');
  t.ok(lines.some((l) => /^# bench_native: median [\d.]+ ns\/call/.test(l)), 'figures as diagnostics');
});

t.test('JUnit: well-formed, properties per path, skipped with its reason', async (t) => {
  const xml = renderJunit(results);
  t.equal(XMLValidator.validate(xml), true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', htmlEntities: true }).parse(xml);
  const suite = doc.testsuites.testsuite;
  const cases = suite.testcase as Array<Record<string, unknown>>;
  t.equal(cases.length, results.paths.length);
  t.equal(new Set(cases.map((c) => `${c['@classname']}/${c['@name']}`)).size, cases.length, 'unique classname+name');
  t.equal(suite['@skipped'], '1');
  const ptrace = cases.find((c) => c['@name'] === 'ptrace-sysemu') as { skipped: { '@message': string } };
  t.equal(ptrace.skipped['@message'], NASTY.replace('\u0007', '\\x07'), 'the reason survives escaping');
  const native = cases.find((c) => c['@name'] === 'native') as { properties: { property: Array<Record<string, string>> } };
  const props = Object.fromEntries(native.properties.property.map((p) => [p['@name'], p['@value']]));
  t.ok(Number(props['ns_per_call.median']) > 0);
  t.equal(props['samples'], '200');
  t.ok('ns_per_call.rme_percent' in props && 'ns_per_call.p99' in props && 'ratio_to_native' in props);
});

t.test('SVG: parses as XML, a bar with error bars per measured path', async (t) => {
  const svg = renderSvg(results);
  t.equal(XMLValidator.validate(svg), true, 'well-formed XML');
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(svg);
  t.equal(doc.svg['@xmlns'], 'http://www.w3.org/2000/svg');
  for (const p of results.paths) t.ok(svg.includes(`id="path-${p.id}"`), `${p.id} has a row`);
  t.ok(svg.includes('95% confidence interval'), 'the legend says what the error bars are');
  t.ok(svg.includes('NOT REPRESENTATIVE'), 'the warning is on the chart');
  t.same(logTicks(50, 20000), [50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]);
  t.equal(niceBound(80, false), 50);
  t.equal(niceBound(16697, true), 20000);
  t.equal(niceBound(100, false), 100);
});

t.test('markdown: one row per path with spread and sample count', async (t) => {
  const md = renderMarkdown(results);
  const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| path'));
  t.equal(rows.length, results.paths.length);
  for (const p of measured(results)) {
    const row = rows.find((r) => r.startsWith(`| ${p.id} |`));
    t.ok(row?.includes(' ± ') && row.includes(`| ${p.nsPerCall.samples} |`), `${p.id}: mean ± CI and sample count`);
  }
  t.ok(rows.find((r) => r.startsWith('| ptrace-sysemu |'))?.includes('unavailable'));
  t.notOk(/\n[^|\n]*\| pipe/.test(md.replace(/\\\|/g, '')), 'pipes in text are escaped');
  t.equal(mdCell('a|b\nc'), 'a\\|b c');
  t.ok(md.includes('What each path measures'));
  t.notOk(renderMarkdown(results, { details: false }).includes('What each path measures'));
});
