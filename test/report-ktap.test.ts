import t from 'tap';
import type { Status } from '../runner/types.js';
import { renderKtap } from '../runner/report/ktap.js';
import { ktapName, uniqueNames } from '../runner/report/names.js';
import { checkKtap, linaroParse, type KtapResult } from './helpers/ktap-check.js';
import { caseResult, collidingResults, runResults, sampleResults } from './helpers/sample-results.js';

const sample = sampleResults();
const text = renderKtap(sample);
const check = checkKtap(text);

/** A case's result line, found through its family's nested document. */
function resultOf(id: string): KtapResult {
  const families = [...new Set(sample.results.map((r) => r.family))];
  const family = sample.results.find((r) => r.id === id)?.family ?? '';
  const cases = sample.results.filter((r) => r.family === family);
  const parent = check.tests[families.indexOf(family)];
  const found = parent?.children?.[cases.findIndex((r) => r.id === id)];
  if (!found) throw new Error(`no result line for ${id}`);
  return found;
}

t.test('the checker itself catches broken KTAP', async (t) => {
  const bad = (doc: string, pattern: RegExp): void => {
    const { errors } = checkKtap(doc);
    t.ok(errors.some((e) => pattern.test(e)), `flags ${pattern}: ${errors.join(' | ')}`);
  };
  bad('TAP version 14\n1..0\n', /expected 'KTAP version 1'/);
  bad('KTAP version 1\n1..2\nok 1 a\n', /plan says 2/);
  bad('KTAP version 1\n1..1\nok 2 a\n', /test number 2/);
  bad('KTAP version 1\n1..1\nok 1 a#b # SKIP x\n', /'#' in a description/);
  bad('KTAP version 1\n1..1\n# got not ok here\nok 1 a\n', /result marker outside/);
  bad('KTAP version 1\n1..1\n# took 5 ms\nok 1 a\n', /result marker outside/);
  bad('KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n  not ok 1 a\nok 1 f\n', /parent is ok but a child failed/);
  bad('KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n  ok 1 a # SKIP x\nok 1 f\n', /parent SKIP/);
  bad('KTAP version 1\n1..1\n    KTAP version 1\n    1..0\nok 1 f\n', /indented by 4/);
  bad('KTAP version 1\n1..2\nok 1 a\nok 2 a\n', /not unique/);
  bad('KTAP version 1\n1..1\nok 1 a # TIMEOUT slow\n', /TIMEOUT on an ok line/);
  t.same(linaroParse('ok 1 a b # SKIP why\nnot ok 2 c.d # ERROR x\n'), ['sud_a_b_why skip', 'sud_c_d fail']);
});

t.test('the sample renders as valid KTAP v1', async (t) => {
  t.same(check.errors, []);
  t.equal(text.split('\n')[0], 'KTAP version 1', 'version line first');
  t.match(text, /^# kernel: 6\.12\.0-test /m, 'kernel release as a diagnostic');
  t.equal(check.tests.length, 5, 'one top-level test per family');
  t.same(
    check.tests.map((f) => f.description),
    ['prctl', 'selector', 'region', 'sigsys', 'lifetime'],
    'families in order of first appearance',
  );
  t.same(
    check.tests.map((f) => f.children?.length),
    [3, 4, 2, 3, 3],
    'each family nests its cases',
  );
  t.ok(text.endsWith('\n') && !text.endsWith('\n\n'), 'ends with exactly one newline');
});

t.test('parents: fail iff a child is not ok, SKIP iff all children skipped', async (t) => {
  const [prctl, selector, region, sigsys, lifetime] = check.tests;
  t.equal(prctl?.ok, false, 'FAIL and XPASS children fail prctl');
  t.equal(selector?.ok, false, 'a timeout ERROR fails selector');
  t.equal(lifetime?.ok, false, 'an ERROR fails lifetime');
  t.equal(region?.ok, true);
  t.equal(region?.directive, 'SKIP', 'all-SKIP family is skipped');
  t.equal(region?.reason, "feature 'sud' absent", 'with the one shared reason');
  t.equal(sigsys?.ok, true);
  t.equal(sigsys?.directive, null, 'a PASS among SKIPs is not skipped');
  const mixed = checkKtap(
    renderKtap(runResults([caseResult('f.a', 'SKIP', { reason: 'one' }), caseResult('f.b', 'SKIP', { reason: 'two' })])),
  );
  t.same(mixed.errors, []);
  t.equal(mixed.tests[0]?.reason, 'all 2 cases skipped', 'different reasons are summarised');
  const xfailOnly = checkKtap(renderKtap(runResults([caseResult('f.a', 'XFAIL'), caseResult('f.b', 'PASS')])));
  t.equal(xfailOnly.tests[0]?.ok, true, 'XFAIL does not fail the parent');
});

t.test('directive mapping per status', async (t) => {
  const expect: Record<string, [ok: boolean, directive: string | null, status: Status]> = {
    'prctl.basic': [true, null, 'PASS'],
    'prctl.bad-mode': [false, null, 'FAIL'],
    'prctl.stale': [false, null, 'XPASS'],
    'selector.inclusive': [true, 'SKIP', 'SKIP'],
    'selector.flip': [true, 'XFAIL', 'XFAIL'],
    'selector.slow': [false, 'TIMEOUT', 'ERROR'],
    'lifetime.exec': [false, 'ERROR', 'ERROR'],
  };
  for (const [id, [ok, directive, status]] of Object.entries(expect)) {
    const r = resultOf(id);
    t.equal(r.ok, ok, `${status} ${id} is ${ok ? 'ok' : 'not ok'}`);
    t.equal(r.directive, directive, `${status} ${id} directive ${directive}`);
  }
  t.equal(resultOf('lifetime.exec').reason, 'fixture lifetime-exec missing: ENOENT', 'ERROR carries its reason');
  t.equal(resultOf('selector.flip').reason, 'known on Debian 6.1: ok_1 no. distro patch', 'reason: no # and no marker');
  const byFlag = runResults([caseResult('f.hang', 'ERROR', { reason: 'killed', observed: null })]);
  t.equal(checkKtap(renderKtap(byFlag)).tests[0]?.children?.[0]?.directive, 'ERROR', 'no timeout, no TIMEOUT');
});

t.test('names: whole id flattened, Linaro-stable and unique', async (t) => {
  t.equal(resultOf('selector.invalid-value.0x02').description, 'selector_invalid-value_0x02');
  for (const r of sample.results) t.equal(resultOf(r.id).description, r.id.replace(/\./g, '_'), r.id);
  t.ok(check.linaroNames.includes('sud_selector_invalid-value_0x02 pass'), 'Linaro sees the flattened name');
  const colliding = renderKtap(collidingResults());
  const c = checkKtap(colliding);
  t.same(c.errors, [], 'ids that flatten alike still give unique names');
  t.same(
    c.tests.flatMap((f) => [f.description, ...(f.children ?? []).map((k) => k.description)]),
    ['weird', 'weird_a_b_2', 'weird_a_b_3', 'weird_a_b_4', 'weird_a_b_5', 'weird_a_b', 'weird_a_b_x'],
  );
  t.equal(ktapName('__a..b#c_-d__'), 'a_b_c_d', 'runs collapse, edges trimmed, _- folded like Linaro');
  t.equal(ktapName('###'), 'unnamed');
  t.same(uniqueNames(['a', 'a', 'a_2', 'a']), ['a', 'a_3', 'a_2', 'a_4'], 'suffixes avoid existing names');
});

t.test('diagnostics: failures explained before their result, markers neutralised', async (t) => {
  const fail = resultOf('prctl.bad-mode');
  t.ok(fail.diagnostics.some((d) => d.startsWith('expected: exit 0 with errno=EINVAL')), 'expected');
  t.ok(fail.diagnostics.some((d) => d.startsWith('observed: exit 1')), 'observed');
  t.ok(fail.diagnostics.includes('mismatch exit: expected 0, observed 1'), 'each mismatch');
  t.ok(fail.diagnostics.includes('refs: A2, seed:interface'), 'behaviour refs');
  t.ok(fail.diagnostics.includes('  not-ok_3 - from the fixture'), 'stderr tail, neutralised');
  t.ok(fail.diagnostics.includes('  KTAP-version 1'), 'a stray version line cannot start a new document');
  t.ok(fail.diagnostics.includes('draft says: the draft says # EINVAL'), 'the draft');
  t.ok(resultOf('prctl.stale').diagnostics.length > 0, 'XPASS has diagnostics');
  t.same(resultOf('prctl.basic').diagnostics, [], 'PASS has none');
  t.notMatch(text, /[\x00-\x08\x0b-\x1f\x7f]/, 'no raw control characters');
  t.equal(text.split('\n').filter((l) => l.includes('\\x07')).length, 2, 'the bell shows up escaped (title and reason)');
});

t.test('an empty run is still valid', async (t) => {
  const empty = renderKtap(runResults([]));
  t.equal(empty.split('\n').filter((l) => !l.startsWith('#')).join('\n'), 'KTAP version 1\n1..0\n');
  t.same(checkKtap(empty).errors, []);
});
