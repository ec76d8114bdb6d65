// KTAP v1 for kernel CI (kselftest runner, KernelCI, LKFT/tuxrun, LAVA): one nested subtest per family.
//
// Naming: a case is named after its whole id, flattened (`selector.invalid-value.0x02` ->
// `selector_invalid-value_0x02`), not after the id minus its family. Linaro's kselftest parser names
// every result line `<collection>_<name>`, where <collection> comes from the runner's `# selftests:` line
// and nesting is ignored; two families with a case of the same name (`prctl.basic`, `region.basic`)
// would otherwise merge in LKFT. KernelCI still gets the family from the nesting.
import type { CaseResult, RunResults } from '../types.js';
import {
  byFamily,
  detailLines,
  EXPLAINED,
  ktapName,
  lineText,
  runHeaderLines,
  uniqueNames,
  withoutHash,
} from './names.js';

const INDENT = '  ';

/** ` # SKIP reason`: the reason on one line, without `#`, with nothing that looks like a result. */
function directive(kind: 'SKIP' | 'XFAIL' | 'TIMEOUT' | 'ERROR', reason: string): string {
  const text = withoutHash(lineText(reason)).trim();
  return text === '' ? ` # ${kind}` : ` # ${kind} ${text}`;
}

function diagnosticLine(text: string): string {
  return `# ${lineText(text)}`;
}

/** An ERROR that is a timeout gets KTAP's TIMEOUT directive, as the kselftest runner writes it. */
function isTimeout(r: CaseResult): boolean {
  return r.observed?.timedOut === true || /\btime(?:d[ -]?)?out\b/i.test(r.reason);
}

function caseLines(r: CaseResult, n: number, name: string): string[] {
  const result = {
    PASS: `ok ${n} ${name}`,
    SKIP: `ok ${n} ${name}${directive('SKIP', r.reason)}`,
    XFAIL: `ok ${n} ${name}${directive('XFAIL', r.reason)}`,
    FAIL: `not ok ${n} ${name}`,
    XPASS: `not ok ${n} ${name}`,
    ERROR: `not ok ${n} ${name}${directive(isTimeout(r) ? 'TIMEOUT' : 'ERROR', r.reason)}`,
  }[r.status];
  if (!EXPLAINED.has(r.status)) return [result];
  // Diagnostics about a test go directly before its result line (KTAP v1).
  return [diagnosticLine(`${r.id} ${r.status}: ${r.title}`), ...detailLines(r).map(diagnosticLine), result];
}

/** A family's own result: fails if any case is `not ok`; SKIP only when every case was skipped. */
function familyResult(cases: readonly CaseResult[], n: number, name: string): string {
  if (cases.some((c) => c.status === 'FAIL' || c.status === 'ERROR' || c.status === 'XPASS')) return `not ok ${n} ${name}`;
  if (cases.every((c) => c.status === 'SKIP')) {
    const reasons = new Set(cases.map((c) => c.reason));
    const [only] = reasons;
    const why = reasons.size === 1 && only !== undefined ? only : `all ${cases.length} cases skipped`;
    return `ok ${n} ${name}${directive('SKIP', why)}`;
  }
  return `ok ${n} ${name}`;
}

export function renderKtap(results: RunResults): string {
  const families = byFamily(results.results);
  // Linaro flattens families and cases alike to `<collection>_<name>`: one namespace for both.
  const members = families.flatMap(([, cases]) => cases);
  const names = uniqueNames([...families.map(([family]) => family), ...members.map((c) => c.id)].map(ktapName));
  const [familyNames, caseNames] = [names.slice(0, families.length), names.slice(families.length)];

  const out = ['KTAP version 1', ...runHeaderLines(results).map(diagnosticLine), `1..${families.length}`];
  let k = 0;
  families.forEach(([, cases], f) => {
    const name = familyNames[f] ?? 'unnamed';
    const nested = [
      'KTAP version 1',
      `# Subtest: ${name}`,
      `1..${cases.length}`,
      ...cases.flatMap((c, i) => caseLines(c, i + 1, caseNames[k++] ?? 'unnamed')),
    ];
    out.push(...nested.map((l) => INDENT + l), familyResult(cases, f + 1, name));
  });
  return `${out.join('\n')}\n`;
}
