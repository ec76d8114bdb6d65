// The bench as CI entries: TAP14 (node-tap and friends), KTAP v1 (kernel CI), JUnit (Jenkins, GitLab,
// openQA). A measured path is `ok` with its figures as diagnostics/properties; an unavailable path is a
// SKIP with its reason. A noisy path stays `ok`: its figures exist, and the diagnostics say they are noisy.
// Escaping comes from the reporters' shared helpers (runner/report/names.ts). Pure.
import {
  ktapName,
  lineText,
  tapEscape,
  uniqueNames,
  withoutHash,
  xmlAttr,
  xmlText,
  yamlString,
} from '../report/names.js';
import { figureLine, figureProperties, headerLines } from './format.js';
import type { BenchResults, PathResult } from './types.js';

/** The dotted name of a path's entry: `bench.native`. */
export const entryName = (p: PathResult): string => `bench.${p.id}`;

/** TAP version 14: a YAML block under each measured path. */
export function renderTap14(r: BenchResults): string {
  const out = ['TAP version 14', `1..${r.paths.length}`];
  for (const h of [...headerLines(r), ...r.notes]) out.push(`# ${lineText(h)}`);
  const names = uniqueNames(r.paths.map(entryName));
  r.paths.forEach((p, i) => {
    const name = tapEscape(names[i] as string);
    if (p.status === 'unavailable') {
      out.push(`ok ${i + 1} - ${name} # SKIP ${tapEscape(p.reason)}`);
      return;
    }
    out.push(`ok ${i + 1} - ${name}`, '  ---');
    out.push(`  path: ${yamlString(p.id)}`, `  measures: ${yamlString(p.measures)}`);
    for (const [k, v] of figureProperties(p)) out.push(`  ${k}: ${/^(true|false|null|-?[\d.]+(e[-+]?\d+)?)$/.test(v) ? v : yamlString(v)}`);
    if (p.noisy) out.push(`  noisy_why: ${yamlString(p.noisyWhy ?? '')}`);
    out.push('  ...');
  });
  return `${out.join('\n')}\n`;
}

/** KTAP version 1: flat; the figures as `# ` diagnostic lines just before each result line. */
export function renderKtap(r: BenchResults): string {
  const out = ['KTAP version 1', `1..${r.paths.length}`];
  for (const h of [...headerLines(r), ...r.notes]) out.push(`# ${lineText(h)}`);
  const names = uniqueNames(r.paths.map((p) => ktapName(entryName(p))));
  r.paths.forEach((p, i) => {
    const name = names[i] as string;
    if (p.status === 'unavailable') {
      out.push(`ok ${i + 1} ${name} # SKIP ${withoutHash(lineText(p.reason))}`);
      return;
    }
    out.push(`# ${name}: ${lineText(figureLine(p))}`);
    out.push(`ok ${i + 1} ${name}`);
  });
  return `${out.join('\n')}\n`;
}

/** JUnit XML: one testcase per path, figures as <properties>, unavailable paths <skipped/>. */
export function renderJunit(r: BenchResults): string {
  const suite = 'sudcheck.bench';
  const skipped = r.paths.filter((p) => p.status === 'unavailable').length;
  const seconds = (r.run.durationMs / 1000).toFixed(3);
  const names = uniqueNames(r.paths.map((p) => p.id));
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="sudcheck-bench" tests="${r.paths.length}" failures="0" errors="0" skipped="${skipped}" time="${seconds}">`,
    `  <testsuite name="${suite}" tests="${r.paths.length}" failures="0" errors="0" skipped="${skipped}" time="${seconds}" timestamp="${xmlAttr(r.run.startedAt)}">`,
    '    <properties>',
    `      <property name="kernel" value="${xmlAttr(`${r.environment.kernel.release} ${r.environment.kernel.version}`)}"/>`,
    `      <property name="representative" value="${r.representative}"/>`,
    `      <property name="emulated" value="${r.environment.virtualization.emulated}"/>`,
    `      <property name="cpu" value="${r.environment.cpu}"/>`,
    `      <property name="pinned" value="${r.environment.pinned}"/>`,
    `      <property name="baseline_ns" value="${Math.round(r.method.baseline.median * 1000) / 1000}"/>`,
    ...(r.crossCheck.status === 'measured'
      ? [
          `      <property name="perf_ns_per_call" value="${r.crossCheck.nsPerCall}"/>`,
          ...(r.crossCheck.differencePct !== undefined
            ? [`      <property name="perf_difference_percent" value="${r.crossCheck.differencePct}"/>`]
            : []),
        ]
      : []),
    '    </properties>',
  ];
  r.paths.forEach((p, i) => {
    const name = xmlAttr(names[i] as string);
    if (p.status === 'unavailable') {
      out.push(
        `    <testcase classname="${suite}" name="${name}" time="0">`,
        `      <skipped message="${xmlAttr(p.reason)}"/>`,
        '    </testcase>',
      );
      return;
    }
    out.push(`    <testcase classname="${suite}" name="${name}" time="${p.seconds.toFixed(3)}">`, '      <properties>');
    for (const [k, v] of figureProperties(p)) out.push(`        <property name="${xmlAttr(k)}" value="${xmlAttr(v)}"/>`);
    out.push('      </properties>', `      <system-out>${xmlText(`${p.measures}: ${figureLine(p)}`)}</system-out>`, '    </testcase>');
  });
  out.push(`    <system-out>${xmlText([...headerLines(r), ...r.notes].join('\n'))}</system-out>`);
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}
