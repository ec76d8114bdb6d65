import t from 'tap';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Status } from '../runner/types.js';
import { renderJunit } from '../runner/report/junit.js';
import { caseResult, collidingResults, NASTY, runResults, sampleResults } from './helpers/sample-results.js';

type Node = Record<string, unknown>;
const ARRAYS = new Set(['testsuite', 'testcase', 'property', 'skipped', 'failure', 'error', 'system-out']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  htmlEntities: true,
  parseAttributeValue: false,
  isArray: (name) => ARRAYS.has(name),
});

function parse(xml: string): Node {
  return (parser.parse(xml) as Node).testsuites as Node;
}
const suitesOf = (root: Node): Node[] => (root.testsuite as Node[] | undefined) ?? [];
const casesOf = (suite: Node): Node[] => (suite.testcase as Node[] | undefined) ?? [];
const only = (node: Node, tag: string): Node | undefined => (node[tag] as Node[] | undefined)?.[0];
/** What JUnit counts a status as, per the reporter's documented mapping. */
const OUTCOME: Record<Status, string | null> = {
  PASS: null,
  SKIP: 'skipped',
  XFAIL: 'skipped',
  FAIL: 'failure',
  XPASS: 'failure',
  ERROR: 'error',
};

const sample = sampleResults();
const xml = renderJunit(sample);
const root = parse(xml);

t.test('well-formed XML 1.0 with no illegal characters', async (t) => {
  t.equal(XMLValidator.validate(xml), true);
  t.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'));
  // The validator accepts control characters XML 1.0 forbids; check them directly.
  t.notMatch(xml, /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/, 'no character XML 1.0 forbids');
  t.equal(root['@name'], 'sudcheck');
});

t.test('counts on testsuites and each testsuite match the testcases', async (t) => {
  const all = suitesOf(root).flatMap(casesOf);
  const tally = (cases: Node[], tag: string): number => cases.filter((c) => c[tag] !== undefined).length;
  t.equal(all.length, sample.results.length);
  t.equal(Number(root['@tests']), all.length, 'tests');
  t.equal(Number(root['@failures']), tally(all, 'failure'), 'failures');
  t.equal(Number(root['@errors']), tally(all, 'error'), 'errors');
  t.equal(Number(root['@skipped']), tally(all, 'skipped'), 'skipped');
  t.same([root['@failures'], root['@errors'], root['@skipped']], ['2', '2', '7'], 'FAIL+XPASS, ERROR, SKIP+XFAIL');
  t.equal(root['@time'], '3.500', 'run duration in seconds');
  t.same(suitesOf(root).map((s) => s['@name']), ['prctl', 'selector', 'region', 'sigsys', 'lifetime']);
  for (const s of suitesOf(root)) {
    const cases = casesOf(s);
    t.equal(Number(s['@tests']), cases.length, `${String(s['@name'])} tests`);
    t.equal(Number(s['@failures']), tally(cases, 'failure'), `${String(s['@name'])} failures`);
    t.equal(Number(s['@errors']), tally(cases, 'error'), `${String(s['@name'])} errors`);
    t.equal(Number(s['@skipped']), tally(cases, 'skipped'), `${String(s['@name'])} skipped`);
  }
  t.equal(suitesOf(root)[1]?.['@time'], '5.024', 'suite time is the sum of its cases');
});

t.test('each status maps to its element', async (t) => {
  const cases = suitesOf(root).flatMap(casesOf);
  sample.results.forEach((r, i) => {
    const c = cases[i] ?? {};
    t.equal(c['@classname'], `sudcheck.${r.family}`, `${r.id} classname`);
    t.equal(c['@name'], r.id, `${r.id} name`);
    const present = ['skipped', 'failure', 'error'].filter((tag) => c[tag] !== undefined);
    t.same(present, OUTCOME[r.status] ? [OUTCOME[r.status]] : [], `${r.status} ${r.id} -> ${OUTCOME[r.status] ?? 'pass'}`);
  });
  const byId = (id: string): Node => cases[sample.results.findIndex((r) => r.id === id)] ?? {};
  t.same(only(byId('selector.inclusive'), 'skipped'), { '@message': "feature 'inclusive' absent: mode 2 rejected" }, 'skipped has a message');
  t.match(only(byId('selector.flip'), 'skipped'), { '@type': 'XFAIL', '@message': /^known deviation: known on Debian 6\.1/ });
  t.match(byId('selector.flip')['system-out'], [/mismatch signal: expected SIGSYS, observed none/], 'XFAIL details in system-out');
  t.match(only(byId('prctl.bad-mode'), 'failure'), { '@type': 'FAIL' });
  t.match(only(byId('prctl.stale'), 'failure'), { '@type': 'XPASS', '@message': /stale expectation/ });
  t.match(only(byId('selector.slow'), 'error'), { '@type': 'ERROR', '@message': 'timed out after 5000 ms' });
  t.equal(byId('selector.slow')['@time'], '5.000');
  t.match(only(byId('lifetime.exec'), 'error'), { '@type': 'ERROR', '#text': /observed: did not run/ });
});

t.test('escaping: metacharacters and control characters survive a round trip', async (t) => {
  const cases = suitesOf(root).flatMap(casesOf);
  const failure = only(cases[1] ?? {}, 'failure') ?? {};
  const visible = NASTY.replace('\n', '\\n').replace('\x07', '\\x07').replace('\x1b', '\\x1b');
  t.equal(failure['@message'], visible, 'message: one line, < & " \' kept, controls visible');
  t.match(failure['#text'], /expected: exit 0 with errno=EINVAL/);
  t.match(failure['#text'], /mismatch fact errno: expected EINVAL, observed not ok 1 <&>/, 'body: expected vs observed');
  t.match(failure['#text'], /refs: A2, seed:interface/, 'body: refs');
  t.match(failure['#text'], /\\x00nul # and <xml>/, 'body: stderr tail, NUL made visible');
  const withBreaks = runResults([caseResult('a.b', 'SKIP', { reason: 'x' })]);
  withBreaks.features.sud.detail = 'line\none\ttab\r\u2028\ud800';
  const prop = (parse(renderJunit(withBreaks)).properties as Node).property as Node[];
  t.equal(prop.find((p) => p['@name'] === 'feature.sud')?.['@value'], 'present: line\none\ttab\r\\u2028\\ud800', 'attribute keeps LF/TAB/CR, lone surrogate visible');
});

t.test('properties: kernel and features', async (t) => {
  const props = Object.fromEntries(
    (((root.properties as Node).property as Node[]) ?? []).map((p) => [p['@name'], p['@value']]),
  );
  t.equal(props['kernel.release'], '6.12.0-test');
  t.equal(props['tool'], 'sudcheck 0.1.0');
  t.equal(props['features.absent'], 'inclusive tracefs');
  t.match(props['features.present'], /^sud /);
  t.equal(props['feature.inclusive'], 'absent: inclusive probe failed');
  t.equal(props['feature.sud'], 'present: ok');
});

t.test('classname + name pairs are unique even for duplicate ids', async (t) => {
  const cases = suitesOf(parse(renderJunit(collidingResults()))).flatMap(casesOf);
  const pairs = cases.map((c) => `${String(c['@classname'])} ${String(c['@name'])}`);
  t.equal(new Set(pairs).size, pairs.length, pairs.join(', '));
  t.same(
    cases.map((c) => c['@name']),
    ['weird.a b', 'weird.a_b', 'weird.a.b', 'weird.a.b_2', 'weird_a_b.x'],
  );
});

t.test('an empty run is valid', async (t) => {
  const empty = renderJunit(runResults([]));
  t.equal(XMLValidator.validate(empty), true);
  t.match(parse(empty), { '@tests': '0', '@failures': '0' });
});
