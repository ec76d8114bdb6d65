// The matrix report in markdown, HTML and plain text. Pure: Matrix in, text out.
// What a reader needs at a glance: which kernels booted, which features each has, which scenarios
// change with the kernel and why (each cell carries its reason), then everything that does not change.
import { singleLine, xmlAttr, xmlText } from '../report/names.js';
import { FEATURE_IDS, STATUSES, type Status } from '../types.js';
import { patternGroups, reasonsOf, steadyGroups, type Matrix, type MatrixCell, type MatrixKernel, type PatternGroup } from './model.js';

const REASON_CHARS = 90;

export function shorten(text: string, max = REASON_CHARS): string {
  const t = singleLine(text);
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

/** A markdown table cell: one line, `|` escaped, no raw HTML. */
export function mdCell(text: string): string {
  return singleLine(text)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`/g, "'");
}

const seconds = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);

function cellText(c: MatrixCell | null, withReason: boolean): string {
  if (!c) return '–';
  if (!withReason || c.status === 'PASS' || c.reason === '') return c.status;
  return `${c.status}: ${shorten(c.reason)}`;
}

/** Up to this many changing scenarios are listed openly; more go into a collapsed block. */
const OPEN_ROWS = 60;
const EXAMPLES = 4;

function groupTitle(g: PatternGroup): string {
  const ids = g.rows.map((r) => r.id);
  const shown = ids.slice(0, EXAMPLES).join(', ');
  return `${ids.length} × ${shown}${ids.length > EXAMPLES ? ', …' : ''}`;
}

function patternCell(status: Status | null, reasons: readonly string[]): string {
  if (status === null) return '–';
  if (status === 'PASS' || reasons.length === 0) return status;
  if (reasons.length === 1) return `${status}: ${shorten(reasons[0] as string, 140)}`;
  return `${status} (${reasons.length} reasons: ${shorten(reasons[0] as string, 60)}; …)`;
}

function bootText(k: MatrixKernel): string {
  return k.booted ? seconds(k.boot?.helloMs) : 'did not boot';
}

export function renderMatrixMarkdown(m: Matrix, tool: string): string {
  const out: string[] = [];
  const labels = m.kernels.map((k) => mdCell(k.label));
  out.push('# sudcheck kernel matrix', '');
  out.push(
    `${m.id}: ${m.kernels.length} kernels, ${m.rows.length} scenarios, **${m.changing} change with the kernel**. ${mdCell(tool)}, ${m.createdAt}.`,
    '',
  );

  out.push('## Kernels', '');
  out.push(`| kernel | version | accel | boot to agent | run | ${STATUSES.join(' | ')} | reports |`);
  out.push(`|---|---|---|---|---|${STATUSES.map(() => '---:').join('|')}|---|`);
  for (const k of m.kernels)
    out.push(
      `| ${mdCell(k.label)} | ${mdCell(k.version)} | ${k.boot?.accel ?? '–'} | ${bootText(k)} | ${seconds(k.durationMs)} | ${STATUSES.map((s) => k.summary[s]).join(' | ')} | [${mdCell(k.label)}/](${encodeURI(k.label)}/summary.txt) |`,
    );
  const broken = m.kernels.filter((k) => !k.booted || k.boot?.failure);
  if (broken.length) {
    out.push('', '**Kernels that did not complete:**', '');
    for (const k of broken) out.push(`- ${mdCell(k.label)}: ${mdCell(k.bootFailure ?? k.boot?.failure ?? 'unknown')}`);
  }

  out.push('', '## Features by kernel', '');
  out.push(`| feature | ${labels.join(' | ')} |`, `|---|${labels.map(() => '---').join('|')}|`);
  const features = [...m.changingFeatures, ...FEATURE_IDS.filter((f) => !m.changingFeatures.includes(f))];
  for (const f of features) {
    const cells = m.kernels.map((k) => (!k.booted ? '–' : k.features[f]?.present ? 'yes' : `no: ${shorten(k.features[f]?.detail ?? '', 60)}`));
    out.push(`| ${m.changingFeatures.includes(f) ? `**${f}**` : f} | ${cells.map(mdCell).join(' | ')} |`);
  }

  out.push('', `## How verdicts change with the kernel (${m.changing} scenarios)`, '');
  if (m.changing === 0) out.push('None: every kernel that booted gave every scenario the same verdict.');
  else {
    out.push('Scenarios grouped by their verdicts across kernels; each cell gives the reason when it is not PASS.', '');
    out.push(`| scenarios | ${labels.join(' | ')} |`, `|---|${labels.map(() => '---').join('|')}|`);
    for (const g of patternGroups(m)) out.push(`| ${mdCell(groupTitle(g))} | ${g.statuses.map((st, i) => mdCell(patternCell(st, g.reasons[i] ?? []))).join(' | ')} |`);
    const open = m.changing <= OPEN_ROWS;
    out.push('', `### Scenarios whose verdict changes with the kernel (${m.changing})`, '');
    if (!open) out.push('<details><summary>every such scenario</summary>', '');
    out.push(`| scenario | ${labels.join(' | ')} |`, `|---|${labels.map(() => '---').join('|')}|`);
    for (const r of m.rows.slice(0, m.changing)) out.push(`| ${mdCell(r.id)} | ${r.cells.map((c) => mdCell(cellText(c, true))).join(' | ')} |`);
    if (!open) out.push('', '</details>');
  }

  out.push('', '## Why scenarios were skipped or errored, by kernel', '');
  m.kernels.forEach((k, i) => {
    const skips = reasonsOf(m, i, 'SKIP');
    const errors = reasonsOf(m, i, 'ERROR');
    if (!skips.length && !errors.length) return;
    out.push(`### ${mdCell(k.label)}`, '');
    for (const [reason, n] of errors) out.push(`- ERROR ${n} × ${mdCell(shorten(reason, 400))}`);
    for (const [reason, n] of skips) out.push(`- SKIP ${n} × ${mdCell(shorten(reason, 400))}`);
    out.push('');
  });

  const steady = m.rows.length - m.changing;
  out.push(`## Same verdict on every kernel (${steady})`, '');
  if (steady) {
    out.push('| family | verdict | scenarios |', '|---|---|---:|');
    for (const g of steadyGroups(m)) out.push(`| ${mdCell(g.family)} | ${g.status} | ${g.count} |`);
    out.push('', '<details><summary>every scenario</summary>', '');
    out.push(`| scenario | ${labels.join(' | ')} |`, `|---|${labels.map(() => '---').join('|')}|`);
    for (const r of m.rows.slice(m.changing)) out.push(`| ${mdCell(r.id)} | ${r.cells.map((c) => mdCell(cellText(c, false))).join(' | ')} |`);
    out.push('', '</details>');
  }
  return out.join('\n') + '\n';
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
thead th{position:sticky;top:0;background:#f4f4f4}
td.n{text-align:right}
.PASS{background:#e6f4e6}.FAIL,.XPASS{background:#f9d6d5}.ERROR{background:#ecd9f2}.SKIP{background:#fff4cc}.XFAIL{background:#dff1f5}
.why{display:block;font-size:12px;color:#555;max-width:28em}
tr.changes td:first-child{border-left:4px solid #d33}
.no{color:#a00}.yes{color:#070}
code{font-size:13px}
`;

function htmlCell(c: MatrixCell | null, withReason: boolean): string {
  if (!c) return '<td>–</td>';
  const why = withReason && c.status !== 'PASS' && c.reason ? `<span class="why">${xmlText(shorten(c.reason, 160))}</span>` : '';
  return `<td class="${c.status}" title="${xmlAttr(c.reason)}">${c.status}${why}</td>`;
}

export function renderMatrixHtml(m: Matrix, tool: string): string {
  const h: string[] = [];
  const heads = m.kernels.map((k) => `<th title="${xmlAttr(`${k.release} ${k.version}`)}">${xmlText(k.label)}</th>`).join('');
  h.push('<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">', `<title>sudcheck kernel matrix ${xmlText(m.id)}</title>`, `<style>${STYLE}</style></head><body>`);
  h.push('<h1>sudcheck kernel matrix</h1>');
  h.push(
    `<p>${xmlText(m.id)}: ${m.kernels.length} kernels, ${m.rows.length} scenarios, <strong>${m.changing} change with the kernel</strong>. ${xmlText(tool)}, ${xmlText(m.createdAt)}.</p>`,
  );

  h.push('<h2>Kernels</h2><table><thead><tr><th>kernel</th><th>version</th><th>accel</th><th>boot to agent</th><th>run</th>');
  h.push(STATUSES.map((s) => `<th>${s}</th>`).join(''), '<th>reports</th></tr></thead><tbody>');
  for (const k of m.kernels) {
    const failure = k.bootFailure ?? k.boot?.failure;
    h.push(
      `<tr><td>${xmlText(k.label)}</td><td>${xmlText(k.version)}</td><td>${xmlText(k.boot?.accel ?? '–')}</td>` +
        `<td${k.booted ? '' : ' class="ERROR"'}>${xmlText(bootText(k))}${failure ? `<span class="why">${xmlText(shorten(failure, 400))}</span>` : ''}</td>` +
        `<td class="n">${seconds(k.durationMs)}</td>` +
        STATUSES.map((s) => `<td class="n${k.summary[s] && s !== 'PASS' ? ` ${s}` : ''}">${k.summary[s]}</td>`).join('') +
        `<td><a href="${xmlAttr(encodeURI(k.label))}/summary.txt">summary</a> <a href="${xmlAttr(encodeURI(k.label))}/results.json">json</a> ` +
        `<a href="${xmlAttr(encodeURI(k.label))}/junit.xml">junit</a> <a href="${xmlAttr(encodeURI(k.label))}/results.ktap">ktap</a> ` +
        `<a href="${xmlAttr(encodeURI(k.label))}/console.log">console</a></td></tr>`,
    );
  }
  h.push('</tbody></table>');

  h.push(`<h2>Features by kernel</h2><table><thead><tr><th>feature</th>${heads}</tr></thead><tbody>`);
  const features = [...m.changingFeatures, ...FEATURE_IDS.filter((f) => !m.changingFeatures.includes(f))];
  for (const f of features) {
    const cells = m.kernels
      .map((k) => {
        const st = k.features[f];
        if (!k.booted || !st) return '<td>–</td>';
        return `<td class="${st.present ? 'yes' : 'no'}" title="${xmlAttr(st.detail)}">${st.present ? 'yes' : 'no'}<span class="why">${xmlText(shorten(st.detail, 100))}</span></td>`;
      })
      .join('');
    h.push(`<tr${m.changingFeatures.includes(f) ? ' class="changes"' : ''}><td><code>${f}</code></td>${cells}</tr>`);
  }
  h.push('</tbody></table>');

  h.push(`<h2>How verdicts change with the kernel (${m.changing} scenarios)</h2>`);
  if (m.changing === 0) h.push('<p>None: every kernel that booted gave every scenario the same verdict.</p>');
  else {
    h.push('<p>Scenarios grouped by their verdicts across kernels; each cell gives the reason when it is not PASS.</p>');
    h.push(`<table><thead><tr><th>scenarios</th>${heads}</tr></thead><tbody>`);
    for (const g of patternGroups(m)) {
      const ids = g.rows.map((r) => r.id);
      const cells = g.statuses
        .map((st, i) => (st === null ? '<td>–</td>' : `<td class="${st}">${st}${(g.reasons[i] ?? []).map((r) => `<span class="why">${xmlText(shorten(r, 200))}</span>`).join('')}</td>`))
        .join('');
      h.push(
        `<tr class="changes"><td><strong>${ids.length}</strong> × <details><summary>${xmlText(ids.slice(0, EXAMPLES).join(', '))}${ids.length > EXAMPLES ? ', …' : ''}</summary><code>${ids.map(xmlText).join('<br>')}</code></details></td>${cells}</tr>`,
      );
    }
    h.push('</tbody></table>');
    h.push(`<details${m.changing <= OPEN_ROWS ? ' open' : ''}><summary>every scenario whose verdict changes (${m.changing})</summary>`);
    h.push(`<table><thead><tr><th>scenario</th>${heads}</tr></thead><tbody>`);
    for (const r of m.rows.slice(0, m.changing))
      h.push(`<tr class="changes"><td title="${xmlAttr(r.title)}"><code>${xmlText(r.id)}</code></td>${r.cells.map((c) => htmlCell(c, true)).join('')}</tr>`);
    h.push('</tbody></table></details>');
  }

  h.push('<h2>Why scenarios were skipped or errored, by kernel</h2>');
  m.kernels.forEach((k, i) => {
    const lines = [...reasonsOf(m, i, 'ERROR').map((x) => ['ERROR', ...x] as const), ...reasonsOf(m, i, 'SKIP').map((x) => ['SKIP', ...x] as const)];
    if (!lines.length) return;
    h.push(`<h3>${xmlText(k.label)}</h3><ul>`);
    for (const [status, reason, n] of lines) h.push(`<li><span class="${status}">${status}</span> ${n} × ${xmlText(shorten(reason, 400))}</li>`);
    h.push('</ul>');
  });

  const steady = m.rows.length - m.changing;
  h.push(`<h2>Same verdict on every kernel (${steady})</h2>`);
  if (steady) {
    h.push('<table><thead><tr><th>family</th><th>verdict</th><th>scenarios</th></tr></thead><tbody>');
    for (const g of steadyGroups(m)) h.push(`<tr><td>${xmlText(g.family)}</td><td class="${g.status}">${g.status}</td><td class="n">${g.count}</td></tr>`);
    h.push('</tbody></table>');
    h.push(`<details><summary>every scenario</summary><table><thead><tr><th>scenario</th>${heads}</tr></thead><tbody>`);
    for (const r of m.rows.slice(m.changing))
      h.push(`<tr><td title="${xmlAttr(r.title)}"><code>${xmlText(r.id)}</code></td>${r.cells.map((c) => htmlCell(c, false)).join('')}</tr>`);
    h.push('</tbody></table></details>');
  }
  h.push('</body></html>');
  return h.join('\n') + '\n';
}

/** A few lines for the terminal at the end of `sudcheck matrix`. */
export function renderMatrixText(m: Matrix): string {
  const width = Math.max(6, ...m.kernels.map((k) => k.label.length));
  const out = m.kernels.map((k) => {
    const counts = STATUSES.map((s) => `${s} ${k.summary[s]}`).join('  ');
    const note = !k.booted ? `  did not boot: ${shorten(k.bootFailure ?? '', 160)}` : k.boot?.failure ? `  stopped early: ${shorten(k.boot.failure, 160)}` : '';
    return `${k.label.padEnd(width)}  ${counts}  (${seconds(k.durationMs)}${k.boot?.accel ? `, ${k.boot.accel}` : ''})${note}`;
  });
  out.push(`${m.changing} of ${m.rows.length} scenarios change with the kernel${m.changingFeatures.length ? ` (features that differ: ${m.changingFeatures.join(', ')})` : ''}`);
  for (const g of patternGroups(m).slice(0, 12))
    out.push(`  ${String(g.rows.length).padStart(4)} × ${g.statuses.map((s) => s ?? '-').join(' ')}  ${shorten(g.rows.map((r) => r.id).join(' '), 80)}`);
  return out.join('\n') + '\n';
}

/** Statuses as a compact string for one row, e.g. `SKIP SKIP PASS PASS` (tests and logs). */
export function rowStatuses(cells: readonly (MatrixCell | null)[]): string {
  return cells.map((c) => (c ? (c.status as Status) : '-')).join(' ');
}
