// One real `sudcheck bench --quick` on this kernel, shared by every assertion: structure and honesty of
// what it wrote, never a timed threshold (the only comparison is an ordering: dispatch is slower than native).
import { execa } from 'execa';
import { XMLValidator } from 'fast-xml-parser';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Parser, type FinalResults } from 'tap-parser';
import { benchCommand } from '../runner/bench/command.js';
import { BASELINE_ID, BENCH_PATH_IDS } from '../runner/bench/paths.js';
import type { BenchResults, MeasuredPath } from '../runner/bench/types.js';
import { fixtureBinary } from '../runner/paths.js';

const out = mkdtempSync(join(tmpdir(), 'sudcheck-bench-'));
t.teardown(() => rmSync(out, { recursive: true, force: true }));

function capture() {
  const io = { out: '', err: '', stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) };
  return io;
}

const run = capture();
const code = await benchCommand(['--quick', '--json', '--out', out], run);

t.test('the quick run succeeds and writes every report atomically', async (t) => {
  t.equal(code, 0, run.err);
  const link = join(out, 'latest-bench');
  t.ok(existsSync(link), 'latest-bench exists');
  const target = readlinkSync(link);
  t.match(target, /^bench-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ/, 'points at bench-<timestamp>');
  t.same(readdirSync(join(out, target)).sort(), ['bench.json', 'bench.junit.xml', 'bench.ktap', 'bench.md', 'bench.svg', 'bench.tap']);
  t.same(
    readdirSync(out).filter((f) => f.startsWith('.')),
    [],
    'no staging folder or temporary link left behind',
  );
  t.same(JSON.parse(run.out), JSON.parse(readFileSync(join(link, 'bench.json'), 'utf8')), '--json prints bench.json');
});

const results = JSON.parse(readFileSync(join(out, 'latest-bench', 'bench.json'), 'utf8')) as BenchResults;
const measured = results.paths.filter((p): p is MeasuredPath => p.status === 'measured');
const byId = (id: string) => measured.find((p) => p.id === id);

t.test('every figure has its spread and its sample count', async (t) => {
  t.same(
    results.paths.map((p) => p.id),
    [...BENCH_PATH_IDS],
  );
  t.ok(byId('native'), 'native is always measured');
  for (const p of results.paths) {
    if (p.status === 'unavailable') {
      t.ok(p.reason.length > 0, `${p.id}: unavailable, with a reason`);
      continue;
    }
    const s = p.nsPerCall;
    t.ok(s.samples >= 5 && s.samples === p.batches.length, `${p.id}: ${s.samples} batches`);
    for (const k of ['median', 'mean', 'p99', 'moe', 'rme', 'sd'] as const) t.ok(Number.isFinite(s[k]) && s[k] >= 0, `${p.id}: ${k}`);
    t.ok(s.median > 0, `${p.id}: a positive figure`);
    t.equal(p.noisy, !(s.rme <= results.method.rmeLimit), `${p.id}: noisy exactly when rme > limit`);
    if (p.noisy) t.ok(p.noisyWhy && p.noisyWhy.length > 0, `${p.id}: noisy, and says why`);
  }
  t.equal(results.method.baseline.samples, results.method.measuredRounds, 'the baseline is measured every round');
  t.equal(results.representative, !results.environment.virtualization.emulated && !measured.some((p) => p.noisy));
  if (results.environment.virtualization.emulated) t.ok(results.notes.some((n) => n.startsWith('NOT REPRESENTATIVE')));
});

t.test('a SIGSYS round trip is slower than a native syscall', async (t) => {
  const native = byId('native');
  const sigsys = byId('sud-sigsys');
  if (!sigsys) {
    const p = results.paths.find((p) => p.id === 'sud-sigsys');
    t.comment(`sud-sigsys not measured: ${p?.status === 'unavailable' ? p.reason : 'not requested'}`);
    return;
  }
  t.ok(sigsys.nsPerCall.median > (native?.nsPerCall.median ?? Infinity), 'an ordering, not a threshold');
  for (const id of ['sud-sigsys-restorer', 'seccomp-trap']) {
    const p = byId(id);
    if (p) t.ok(p.nsPerCall.median > (native?.nsPerCall.median ?? Infinity), `so is ${id}`);
  }
});

t.test('perf cross-check: both figures exist and are positive when perf runs', async (t) => {
  const c = results.crossCheck;
  if (c.status !== 'measured') {
    t.ok(c.reason && c.reason.length > 0, `unavailable, with a reason: ${c.reason}`);
    return;
  }
  t.ok((c.nsPerCall ?? 0) > 0, `perf: ${c.nsPerCall} ns`);
  t.ok((c.nativeMedian ?? 0) > 0, `native: ${c.nativeMedian} ns`);
  t.equal(typeof c.agrees, 'boolean', 'agreement is reported (never asserted)');
});

t.test('the written TAP, JUnit and SVG parse', async (t) => {
  const dir = join(out, 'latest-bench');
  const final = await new Promise<FinalResults>((resolve) => new Parser(resolve).end(readFileSync(join(dir, 'bench.tap'), 'utf8')));
  t.equal(final.ok, true);
  t.equal(final.count, results.paths.length);
  t.equal(XMLValidator.validate(readFileSync(join(dir, 'bench.junit.xml'), 'utf8')), true);
  t.equal(XMLValidator.validate(readFileSync(join(dir, 'bench.svg'), 'utf8')), true);
  t.match(readFileSync(join(dir, 'bench.ktap'), 'utf8'), /^KTAP version 1\n1\.\.\d+\n/);
});

t.test('the fixture and the runner know the same paths', async (t) => {
  const r = await execa(fixtureBinary('bench'), ['list'], { reject: false });
  t.equal(r.exitCode, 0);
  const ids = r.stdout.split('\n').map((l) => /^path\.([a-z-]+)=/.exec(l)?.[1]);
  t.same(ids.sort(), [BASELINE_ID, ...BENCH_PATH_IDS].sort());
});

t.test('bad flags: a clear message, exit 2, nothing measured or written', async (t) => {
  for (const argv of [['--paths', 'warp-drive'], ['--cpu', '9999'], ['--frobnicate'], ['extra']]) {
    const io = capture();
    t.equal(await benchCommand([...argv, '--out', join(out, 'never')], io), 2, argv.join(' '));
    t.match(io.err, /^sudcheck bench: .+\nRun 'sudcheck bench --help'/);
    t.equal(io.out, '');
  }
  t.notOk(existsSync(join(out, 'never')));
  const help = capture();
  t.equal(await benchCommand(['--help'], help), 0);
  t.match(help.out, /--quick/);
});
