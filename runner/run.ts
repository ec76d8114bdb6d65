// Runs scenarios on a target and assembles the canonical RunResults.
import { cpus } from 'node:os';
import { judge, describeExpectation, observedFacts, unmetRequirement } from './evaluate.js';
import { applyDeviation, findDeviation } from './expectations.js';
import { pool } from './pool.js';
import { familyOf } from './scenario.js';
import { summarize, worst } from './summary-counts.js';
import { FEATURE_IDS } from './types.js';
import type { CaseResult, Features, KernelInfo, KnownDeviation, Observation, RunInfo, RunResults, Scenario, Status, Target, Verdict } from './types.js';

export interface RunOptions {
  jobs: number;
  timeoutMs: number;
  repeat: number;
  deviations: KnownDeviation[];
  filter: string[];
  expectationsFile?: string;
  runId: string;
  tool: string;
  onResult?: (r: CaseResult, done: number, total: number) => void;
}

const STDERR_TAIL = 2000;

export function caseResult(
  s: Scenario,
  verdict: Verdict,
  o: Observation | null,
  rounds?: Status[],
): CaseResult {
  const r: CaseResult = {
    id: s.id,
    title: s.title,
    family: familyOf(s.id),
    refs: s.refs,
    requires: s.requires,
    status: verdict.status,
    reason: verdict.reason,
    mismatches: verdict.mismatches,
    expected: describeExpectation(s.expect),
    observed: o
      ? {
          exitCode: o.exitCode,
          signal: o.signal,
          timedOut: o.timedOut,
          facts: observedFacts(o),
          stderrTail: o.stderr.slice(-STDERR_TAIL),
          durationMs: Math.round(o.durationMs * 10) / 10,
        }
      : null,
  };
  if (s.draft) r.draft = s.draft;
  if (rounds && rounds.length > 1) {
    r.rounds = rounds;
    r.flaky = new Set(rounds).size > 1;
  }
  return r;
}

/** Runs one scenario `repeat` times (requirements are checked once: probes do not change within a run). */
export async function runScenario(
  target: Target,
  s: Scenario,
  features: Features,
  kernel: KernelInfo,
  opts: Pick<RunOptions, 'timeoutMs' | 'repeat' | 'deviations'>,
): Promise<CaseResult> {
  const unmet = unmetRequirement(s, features);
  if (unmet) return caseResult(s, { status: 'SKIP', reason: `${unmet} (kernel ${kernel.release})`, mismatches: [] }, null);
  const deviation = findDeviation(s.id, kernel.release, opts.deviations);
  const rounds: { verdict: Verdict; o: Observation }[] = [];
  for (let i = 0; i < Math.max(1, opts.repeat); i++) {
    const o = await target.run(s, s.timeoutMs ?? opts.timeoutMs);
    rounds.push({ verdict: applyDeviation(judge(s, o), deviation), o });
  }
  const statuses = rounds.map((r) => r.verdict.status);
  const worstStatus = worst(statuses);
  const chosen = rounds.find((r) => r.verdict.status === worstStatus) ?? (rounds[0] as (typeof rounds)[number]);
  const flaky = new Set(statuses).size > 1;
  const verdict = flaky
    ? { ...chosen.verdict, reason: `flaky: verdicts differ across ${statuses.length} rounds (${statuses.join(', ')}); worst: ${chosen.verdict.reason}` }
    : chosen.verdict;
  return caseResult(s, verdict, chosen.o, opts.repeat > 1 ? statuses : undefined);
}

/** Feature states for a target that never got as far as probing (reported, never used to SKIP). */
function unprobed(reason: string): Features {
  return Object.fromEntries(FEATURE_IDS.map((id) => [id, { present: false, detail: `not probed: ${reason}` }])) as Features;
}

export async function runSuite(target: Target, scenarios: Scenario[], opts: RunOptions): Promise<RunResults> {
  const startedAt = new Date();
  const t0 = performance.now();
  const prep = await target.prepare(scenarios, { timeoutMs: opts.timeoutMs, repeat: opts.repeat });
  const kernel = prep.kernel;
  let done = 0;
  const one = async (s: Scenario) =>
    prep.ok
      ? runScenario(target, s, prep.features, kernel, opts)
      : caseResult(s, { status: 'ERROR', reason: `the target never ran it: ${prep.reason}`, mismatches: [] }, null);
  const report = (r: CaseResult) => opts.onResult?.(r, ++done, scenarios.length);
  // Exclusive scenarios change machine-wide state: they run one at a time, after everything else.
  const shared = scenarios.filter((s) => !s.exclusive);
  const alone = scenarios.filter((s) => s.exclusive);
  const byId = new Map<string, CaseResult>();
  for (const r of await pool(shared, opts.jobs, one, report)) byId.set(r.id, r);
  for (const r of await pool(alone, 1, one, report)) byId.set(r.id, r);
  const results = scenarios.map((s) => byId.get(s.id) as CaseResult);
  const features = prep.ok ? prep.features : unprobed(prep.reason);
  const run: RunInfo = {
    id: opts.runId,
    tool: opts.tool,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - t0),
    target: { kind: target.kind, kernel, ...target.describe?.() },
    host: { node: process.version, cpus: cpus().length },
    options: {
      filter: opts.filter,
      jobs: opts.jobs,
      timeoutMs: opts.timeoutMs,
      repeat: opts.repeat,
      ...(opts.expectationsFile ? { expectations: opts.expectationsFile } : {}),
    },
  };
  return { schema: 'sudcheck-results/1', run, features, summary: summarize(results), results };
}
