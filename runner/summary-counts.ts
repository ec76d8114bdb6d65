// Counting verdicts and choosing the exit code: shared by every command that judges scenarios.
import { EXIT } from './errors.js';
import { STATUSES, type CaseResult, type Status, type Summary } from './types.js';

export function summarize(results: readonly Pick<CaseResult, 'status'>[]): Summary {
  const s = Object.fromEntries(STATUSES.map((st) => [st, 0])) as Record<Status, number>;
  for (const r of results) s[r.status]++;
  return { ...s, total: results.length };
}

/** 3 when anything ERRORed (the run cannot be trusted whole), else 1 on FAIL or XPASS, else the skip code
 * when every scenario was skipped, else 0. */
export function exitCodeFor(summary: Summary, skipExitCode = 0): number {
  if (summary.ERROR > 0) return EXIT.error;
  if (summary.FAIL > 0 || summary.XPASS > 0) return EXIT.fail;
  if (summary.total > 0 && summary.SKIP === summary.total) return skipExitCode;
  return EXIT.ok;
}

/** The worst of several verdicts, for --repeat: a kernel that fails once has failed. */
const SEVERITY: Status[] = ['SKIP', 'PASS', 'XFAIL', 'XPASS', 'FAIL', 'ERROR'];
export function worst(statuses: readonly Status[]): Status {
  return statuses.reduce((a, b) => (SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a));
}
