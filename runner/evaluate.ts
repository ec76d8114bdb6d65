// The evaluator: Scenario + Observation -> Verdict. Pure; unit-tested without a kernel.
//
// The rules that keep verdicts honest:
//   - a requirement the target lacks is SKIP with the probe's reason, and the fixture never runs;
//   - the harness or a fixture breaking (spawn failure, timeout, exit 3, any unexpected exit code,
//     malformed output, a crash signal the kernel's dispatch code never sends) is ERROR;
//   - the kernel doing something other than expected (wrong exit/signal, wrong fact) is FAIL;
//   - only a run in which every expectation was met is PASS.
import { parseFacts } from './facts.js';
import type { Expectation, FactMatcher, Features, Mismatch, Observation, Scenario, Verdict } from './types.js';

export const EXIT_RAN = 0;
export const EXIT_HARNESS = 3;
export const EXIT_SKIP = 4;

/** Signals the kernel's dispatch path itself delivers (bad selector: SIGSYS; unreadable selector: SIGSEGV).
 * An unexpected death by one of these is the kernel's doing (FAIL); by any other signal, a fixture crash (ERROR). */
const KERNEL_SIGNALS = new Set(['SIGSYS', 'SIGSEGV']);

/** Why the scenario cannot run on a target with these features, or null when it can. */
export function unmetRequirement(scenario: Scenario, features: Features): string | null {
  for (const f of scenario.requires) {
    const state = features[f];
    if (!state) return `requires '${f}', which was not probed`;
    if (!state.present) return `requires '${f}': ${state.detail}`;
  }
  return null;
}

export function describeMatcher(m: FactMatcher): string {
  if (typeof m === 'string') return m;
  if ('absent' in m) return '(not reported)';
  if ('present' in m) return '(any value)';
  if ('anyOf' in m) return `one of ${m.anyOf.join(', ')}`;
  if ('sameAs' in m) return `same as fact '${m.sameAs}'`;
  if ('notSameAs' in m) return `different from fact '${m.notSameAs}'`;
  return `matching /${m.pattern}/`;
}

/** The expected outcome in words, for reports. */
export function describeExpectation(e: Expectation): string {
  const end = e.signal ? `killed by ${e.signal}` : `exit ${e.exit ?? 0}`;
  const facts = Object.entries(e.facts ?? {}).map(([k, m]) => `${k}=${describeMatcher(m)}`);
  return facts.length ? `${end}; ${facts.join(', ')}` : end;
}

const NOT_REPORTED = '(not reported)';

/** Compares one fact; returns a mismatch or null. `facts` holds everything the fixture printed. */
export function checkFact(key: string, m: FactMatcher, facts: Record<string, string>): Mismatch | null {
  const has = Object.hasOwn(facts, key);
  const value = has ? (facts[key] as string) : NOT_REPORTED;
  const what = `fact ${key}`;
  if (typeof m !== 'string' && 'absent' in m)
    return has ? { what, expected: NOT_REPORTED, observed: value } : null;
  if (!has) return { what, expected: describeMatcher(m), observed: NOT_REPORTED };
  if (typeof m === 'string') return value === m ? null : { what, expected: m, observed: value };
  if ('present' in m) return null;
  if ('anyOf' in m) return m.anyOf.includes(value) ? null : { what, expected: describeMatcher(m), observed: value };
  if ('pattern' in m)
    return new RegExp(`^(?:${m.pattern})$`).test(value) ? null : { what, expected: describeMatcher(m), observed: value };
  const otherKey = 'sameAs' in m ? m.sameAs : m.notSameAs;
  if (!Object.hasOwn(facts, otherKey))
    return { what, expected: `${describeMatcher(m)} (which was not reported)`, observed: value };
  const other = facts[otherKey] as string;
  const equal = other === value;
  if ('sameAs' in m) return equal ? null : { what, expected: `${other} (fact '${otherKey}')`, observed: value };
  return equal ? { what, expected: `not ${other} (fact '${otherKey}')`, observed: value } : null;
}

function ended(o: Observation): string {
  if (o.signal) return `killed by ${o.signal}`;
  return `exit ${o.exitCode}`;
}

const error = (reason: string, mismatches: Mismatch[] = []): Verdict => ({ status: 'ERROR', reason, mismatches });

/** Judges one observed run of a scenario. XFAIL/XPASS are applied afterwards (expectations.ts). */
export function judge(scenario: Scenario, o: Observation): Verdict {
  if (o.spawnError) return error(`fixture could not be started: ${o.spawnError}`);
  if (o.timedOut) return error(`timed out after ${Math.round(o.durationMs)} ms; the process group was killed`);

  const { facts, problems } = parseFacts(o.stdout);
  if (problems.length) return error(`malformed fixture output: ${problems.join('; ')}`);

  if (o.exitCode === EXIT_SKIP) {
    const why = facts['skip'];
    return why ? { status: 'SKIP', reason: why, mismatches: [] } : error('fixture exited 4 (skip) without a skip= reason');
  }
  if (o.exitCode === EXIT_HARNESS) return error(`fixture reported a setup failure: ${facts['error'] ?? '(no error= fact)'}`);
  if (o.signal === null && o.exitCode !== EXIT_RAN)
    return error(`fixture exited with unexpected code ${o.exitCode}${facts['error'] ? `: ${facts['error']}` : ''}`);

  const e = scenario.expect;
  const mismatches: Mismatch[] = [];
  if (e.signal) {
    if (o.signal !== e.signal) {
      if (o.signal && !KERNEL_SIGNALS.has(o.signal))
        return error(`fixture crashed with ${o.signal} (expected ${e.signal})`);
      mismatches.push({ what: 'signal', expected: `killed by ${e.signal}`, observed: ended(o) });
    }
  } else {
    const want = e.exit ?? EXIT_RAN;
    if (o.signal) {
      if (!KERNEL_SIGNALS.has(o.signal)) return error(`fixture crashed with ${o.signal}`);
      mismatches.push({ what: 'exit', expected: `exit ${want}`, observed: ended(o) });
    } else if (o.exitCode !== want) {
      mismatches.push({ what: 'exit', expected: `exit ${want}`, observed: ended(o) });
    }
  }

  const factMismatches = Object.entries(e.facts ?? {})
    .map(([k, m]) => checkFact(k, m, facts))
    .filter((m): m is Mismatch => m !== null);

  // A fixture that ran cleanly to its end but did not print a fact it is expected to print is a
  // fixture bug (ERROR); when the kernel already cut the run short or disagreed elsewhere, the missing
  // fact is part of the kernel's misbehaviour (FAIL).
  const unreported = factMismatches.filter((m) => m.observed === NOT_REPORTED);
  if (mismatches.length === 0 && unreported.length > 0 && unreported.length === factMismatches.length && !o.signal)
    return error(`fixture ran to the end without reporting ${unreported.map((m) => m.what.slice(5)).join(', ')}`, unreported);

  mismatches.push(...factMismatches);
  if (mismatches.length === 0) return { status: 'PASS', reason: 'as expected', mismatches };
  const first = mismatches[0] as Mismatch;
  const more = mismatches.length > 1 ? ` (+${mismatches.length - 1} more)` : '';
  return {
    status: 'FAIL',
    reason: `${first.what}: expected ${first.expected}, observed ${first.observed}${more}`,
    mismatches,
  };
}

/** Facts of an observation, for reports (malformed lines are dropped there; judge() already flagged them). */
export function observedFacts(o: Observation): Record<string, string> {
  return parseFacts(o.stdout).facts;
}
