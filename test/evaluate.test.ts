import t from 'tap';
import { checkFact, describeExpectation, judge, unmetRequirement } from '../runner/evaluate.js';
import { parseFacts } from '../runner/facts.js';
import { scenario } from '../runner/scenario.js';
import { FEATURE_IDS, type Features, type Observation, type Scenario } from '../runner/types.js';

const obs = (o: Partial<Observation>): Observation => ({
  exitCode: 0,
  signal: null,
  timedOut: false,
  stdout: '',
  stderr: '',
  durationMs: 1,
  ...o,
});

const killed: Scenario = scenario({
  id: 'selector.value.0x02',
  title: 'bad selector kills',
  refs: ['B11'],
  requires: ['sud'],
  run: { fixture: 'selector', args: ['value', '0x02'] },
  expect: { signal: 'SIGSYS', facts: { 'armed.ret': '0', 'handler.entered': { absent: true } } },
});

const runs: Scenario = scenario({
  id: 'prctl.off-zero',
  title: 'OFF with zeros',
  refs: ['A2'],
  requires: ['sud'],
  run: { fixture: 'prctl', args: ['off-zero'] },
  expect: { facts: { 'off.ret': '0', 'off.errno': '0' } },
});

t.test('facts: key=value lines, comments, protocol violations', async (t) => {
  t.same(parseFacts('a=1\n# note\nb.c=x=y\n\n'), { facts: { a: '1', 'b.c': 'x=y' }, problems: [] });
  t.match(parseFacts('a=1\na=2\n').problems, [/printed twice/]);
  t.match(parseFacts('hello world\n').problems, [/not a key=value/]);
  t.match(parseFacts('a=1\npart').problems, [/unterminated/]);
  t.same(parseFacts('a=1\r\n').facts, { a: '1' });
});

t.test('PASS only when signal and every fact match', async (t) => {
  t.equal(judge(killed, obs({ exitCode: null, signal: 'SIGSYS', stdout: 'armed.ret=0\n' })).status, 'PASS');
  t.equal(judge(runs, obs({ stdout: 'off.ret=0\noff.errno=0\n' })).status, 'PASS');
});

t.test('the kernel doing something else is FAIL, with expected and observed', async (t) => {
  const survived = judge(killed, obs({ stdout: 'armed.ret=0\nhandler.entered=1\n' }));
  t.equal(survived.status, 'FAIL');
  t.match(survived.mismatches, [
    { what: 'signal', expected: 'killed by SIGSYS', observed: 'exit 0' },
    { what: 'fact handler.entered', expected: '(not reported)', observed: '1' },
  ]);
  t.match(survived.reason, /expected killed by SIGSYS, observed exit 0 \(\+1 more\)/);
  const einval = judge(runs, obs({ stdout: 'off.ret=-1\noff.errno=EINVAL\n' }));
  t.equal(einval.status, 'FAIL');
  t.equal(einval.mismatches.length, 2);
  const segv = judge(killed, obs({ exitCode: null, signal: 'SIGSEGV', stdout: 'armed.ret=0\n' }));
  t.equal(segv.status, 'FAIL', 'wrong kernel signal is FAIL');
  const killedUnexpectedly = judge(runs, obs({ exitCode: null, signal: 'SIGSYS', stdout: '' }));
  t.equal(killedUnexpectedly.status, 'FAIL', 'a run killed by SIGSYS where none was expected is the kernel');
});

t.test('harness problems are ERROR, never FAIL', async (t) => {
  t.equal(judge(runs, obs({ timedOut: true, exitCode: null, signal: 'SIGKILL' })).status, 'ERROR');
  t.equal(judge(runs, obs({ spawnError: 'ENOENT' })).status, 'ERROR');
  t.equal(judge(runs, obs({ exitCode: 3, stdout: 'error=mmap failed\n' })).reason, 'fixture reported a setup failure: mmap failed');
  t.equal(judge(runs, obs({ exitCode: 1 })).status, 'ERROR');
  t.equal(judge(runs, obs({ exitCode: null, signal: 'SIGABRT' })).status, 'ERROR');
  t.equal(judge(killed, obs({ exitCode: null, signal: 'SIGBUS' })).status, 'ERROR');
  t.equal(judge(runs, obs({ stdout: 'garbage\n' })).status, 'ERROR');
  const silent = judge(runs, obs({ stdout: 'off.ret=0\n' }));
  t.equal(silent.status, 'ERROR', 'clean exit without an expected fact is a fixture bug');
  t.match(silent.reason, /without reporting off\.errno/);
});

t.test('a missing fact after the kernel cut the run short is FAIL', async (t) => {
  const v = judge(killed, obs({ exitCode: null, signal: 'SIGSYS', stdout: '' }));
  t.equal(v.status, 'FAIL');
  t.match(v.mismatches, [{ what: 'fact armed.ret', observed: '(not reported)' }]);
});

t.test('SKIP needs a reason', async (t) => {
  t.same(judge(runs, obs({ exitCode: 4, stdout: 'skip=no ia32\n' })), { status: 'SKIP', reason: 'no ia32', mismatches: [] });
  t.equal(judge(runs, obs({ exitCode: 4 })).status, 'ERROR');
});

t.test('matchers', async (t) => {
  const f = { a: '0x10', b: '0x10', c: '7' };
  t.equal(checkFact('a', { sameAs: 'b' }, f), null);
  t.match(checkFact('a', { sameAs: 'c' }, f), { expected: '7 (fact \'c\')', observed: '0x10' });
  t.match(checkFact('a', { sameAs: 'zz' }, f), { expected: /not reported/ });
  t.equal(checkFact('a', { notSameAs: 'c' }, f), null);
  t.not(checkFact('a', { notSameAs: 'b' }, f), null);
  t.equal(checkFact('c', { anyOf: ['6', '7'] }, f), null);
  t.not(checkFact('c', { anyOf: ['6'] }, f), null);
  t.equal(checkFact('a', { pattern: '0x[0-9a-f]+' }, f), null);
  t.not(checkFact('a', { pattern: '0x1' }, f), null, 'patterns match the whole value');
  t.equal(checkFact('zz', { absent: true }, f), null);
  t.equal(checkFact('a', { present: true }, f), null);
  t.not(checkFact('zz', { present: true }, f), null);
});

t.test('requirements', async (t) => {
  const features = Object.fromEntries(FEATURE_IDS.map((id) => [id, { present: true, detail: 'yes' }])) as Features;
  t.equal(unmetRequirement(runs, features), null);
  features.sud = { present: false, detail: 'EINVAL: no Syscall User Dispatch' };
  t.equal(unmetRequirement(runs, features), "requires 'sud': EINVAL: no Syscall User Dispatch");
});

t.test('describeExpectation', async (t) => {
  t.equal(describeExpectation(killed.expect), 'killed by SIGSYS; armed.ret=0, handler.entered=(not reported)');
  t.equal(describeExpectation({}), 'exit 0');
});

t.test('scenario declarations are checked', async (t) => {
  const base = { title: 't', refs: ['A1'], requires: ['sud'] as const, run: { fixture: 'x', args: [] }, expect: {} };
  t.throws(() => scenario({ ...base, id: 'Bad_Id', requires: ['sud'] }), /dotted/);
  t.throws(() => scenario({ ...base, id: 'a.b', refs: ['A9'], requires: ['sud'] }), /section B/);
  t.throws(() => scenario({ ...base, id: 'a.b', refs: [], requires: ['sud'] }), /cites no/);
  t.throws(() => scenario({ ...base, id: 'a.b', requires: ['nope' as 'sud'] }), /unknown feature/);
  t.throws(() => scenario({ ...base, id: 'a.b', requires: ['sud'], expect: { signal: 'SIGSYS', exit: 0 } }), /not both/);
  t.throws(() => scenario({ ...base, id: 'a.b', requires: ['sud'], expect: { facts: { k: { bogus: 1 } as never } } }), /malformed/);
});
