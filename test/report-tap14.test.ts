import t from 'tap';
import { Parser, type Result, type FinalResults } from 'tap-parser';
import type { RunResults, Status } from '../runner/types.js';
import { renderTap14 } from '../runner/report/tap14.js';
import { caseResult, NASTY, runResults, sampleResults } from './helpers/sample-results.js';

interface Parsed {
  final: FinalResults;
  asserts: Result[];
  extra: string[];
  comments: string[];
}

function parse(text: string): Promise<Parsed> {
  return new Promise((resolve) => {
    const asserts: Result[] = [];
    const extra: string[] = [];
    const comments: string[] = [];
    const p = new Parser((final) => resolve({ final, asserts, extra, comments }));
    p.on('assert', (a: Result) => asserts.push(a));
    p.on('extra', (e: string) => extra.push(e));
    p.on('comment', (c: string) => comments.push(c));
    p.end(text);
  });
}

const sample = sampleResults();
const text = renderTap14(sample);
const count = (s: RunResults, ...statuses: Status[]): number =>
  s.results.filter((r) => statuses.includes(r.status)).length;

t.test('parses as TAP 14 with the right counts', async (t) => {
  const { final, asserts, extra } = await parse(text);
  t.equal(text.split('\n')[0], 'TAP version 14');
  t.same(extra, [], 'no line the parser does not understand');
  t.same(final.plan && { start: final.plan.start, end: final.plan.end }, { start: 1, end: sample.results.length });
  t.equal(final.count, sample.results.length, 'one test point per case');
  t.equal(final.pass, count(sample, 'PASS', 'SKIP'), 'ok = PASS + SKIP');
  t.equal(final.failures.length, count(sample, 'FAIL', 'ERROR', 'XPASS'), 'real failures');
  t.equal(final.todo, count(sample, 'XFAIL'), 'todo = XFAIL');
  t.equal(final.skip, count(sample, 'SKIP'), 'skip = SKIP');
  t.equal(final.ok, false, 'a FAIL fails the run');
  t.same(
    asserts.map((a) => a.name),
    sample.results.map((r) => r.id),
    'test points in order, named by id',
  );
  t.same(
    asserts.map((a) => a.id),
    sample.results.map((_, i) => i + 1),
  );
});

t.test('ok / not ok and directives per status', async (t) => {
  const { asserts } = await parse(text);
  const expected: Record<Status, { ok: boolean; skip: boolean; todo: boolean }> = {
    PASS: { ok: true, skip: false, todo: false },
    SKIP: { ok: true, skip: true, todo: false },
    XFAIL: { ok: false, skip: false, todo: true },
    FAIL: { ok: false, skip: false, todo: false },
    XPASS: { ok: false, skip: false, todo: false },
    ERROR: { ok: false, skip: false, todo: false },
  };
  sample.results.forEach((r, i) => {
    const a = asserts[i];
    const e = expected[r.status];
    t.equal(a?.ok, e.ok, `${r.status} ${r.id}: ok=${e.ok}`);
    t.equal(Boolean(a?.skip), e.skip, `${r.status} ${r.id}: skip`);
    t.equal(Boolean(a?.todo), e.todo, `${r.status} ${r.id}: todo`);
    if (r.status === 'SKIP') t.equal(a?.skip, r.reason, 'skip reason');
  });
  t.equal(asserts[5]?.todo, 'known on Debian 6.1: ok_1 # distro patch', 'escaped # comes back in a TODO reason');
});

t.test('YAML diagnostics for FAIL, ERROR, XFAIL, XPASS only', async (t) => {
  const { asserts } = await parse(text);
  sample.results.forEach((r, i) => {
    const diag = asserts[i]?.diag as Record<string, unknown> | null | undefined;
    if (['FAIL', 'ERROR', 'XFAIL', 'XPASS'].includes(r.status) || r.flaky) {
      t.ok(diag, `${r.status} ${r.id} has a diagnostic`);
      t.equal(diag?.status, r.status);
      t.same(diag?.refs, r.refs, 'refs');
      t.equal(diag?.expected, r.expected, 'expected');
    } else {
      t.notOk(diag, `${r.status} ${r.id} has none`);
    }
  });
  const fail = asserts[1]?.diag as Record<string, unknown>;
  t.equal(fail.reason, NASTY.replace('not ok 2', 'not-ok_2').replace('ok 1', 'ok_1'), 'reason survives: quotes, #, newline, control chars');
  t.same(fail.mismatches, [
    { what: 'fact errno', expected: 'EINVAL', observed: 'not-ok_1 <&>' },
    { what: 'exit', expected: '0', observed: '1' },
  ]);
  t.same(fail.observed, { exitCode: 1, signal: null, timedOut: false, durationMs: 12 }, 'observed exit/signal');
  t.same(fail.stderr, ['line one', 'not-ok_3 - from the fixture', 'KTAP-version 1', '\x00nul # and <xml>'], 'stderr lines');
  t.equal(fail.draft, 'the draft says # EINVAL');
  const timeout = asserts[6]?.diag as Record<string, unknown>;
  t.match(timeout, { status: 'ERROR', reason: 'timed out after 5000 ms', observed: { timedOut: true, signal: 'SIGKILL' } });
  t.equal((asserts[12]?.diag as Record<string, unknown>).observed, null, 'a case that never ran');
  t.same((asserts[13]?.diag as Record<string, unknown>).rounds, ['PASS', 'FAIL', 'PASS'], 'flaky rounds');
});

t.test('TODO keeps the run green; XPASS and ERROR do not', async (t) => {
  const green = await parse(renderTap14(runResults([caseResult('a.x', 'PASS'), caseResult('a.y', 'XFAIL'), caseResult('a.z', 'SKIP')])));
  t.equal(green.final.ok, true, 'PASS + XFAIL + SKIP is a passing TAP run');
  for (const status of ['XPASS', 'ERROR', 'FAIL'] as const) {
    const red = await parse(renderTap14(runResults([caseResult('a.x', 'PASS'), caseResult('a.y', status)])));
    t.equal(red.final.ok, false, `${status} fails the TAP run`);
  }
});

t.test('header comments and no raw control characters', async (t) => {
  const { comments } = await parse(text);
  t.ok(comments.some((c) => c.includes('kernel: 6.12.0-test')), 'kernel release comment');
  t.ok(comments.some((c) => c.includes('tool: sudcheck 0.1.0')), 'tool version comment');
  t.notMatch(text, /[\x00-\x08\x0b-\x1f\x7f]/);
  const empty = await parse(renderTap14(runResults([])));
  t.equal(empty.final.count, 0);
  t.equal(empty.final.ok, true, 'an empty plan is fine');
});
