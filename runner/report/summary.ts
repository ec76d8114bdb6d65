// The console summary a person reads at the end of a run, and the one-line progress as cases finish.
// Plain text; ANSI colours only when asked for (a terminal), never in summary.txt.
import type { CaseResult, RunResults, Status } from '../types.js';
import { STATUSES } from '../types.js';
import { countByStatus, detailLines, runHeaderLines, singleLine } from './names.js';

export interface SummaryOptions {
  color?: boolean;
}

const COLOR: Record<Status, string> = {
  PASS: '\x1b[32m',
  FAIL: '\x1b[31m',
  ERROR: '\x1b[35m',
  XPASS: '\x1b[31m',
  SKIP: '\x1b[33m',
  XFAIL: '\x1b[36m',
};

function paint(status: Status, text: string, options: SummaryOptions): string {
  return options.color ? `${COLOR[status]}${text}\x1b[0m` : text;
}

/** `[ 3/42] FAIL  selector.foo (12 ms): reason` — one line per finished case. */
export function progressLine(result: CaseResult, done: number, total: number, options: SummaryOptions = {}): string {
  const width = String(total).length;
  const ms = result.observed ? ` (${result.observed.durationMs} ms)` : '';
  const why = result.status === 'PASS' ? '' : `: ${result.reason}`;
  const status = paint(result.status, result.status.padEnd(5), options);
  return `[${String(done).padStart(width)}/${total}] ${status} ${singleLine(`${result.id}${ms}${why}`)}`;
}

/** Beyond this many cases with one and the same ERROR reason (a VM that never booted), the rest are counted. */
export const SAME_ERROR_SHOWN = 3;

/** Each attention-worthy case with its explanation, indented under its headline. ERRORs that share one
 * reason are shown a few times, then counted, so that a target that never came up stays readable. */
function problems(cases: readonly CaseResult[], options: SummaryOptions): string[] {
  const seen = new Map<string, number>();
  const hidden = new Map<string, number>();
  const out = cases.flatMap((r) => {
    if (r.status === 'ERROR') {
      const n = (seen.get(r.reason) ?? 0) + 1;
      seen.set(r.reason, n);
      if (n > SAME_ERROR_SHOWN) {
        hidden.set(r.reason, (hidden.get(r.reason) ?? 0) + 1);
        return [];
      }
    }
    return [`${paint(r.status, r.status, options)} ${singleLine(`${r.id}: ${r.title}`)}`, ...detailLines(r).map((l) => `    ${singleLine(l)}`)];
  });
  for (const [reason, n] of hidden) out.push(`... and ${n} more ERROR with the same reason: ${singleLine(reason).slice(0, 200)}`);
  return out;
}

/** Skip reasons, each once with how many cases it covers, most frequent first. */
function skipReasons(cases: readonly CaseResult[]): string[] {
  const byReason = new Map<string, number>();
  for (const r of cases) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
  return [...byReason]
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => `  ${String(n).padStart(4)} x ${singleLine(reason || '(no reason given)')}`);
}

export function renderSummary(results: RunResults, options: SummaryOptions = {}): string {
  const cases = results.results;
  const counts = countByStatus(cases);
  const of = (...statuses: Status[]): CaseResult[] => cases.filter((r) => statuses.includes(r.status));
  const countLine = STATUSES.map((s) => paint(s, `${s} ${counts[s]}`, options)).join('  ');
  const problemCases = of('FAIL', 'ERROR', 'XPASS');
  const xfails = of('XFAIL');
  const skips = of('SKIP');
  const flaky = cases.filter((r) => r.flaky);

  const out = [
    ...runHeaderLines(results).map(singleLine),
    '',
    `${counts.total} cases: ${countLine}`,
    `duration: ${(results.run.durationMs / 1000).toFixed(1)} s`,
  ];
  if (problemCases.length > 0)
    out.push('', 'Failures, errors and unexpected passes:', ...problems(problemCases, options));
  if (xfails.length > 0)
    out.push('', 'Known deviations (XFAIL):', ...xfails.map((r) => `  ${singleLine(`${r.id}: ${r.reason}`)}`));
  if (flaky.length > 0)
    out.push(
      '',
      'Flaky (verdict changed between rounds):',
      ...flaky.map((r) => `  ${singleLine(r.id)}: ${(r.rounds ?? []).join(' ')}`),
    );
  if (skips.length > 0) out.push('', `Skipped (${skips.length}), by reason:`, ...skipReasons(skips));
  return `${out.join('\n')}\n`;
}
