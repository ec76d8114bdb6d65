import t from 'tap';
import { progressLine, renderSummary } from '../runner/report/summary.js';
import { caseResult, runResults, sampleResults } from './helpers/sample-results.js';

const sample = sampleResults();
const text = renderSummary(sample);
const section = (title: string): string => {
  const start = text.indexOf(title);
  if (start < 0) return '';
  const end = text.indexOf('\n\n', start);
  return text.slice(start, end < 0 ? undefined : end).trimEnd();
};

t.test('header: kernel, counts, duration', async (t) => {
  t.match(text, /^kernel: 6\.12\.0-test #1 SMP PREEMPT_DYNAMIC x86_64$/m);
  t.match(text, /^15 cases: PASS 4 {2}FAIL 1 {2}SKIP 5 {2}ERROR 2 {2}XFAIL 2 {2}XPASS 1$/m, 'every status counted');
  t.match(text, /^duration: 3\.5 s$/m);
  t.match(text, /^features absent: inclusive tracefs$/m);
});

t.test('FAIL, ERROR and XPASS listed with expected vs observed and refs', async (t) => {
  const problems = section('Failures, errors and unexpected passes:');
  const ids = [...problems.matchAll(/^(FAIL|ERROR|XPASS) (\S+):/gm)].map((m) => `${m[1]} ${m[2]}`);
  t.same(ids, ['FAIL prctl.bad-mode', 'XPASS prctl.stale', 'ERROR selector.slow', 'ERROR lifetime.exec'], 'in run order');
  t.match(problems, /^ {4}expected: exit 0 with errno=EINVAL$/m);
  t.match(problems, /^ {4}observed: exit 1 after 12 ms$/m);
  t.match(problems, /^ {4}mismatch fact errno: expected EINVAL, observed not ok 1 <&>$/m);
  t.match(problems, /^ {4}refs: A2, seed:interface$/m);
  t.match(problems, /^ {4}observed: timed out, signal SIGKILL after 5000 ms$/m, 'timeout is visible');
  t.notMatch(problems, /prctl\.basic|selector\.flip|region\.edge/, 'PASS, XFAIL, SKIP are not problems');
});

t.test('SKIP reasons grouped with counts', async (t) => {
  const skips = section('Skipped (5), by reason:');
  t.match(skips, /^ +2 x feature 'sud' absent$/m, 'same reason once, counted');
  t.equal(skips.split("feature 'sud' absent").length - 1, 1, 'listed once');
  t.equal(skips.split('\n').length, 5, 'four distinct reasons under the heading');
  t.match(skips.split('\n')[1], /2 x feature 'sud' absent/, 'most frequent reason first');
  t.match(section('Known deviations (XFAIL):'), /selector\.flip: known on Debian 6\.1/);
  t.match(section('Flaky'), /lifetime\.fork: PASS FAIL PASS/);
});

t.test('plain text unless colours are asked for', async (t) => {
  t.notMatch(text, /[\x00-\x08\x0b-\x1f\x7f]/, 'no escape sequences, not even from the data');
  t.match(text, /bell\\x1b\[31m esc/, 'the data’s escape sequence is shown, not obeyed');
  const colored = renderSummary(sample, { color: true });
  t.match(colored, /\x1b\[31mFAIL 1\x1b\[0m/, 'coloured counts');
  t.equal(colored.replace(/\x1b\[\d+m/g, ''), text, 'same text once colours are removed');
  const clean = renderSummary(runResults([caseResult('a.b', 'PASS')]));
  t.notMatch(clean, /Failures|Skipped|Known deviations|Flaky/, 'empty sections are left out');
});

t.test('progressLine', async (t) => {
  const [pass, fail] = [sample.results[0], sample.results[1]];
  if (!pass || !fail) throw new Error('fixture changed');
  t.equal(progressLine(pass, 3, 15), '[ 3/15] PASS  prctl.basic (12 ms)');
  const line = progressLine(fail, 12, 15);
  t.match(line, /^\[12\/15\] FAIL  prctl\.bad-mode \(12 ms\): bad #1/);
  t.notMatch(line, /\n|\x07/, 'one line, no raw control characters');
  const skip = sample.results.find((r) => r.status === 'SKIP');
  if (skip) t.equal(progressLine(skip, 5, 15), "[ 5/15] SKIP  selector.inclusive: feature 'inclusive' absent: mode 2 rejected");
  t.match(progressLine(pass, 1, 1, { color: true }), /\x1b\[32mPASS \x1b\[0m/);
});

t.test('many ERRORs with one reason are shown a few times, then counted', async (t) => {
  const { renderSummary, SAME_ERROR_SHOWN } = await import('../runner/report/summary.js');
  const { sampleResults } = await import('./helpers/sample-results.js');
  const base = sampleResults();
  const template = base.results[0]!;
  const dead = Array.from({ length: 10 }, (_, i) => ({
    ...template,
    id: `vm.case-${i}`,
    status: 'ERROR' as const,
    reason: 'the target never ran it: no hello from the agent',
  }));
  const text = renderSummary({ ...base, results: dead });
  t.equal(text.match(/^ERROR vm\.case-/gm)?.length, SAME_ERROR_SHOWN);
  t.match(text, new RegExp(`\\.\\.\\. and ${10 - SAME_ERROR_SHOWN} more ERROR with the same reason: the target never ran it`));
});
