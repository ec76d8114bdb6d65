// JUnit XML for Jenkins, GitLab CI and openQA: one <testsuite> per family, one <testcase> per case.
//
// XFAIL is written as <skipped type="XFAIL" message="known deviation: ..."/> with the details in
// <system-out>, not as a pass: the case did not show the specified behaviour, and a pass would hide that
// in every CI dashboard (GitLab and Jenkins show a skip's message in the list, a pass's system-out only
// on request). It must not fail the build either, and <skipped/> is the one non-failing, visible outcome
// CI tools count; pytest's JUnit output maps xfail the same way, so CI users already read it so.
// XPASS is a <failure type="XPASS">: a stale expectation must be noticed.
import type { CaseResult, RunResults, Status } from '../types.js';
import {
  byFamily,
  countByStatus,
  detailLines,
  featureSets,
  knownDeviationNote,
  singleLine,
  uniqueNames,
  xmlAttr,
  xmlText,
} from './names.js';

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function attrs(pairs: Record<string, string | number>): string {
  return Object.entries(pairs)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

/** tests/failures/errors/skipped as JUnit counts them (see the header comment for XFAIL and XPASS). */
function counts(cases: readonly CaseResult[]): Record<'tests' | 'failures' | 'errors' | 'skipped', number> {
  const c = countByStatus(cases);
  return { tests: c.total, failures: c.FAIL + c.XPASS, errors: c.ERROR, skipped: c.SKIP + c.XFAIL };
}

function caseDuration(r: CaseResult): number {
  return r.observed?.durationMs ?? 0;
}

function body(r: CaseResult): string {
  return xmlText(detailLines(r).join('\n'));
}

/** The child element that gives a testcase its outcome; none for PASS. */
const OUTCOME: Record<Status, (r: CaseResult) => string[]> = {
  PASS: () => [],
  SKIP: (r) => [`<skipped${attrs({ message: singleLine(r.reason) })}/>`],
  XFAIL: (r) => [
    `<skipped${attrs({ type: 'XFAIL', message: singleLine(knownDeviationNote(r)) })}/>`,
    `<system-out>${body(r)}</system-out>`,
  ],
  FAIL: (r) => [`<failure${attrs({ message: singleLine(r.reason), type: 'FAIL' })}>${body(r)}</failure>`],
  XPASS: (r) => [
    `<failure${attrs({ message: singleLine(knownDeviationNote(r)), type: 'XPASS' })}>${body(r)}</failure>`,
  ],
  ERROR: (r) => [`<error${attrs({ message: singleLine(r.reason), type: 'ERROR' })}>${body(r)}</error>`],
};

function testcase(r: CaseResult, name: string): string[] {
  const open = `<testcase${attrs({ classname: `sudcheck.${r.family}`, name, time: seconds(caseDuration(r)) })}`;
  const inner = OUTCOME[r.status](r);
  return inner.length === 0 ? [`${open}/>`] : [`${open}>`, ...inner.map((l) => `  ${l}`), '</testcase>'];
}

function properties(results: RunResults): string[] {
  const { run, features } = results;
  const { kernel } = run.target;
  const props: Array<[string, string]> = [
    ['tool', run.tool],
    ['run', run.id],
    ['startedAt', run.startedAt],
    ['kernel.release', kernel.release],
    ['kernel.version', kernel.version],
    ['kernel.machine', kernel.machine],
    ['target', run.target.kind],
    ...(run.target.image !== undefined ? [['target.image', run.target.image] as [string, string]] : []),
    ['features.present', featureSets(features).present.join(' ')],
    ['features.absent', featureSets(features).absent.join(' ')],
    ...Object.entries(features).map(([id, f]): [string, string] => [
      `feature.${id}`,
      `${f.present ? 'present' : 'absent'}: ${f.detail}`,
    ]),
  ];
  return ['<properties>', ...props.map(([name, value]) => `  <property${attrs({ name, value })}/>`), '</properties>'];
}

export function renderJunit(results: RunResults): string {
  const suites = byFamily(results.results).flatMap(([family, cases]) => {
    // classname is per family, so names unique within a family make classname + name unique.
    const names = uniqueNames(cases.map((c) => c.id));
    const time = cases.reduce((sum, c) => sum + caseDuration(c), 0);
    return [
      `<testsuite${attrs({ name: family, ...counts(cases), time: seconds(time) })}>`,
      ...cases.flatMap((c, i) => testcase(c, names[i] ?? c.id)).map((l) => `  ${l}`),
      '</testsuite>',
    ];
  });
  const root = attrs({ name: 'sudcheck', ...counts(results.results), time: seconds(results.run.durationMs) });
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${root}>`,
    ...[...properties(results), ...suites].map((l) => `  ${l}`),
    '</testsuites>',
  ];
  return `${out.join('\n')}\n`;
}
