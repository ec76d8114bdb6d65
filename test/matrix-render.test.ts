// The matrix model and its renderers, from hand-made results: rows that change with the kernel come
// first with their reasons, a kernel that never booted is shown but not compared, nothing escapes.
import t from 'tap';
import { buildMatrix, patternGroups, steadyGroups, totalSummary, type MatrixKernelInput } from '../runner/matrix/model.js';
import { mdCell, renderMatrixHtml, renderMatrixMarkdown, renderMatrixText, rowStatuses } from '../runner/matrix/render.js';
import { exitCodeFor } from '../runner/summary-counts.js';
import type { CaseResult, RunResults } from '../runner/types.js';
import { caseResult, features, NASTY, runResults } from './helpers/sample-results.js';

const NO_SUD = "requires 'sud': prctl(PR_SET_SYSCALL_USER_DISPATCH, OFF, 0, 0, 0) failed with EINVAL: no Syscall User Dispatch";
const NO_INCLUSIVE = "requires 'inclusive': PR_SYS_DISPATCH_INCLUSIVE_ON (2) rejected with EINVAL (added in 6.17)";

function kernel(label: string, cases: CaseResult[], absent: string[] = []): MatrixKernelInput {
  const r: RunResults = runResults(cases, {
    target: { kind: 'qemu', kernel: { release: label, version: '#1 SMP', machine: 'x86_64' } },
  });
  r.features = features(absent);
  return { label, image: `/cache/${label}/vmlinuz`, results: r, boot: { accel: 'tcg', helloMs: 2500 } };
}

const skip = (id: string, reason: string) => caseResult(id, 'SKIP', { reason: `${reason} (kernel x)`, observed: null });
const pass = (id: string) => caseResult(id, 'PASS');

const k510 = kernel('5.10.0-46', [skip('prctl.a', NO_SUD), skip('prctl.b', NO_SUD), skip('inclusive.c', NO_SUD), skip('edge.d', NO_SUD)], ['sud', 'inclusive']);
const k61 = kernel('6.1.0-57', [pass('prctl.a'), pass('prctl.b'), skip('inclusive.c', NO_INCLUSIVE), caseResult('edge.d', 'FAIL', { reason: 'fact arm.ret: expected 0, observed -1' })], ['inclusive']);
const k618 = kernel('6.18.15', [pass('prctl.a'), pass('prctl.b'), pass('inclusive.c'), pass('edge.d')]);
const broken = kernel(
  'garbage',
  ['prctl.a', 'prctl.b', 'inclusive.c', 'edge.d'].map((id) =>
    caseResult(id, 'ERROR', { reason: 'the target never ran it: /x/garbage is not a bootable kernel image', observed: null }),
  ),
);

t.test('rows that change with the kernel come first; a kernel that never booted is not compared', async (t) => {
  const m = buildMatrix([k510, k61, k618, broken], 'matrix-test', '2026-01-01T00:00:00Z');
  t.same(
    m.kernels.map((k) => [k.label, k.booted]),
    [
      ['5.10.0-46', true],
      ['6.1.0-57', true],
      ['6.18.15', true],
      ['garbage', false],
    ],
  );
  t.equal(m.kernels[3]?.bootFailure, '/x/garbage is not a bootable kernel image');
  t.equal(m.changing, 4);
  t.same(m.changingFeatures, ['sud', 'inclusive']);
  const only = buildMatrix([k61, k618, broken], 'm2');
  t.same(
    only.rows.map((r) => [r.id, r.changes]),
    [
      ['inclusive.c', true],
      ['edge.d', true],
      ['prctl.a', false],
      ['prctl.b', false],
    ],
    'changing rows first, suite order kept within each group; the ERROR column does not count',
  );
  t.equal(only.rows[0]?.cells[0]?.reason, NO_INCLUSIVE, "the runner's '(kernel x)' suffix is dropped: the column says which kernel");
  t.same(steadyGroups(only), [{ family: 'prctl', status: 'PASS', count: 2 }]);
});

t.test('pattern groups: alarming patterns first, then the largest, with each kernel reason', async (t) => {
  const m = buildMatrix([k510, k61, k618], 'm');
  const groups = patternGroups(m);
  t.same(
    groups.map((g) => [rowStatuses(g.rows[0]?.cells ?? []), g.rows.length]),
    [
      ['SKIP FAIL PASS', 1],
      ['SKIP PASS PASS', 2],
      ['SKIP SKIP PASS', 1],
    ],
  );
  t.same(groups[2]?.reasons, [[NO_SUD], [NO_INCLUSIVE], []]);
});

t.test('exit code over the whole matrix', async (t) => {
  t.equal(exitCodeFor(totalSummary(buildMatrix([k510], 'm')), 0), 0, 'all SKIP: the skip code');
  t.equal(exitCodeFor(totalSummary(buildMatrix([k510], 'm')), 4), 4);
  t.equal(exitCodeFor(totalSummary(buildMatrix([k510, k618], 'm'))), 0);
  t.equal(exitCodeFor(totalSummary(buildMatrix([k510, k61, k618], 'm'))), 1, 'a FAIL anywhere');
  t.equal(exitCodeFor(totalSummary(buildMatrix([k618, broken], 'm'))), 3, 'a kernel that did not boot is ERROR');
});

t.test('markdown: kernels, features, how verdicts change with reasons, then the steady rows', async (t) => {
  const md = renderMatrixMarkdown(buildMatrix([k510, k61, k618, broken], 'matrix-test', '2026-01-01T00:00:00Z'), 'sudcheck 0.1.0');
  const sections = [...md.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
  t.same(sections, [
    'Kernels',
    'Features by kernel',
    'How verdicts change with the kernel (4 scenarios)',
    'Why scenarios were skipped or errored, by kernel',
    'Same verdict on every kernel (0)',
  ]);
  t.match(md, /\| 1 × edge\.d \| SKIP: requires 'sud': .* \| FAIL: fact arm\.ret: expected 0, observed -1 \| PASS \| ERROR: \/x\/garbage is not a bootable kernel image \|/);
  t.match(md, /- garbage: \/x\/garbage is not a bootable kernel image/, 'why a kernel did not complete');
  t.match(md, /\| \*\*inclusive\*\* \| no: inclusive probe failed \| no: inclusive probe failed \| yes \| – \|/);
  t.match(md, /- SKIP 1 × requires 'inclusive'/);
  t.match(md, /\[6\.1\.0-57\/\]\(6\.1\.0-57\/summary\.txt\)/, 'links to each kernel reports');
  // Every table: each row has as many cells as its header.
  let width = 0;
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) {
      width = 0;
      continue;
    }
    const cells = line.replace(/\\\|/g, '').split('|').length;
    if (width === 0) width = cells;
    else if (cells !== width) t.fail(`ragged table row: ${line}`);
  }
});

t.test('markdown and HTML carry hostile text without breaking', async (t) => {
  const nasty = kernel('n|a<s>ty', [caseResult('prctl.a', 'FAIL', { reason: NASTY }), pass('prctl.b')]);
  const m = buildMatrix([nasty, kernel('ok', [pass('prctl.a'), pass('prctl.b')])], 'm');
  const md = renderMatrixMarkdown(m, 'sudcheck');
  t.notMatch(md, /\x07|\x1b/, 'no control characters');
  t.notMatch(md, /<ok 1 y>|<s>/, 'no raw HTML from data');
  const tableLines = md.split('\n').filter((l) => l.startsWith('| prctl.a'));
  t.ok(tableLines.length > 0);
  for (const l of tableLines) t.equal(l.replace(/\\\|/g, '').split('|').length, 4 + 1, 'two kernels: cells stay in their columns');
  t.equal(mdCell('a|b\nc`d<e>\\'), "a\\|b\\\\nc'd&lt;e&gt;\\\\");
  const html = renderMatrixHtml(m, 'sudcheck');
  t.notMatch(html, /<ok 1 y>|<s>|\x07|\x1b/);
  t.match(html, /n\|a&lt;s&gt;ty/);
  t.match(html, /^<!DOCTYPE html>/);
  t.equal((html.match(/<table>/g) ?? []).length, (html.match(/<\/table>/g) ?? []).length, 'tables closed');
  t.equal((html.match(/<details/g) ?? []).length, (html.match(/<\/details>/g) ?? []).length, 'details closed');
  const text = renderMatrixText(m);
  t.match(text, /1 of 2 scenarios change with the kernel/);
});
