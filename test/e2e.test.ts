// End to end on this machine's kernel: the honest run, and two lying kernels (test/helpers/liar.c),
// which prove that the suite can fail and that a missing feature is SKIP, never FAIL.
import t from 'tap';
import type { CaseResult, RunResults } from '../runner/types.js';
import { LIAR, listScenarios, runJson } from './helpers/cli.js';

/** Evidence, in the honest run, that the kernel really dispatched or killed: a scenario showing any
 * needs a real dispatch, so a kernel that arms nothing must make it FAIL. */
export function sawDispatch(r: CaseResult): string | null {
  const o = r.observed;
  if (!o) return null;
  if (o.signal === 'SIGSYS' || o.signal === 'SIGSEGV') return `killed by ${o.signal}`;
  for (const [k, v] of Object.entries(o.facts))
    if (/(^|\.)(dispatched|sigsys|count)$/.test(k) && v !== '0') return `${k}=${v}`;
  return null;
}

let honest: RunResults;

t.before(async () => {
  const { run, results } = await runJson([]);
  honest = results;
  if (run.exitCode !== 0) console.error(run.stderr);
});

t.test('the full suite on this kernel: zero FAIL, zero ERROR, every scenario accounted for', async (t) => {
  const all = await listScenarios();
  t.equal(honest.results.length, all.length, 'every scenario has a result');
  t.same(
    honest.results.filter((r) => r.status === 'FAIL' || r.status === 'ERROR').map((r) => `${r.status} ${r.id}: ${r.reason}`),
    [],
  );
  t.equal(honest.summary.PASS + honest.summary.SKIP, honest.summary.total);
  for (const r of honest.results.filter((r) => r.status === 'SKIP')) t.ok(r.reason.length > 10, `${r.id} skips with a reason`);
  t.equal(honest.features.sud.present, true, 'this machine has SUD');
  t.ok(honest.summary.PASS > honest.summary.total * 0.8, 'most scenarios really ran');
});

t.test('a kernel without SUD (prctl 59 answers EINVAL): all SKIP with a reason, exit 0 or the chosen skip code', async (t) => {
  const { run, results } = await runJson([], [LIAR, 'einval']);
  t.equal(run.exitCode, 0);
  t.equal(results.features.sud.present, false);
  t.equal(results.summary.SKIP, results.summary.total);
  for (const r of results.results) t.match(r.reason, /sud|Syscall User Dispatch/, `${r.id} says why`);
  const kself = await runJson(['--skip-exit-code', '4', 'prctl.*'], [LIAR, 'einval']);
  t.equal(kself.run.exitCode, 4, 'kselftest skip code on request');
});

t.test('a kernel that claims SUD but arms nothing: every scenario needing a real dispatch FAILs', async (t) => {
  const { run, results } = await runJson([], [LIAR, 'zero']);
  t.equal(run.exitCode, 1);
  t.equal(results.summary.ERROR, 0, 'a lying kernel is FAIL, never ERROR');
  const lied = new Map(results.results.map((r) => [r.id, r]));
  let needing = 0;
  for (const r of honest.results) {
    const evidence = sawDispatch(r);
    if (!evidence) continue;
    needing++;
    const l = lied.get(r.id);
    t.equal(l?.status, 'FAIL', `${r.id} (honest run: ${evidence}) FAILs under the liar`);
  }
  t.ok(needing > honest.summary.total * 0.7, `most scenarios need a real dispatch (${needing})`);
  // What still passes must be explainable: the kernel's answer alone (prctl returned 0, nothing dispatched).
  for (const l of results.results.filter((r) => r.status === 'PASS')) {
    const h = honest.results.find((r) => r.id === l.id);
    t.equal(h && sawDispatch(h), null, `${l.id} passes under the liar only because it needs no dispatch`);
  }
});

t.test('--repeat finds no flaky scenario', async (t) => {
  const { results } = await runJson(['--repeat', '3']);
  t.same(results.results.filter((r) => r.flaky).map((r) => `${r.id}: ${r.rounds?.join(',')}`), []);
  t.equal(results.summary.FAIL + results.summary.ERROR, 0);
});
