// RunResults fixtures for reporter tests: every status, several families, and the text that breaks
// naive reporters (`#`, result markers, XML metacharacters, newlines, control characters).
import { FEATURE_IDS, type CaseResult, type Features, type RunResults, type Status } from '../../runner/types.js';

/** Text that every reporter must carry without breaking its format. */
export const NASTY = 'bad #1: got "not ok 2 - x" & <ok 1 y>, it\'s\nsecond line\x07 bell\x1b[31m esc';

type Observed = NonNullable<CaseResult['observed']>;

export function observed(over: Partial<Observed> = {}): Observed {
  return { exitCode: 0, signal: null, timedOut: false, facts: {}, stderrTail: '', durationMs: 12, ...over };
}

/** One case; the family is the id's first component unless given. */
export function caseResult(id: string, status: Status, over: Partial<CaseResult> = {}): CaseResult {
  return {
    id,
    title: `title of ${id}`,
    family: id.split('.')[0] ?? id,
    refs: ['B8'],
    requires: ['sud'],
    status,
    reason: status === 'PASS' ? '' : `reason for ${id}`,
    mismatches: [],
    expected: 'exit 0',
    observed: observed(),
    ...over,
  };
}

export function features(absent: readonly string[] = []): Features {
  return Object.fromEntries(
    FEATURE_IDS.map((id) => [id, { present: !absent.includes(id), detail: absent.includes(id) ? `${id} probe failed` : 'ok' }]),
  ) as Features;
}

/** Wrap cases in a run; the stored summary is computed from the cases, as the runner does. */
export function runResults(results: CaseResult[], over: Partial<RunResults['run']> = {}): RunResults {
  const summary = { PASS: 0, FAIL: 0, SKIP: 0, ERROR: 0, XFAIL: 0, XPASS: 0, total: results.length };
  for (const r of results) summary[r.status]++;
  return {
    schema: 'sudcheck-results/1',
    run: {
      id: '20250101-120000-abcd',
      tool: 'sudcheck 0.1.0',
      startedAt: '2025-01-01T12:00:00.000Z',
      finishedAt: '2025-01-01T12:00:03.500Z',
      durationMs: 3500,
      target: { kind: 'local', kernel: { release: '6.12.0-test', version: '#1 SMP PREEMPT_DYNAMIC', machine: 'x86_64' } },
      host: { node: 'v20.19.0', cpus: 4 },
      options: { filter: [], jobs: 4, timeoutMs: 5000, repeat: 1 },
      ...over,
    },
    features: features(['inclusive', 'tracefs']),
    summary,
    results,
  };
}

/**
 * The main fixture. Families: prctl (PASS, FAIL, XPASS: fails), selector (PASS, SKIP, XFAIL, timeout
 * ERROR: fails), region (all SKIP, one reason), sigsys (SKIPs with two reasons plus a PASS), lifetime
 * (spawn ERROR with nothing observed, a flaky PASS, an XFAIL: fails). Every status appears.
 */
export function sampleResults(): RunResults {
  return runResults([
    caseResult('prctl.basic', 'PASS', { refs: ['A1'] }),
    caseResult('prctl.bad-mode', 'FAIL', {
      title: `title with <&>"' and # and ${NASTY}`,
      reason: NASTY,
      refs: ['A2', 'seed:interface'],
      expected: 'exit 0 with errno=EINVAL',
      mismatches: [
        { what: 'fact errno', expected: 'EINVAL', observed: 'not ok 1 <&>' },
        { what: 'exit', expected: '0', observed: '1' },
      ],
      observed: observed({
        exitCode: 1,
        facts: { errno: 'EPERM' },
        stderrTail: 'line one\nnot ok 3 - from the fixture\nKTAP version 1\n\x00nul # and <xml>\n',
      }),
      draft: 'the draft says # EINVAL',
    }),
    caseResult('prctl.stale', 'XPASS', { reason: 'deviation listed for 6.1 to 6.6' }),
    caseResult('selector.invalid-value.0x02', 'PASS', { refs: ['B11'] }),
    caseResult('selector.inclusive', 'SKIP', { reason: "feature 'inclusive' absent: mode 2 rejected", observed: null }),
    caseResult('selector.flip', 'XFAIL', {
      reason: 'known on Debian 6.1: ok 1 # distro patch',
      mismatches: [{ what: 'signal', expected: 'SIGSYS', observed: 'none' }],
    }),
    caseResult('selector.slow', 'ERROR', {
      reason: 'timed out after 5000 ms',
      observed: observed({ exitCode: null, signal: 'SIGKILL', timedOut: true, durationMs: 5000 }),
    }),
    caseResult('region.edge', 'SKIP', { reason: "feature 'sud' absent", observed: null }),
    caseResult('region.inside', 'SKIP', { reason: "feature 'sud' absent", observed: null }),
    caseResult('sigsys.ia32', 'SKIP', { reason: "feature 'ia32' absent", observed: null }),
    caseResult('sigsys.rseq', 'SKIP', { reason: "feature 'rseq' absent", observed: null }),
    caseResult('sigsys.basic', 'PASS'),
    caseResult('lifetime.exec', 'ERROR', { reason: 'fixture lifetime-exec missing: ENOENT', observed: null }),
    caseResult('lifetime.fork', 'PASS', { rounds: ['PASS', 'FAIL', 'PASS'], flaky: true }),
    caseResult('lifetime.clone', 'XFAIL', { reason: 'known deviation' }),
  ]);
}

/** Ids that are not valid scenario ids and flatten to the same KTAP name (`weird_a_b`). */
export function collidingResults(): RunResults {
  return runResults([
    caseResult('weird.a b', 'PASS', { family: 'weird' }),
    caseResult('weird.a_b', 'PASS', { family: 'weird' }),
    caseResult('weird.a.b', 'FAIL', { family: 'weird' }),
    caseResult('weird.a.b', 'PASS', { family: 'weird' }),
    caseResult('weird_a_b.x', 'PASS', { family: 'weird_a_b' }),
  ]);
}
