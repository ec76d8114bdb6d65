// TAP version 14: one flat test point per case, in run order, for node-tap and general TAP consumers.
// XFAIL is `not ok # TODO` (TAP's "expected to fail, does not count"); XPASS is a plain `not ok`, so
// a stale expectation breaks the run until someone removes it.
import type { CaseResult, RunResults, Status } from '../types.js';
import { EXPLAINED, lineText, lines, neutraliseMarkers, runHeaderLines, tapEscape, yamlString } from './names.js';

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml | undefined };

/** Block-style YAML for a diagnostic value; strings always double-quoted (see yamlString). */
function yamlLines(value: Yaml, indent: string): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}[]`];
    return value.flatMap((item) => {
      const [first = '', ...rest] = yamlLines(item, `${indent}  `);
      return [`${indent}- ${first.trimStart()}`, ...rest];
    });
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v]) => {
      if (v === undefined) return [];
      const nested = Array.isArray(v) ? v.length > 0 : v !== null && typeof v === 'object';
      if (nested) return [`${indent}${key}:`, ...yamlLines(v, `${indent}  `)];
      return [`${indent}${key}: ${yamlLines(v, '')[0]}`];
    });
  }
  return [`${indent}${typeof value === 'string' ? yamlString(neutraliseMarkers(value)) : String(value)}`];
}

function diagnostic(r: CaseResult): Yaml {
  const stderr = r.observed ? lines(r.observed.stderrTail) : [];
  return {
    status: r.status,
    reason: r.reason,
    title: r.title,
    refs: r.refs,
    expected: r.expected,
    mismatches: r.mismatches.map((m) => ({ what: m.what, expected: m.expected, observed: m.observed })),
    observed: r.observed && {
      exitCode: r.observed.exitCode,
      signal: r.observed.signal,
      timedOut: r.observed.timedOut,
      durationMs: r.observed.durationMs,
    },
    stderr: stderr.length > 0 ? stderr : undefined,
    draft: r.draft,
    rounds: r.rounds,
    flaky: r.flaky,
  };
}

const DIRECTIVE: Partial<Record<Status, string>> = { SKIP: 'SKIP', XFAIL: 'TODO' };

function directive(r: CaseResult): string {
  const kind = DIRECTIVE[r.status];
  if (kind === undefined) return '';
  const reason = tapEscape(r.reason).trim();
  return reason === '' ? ` # ${kind}` : ` # ${kind} ${reason}`;
}

function testPoint(r: CaseResult, n: number): string[] {
  const ok = r.status === 'PASS' || r.status === 'SKIP' ? 'ok' : 'not ok';
  const head = `${ok} ${n} - ${tapEscape(r.id)}${directive(r)}`;
  if (!EXPLAINED.has(r.status) && !r.flaky) return [head];
  return [head, '  ---', ...yamlLines(diagnostic(r), '  '), '  ...'];
}

export function renderTap14(results: RunResults): string {
  const out = [
    'TAP version 14',
    ...runHeaderLines(results).map((l) => `# ${lineText(l)}`),
    `1..${results.results.length}`,
    ...results.results.flatMap((r, i) => testPoint(r, i + 1)),
  ];
  return `${out.join('\n')}\n`;
}
