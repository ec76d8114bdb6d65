import t from 'tap';
import { applyDeviation, findDeviation, parseExpectations } from '../runner/expectations.js';
import { compareVersions, inRange, parseKernelVersion } from '../runner/kver.js';
import { globToRegExp, matchesAny } from '../runner/glob.js';
import { exitCodeFor, summarize, worst } from '../runner/summary-counts.js';
import { pool } from '../runner/pool.js';

t.test('kernel versions', async (t) => {
  t.same(parseKernelVersion('6.18.44-fc-v1272'), [6, 18, 44]);
  t.same(parseKernelVersion('6.1.0-28-cloud-amd64'), [6, 1, 0]);
  t.same(parseKernelVersion('7.0'), [7, 0, 0]);
  t.equal(parseKernelVersion('garbage'), null);
  t.ok(compareVersions([5, 15, 0], [5, 16, 0]) < 0);
  t.ok(inRange('5.15.3', '5.11', '5.16'));
  t.notOk(inRange('5.16.0', '5.11', '5.16'), 'until is exclusive');
  t.ok(inRange('5.11.0-1-amd64', '5.11', '5.16'), 'from is inclusive');
  t.ok(inRange('anything', undefined, undefined));
});

t.test('globs', async (t) => {
  t.ok(globToRegExp('selector.*').test('selector.value.0x02'));
  t.notOk(globToRegExp('selector.*').test('selectorX'));
  t.ok(matchesAny('a.b', ['x', 'a.?']));
  t.notOk(globToRegExp('a.b').test('aXb'), 'dots are literal');
});

t.test('text expectations', async (t) => {
  const devs = parseExpectations(
    '# distro X\nselector.all-threads-die 5.11..5.16 only the thread died\nprctl.* any backport differs # note\nregion.x ..6.0 old\n',
    'x.txt',
  );
  t.same(devs, [
    { id: 'selector.all-threads-die', from: '5.11', until: '5.16', reason: 'only the thread died' },
    { id: 'prctl.*', reason: 'backport differs' },
    { id: 'region.x', until: '6.0', reason: 'old' },
  ]);
  t.throws(() => parseExpectations('lonely\n'), /expected '<scenario id/);
  t.throws(() => parseExpectations('a.b 5.x..6 why\n'), /not a kernel version/);
  t.throws(() => parseExpectations('a.b 1..2..3 why\n'), /range/);
});

t.test('json expectations', async (t) => {
  t.same(parseExpectations('[{"id":"a.b","from":"6.1","reason":"r"}]', 'e.json'), [{ id: 'a.b', from: '6.1', reason: 'r' }]);
  t.throws(() => parseExpectations('{', 'e.json'), /not valid JSON/);
  t.throws(() => parseExpectations('[{"id":"a.b"}]', 'e.json'), /non-empty reason/);
});

t.test('deviations turn FAIL into XFAIL and PASS into XPASS only in range', async (t) => {
  const devs = parseExpectations('selector.* 5.11..5.16 thread only\n');
  const d = findDeviation('selector.all-threads-die', '5.15.0', devs);
  t.ok(d);
  t.equal(findDeviation('selector.all-threads-die', '6.1.0', devs), null);
  t.equal(applyDeviation({ status: 'FAIL', reason: 'x', mismatches: [] }, d).status, 'XFAIL');
  t.equal(applyDeviation({ status: 'PASS', reason: 'x', mismatches: [] }, d).status, 'XPASS');
  t.equal(applyDeviation({ status: 'ERROR', reason: 'x', mismatches: [] }, d).status, 'ERROR');
  t.equal(applyDeviation({ status: 'SKIP', reason: 'x', mismatches: [] }, d).status, 'SKIP');
  t.equal(applyDeviation({ status: 'FAIL', reason: 'x', mismatches: [] }, null).status, 'FAIL');
});

t.test('exit codes and summaries', async (t) => {
  const s = (...st: ('PASS' | 'FAIL' | 'SKIP' | 'ERROR' | 'XFAIL' | 'XPASS')[]) => summarize(st.map((status) => ({ status })));
  t.equal(exitCodeFor(s('PASS', 'SKIP')), 0);
  t.equal(exitCodeFor(s('PASS', 'XFAIL')), 0);
  t.equal(exitCodeFor(s('PASS', 'FAIL')), 1);
  t.equal(exitCodeFor(s('PASS', 'XPASS')), 1);
  t.equal(exitCodeFor(s('FAIL', 'ERROR')), 3);
  t.equal(exitCodeFor(s('SKIP', 'SKIP'), 4), 4, 'all-skip exit code is the caller\'s');
  t.equal(exitCodeFor(s('SKIP', 'PASS'), 4), 0);
  t.equal(s('PASS', 'PASS', 'FAIL').total, 3);
  t.equal(worst(['PASS', 'FAIL', 'PASS']), 'FAIL');
  t.equal(worst(['SKIP', 'PASS']), 'PASS');
  t.equal(worst(['FAIL', 'ERROR']), 'ERROR');
});

t.test('pool keeps order and limits concurrency', async (t) => {
  let inFlight = 0;
  let peak = 0;
  const seen: number[] = [];
  const out = await pool(
    [5, 1, 3, 2, 4],
    2,
    async (x) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, x));
      inFlight--;
      return x * 10;
    },
    (o) => seen.push(o),
  );
  t.same(out, [50, 10, 30, 20, 40]);
  t.equal(peak, 2);
  t.equal(seen.length, 5);
});
