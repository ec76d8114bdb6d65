// Every behaviour item 1-34 is checked by at least one scenario (or marked untestable with a reason),
// and docs/coverage.md says what the code says.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allScenarios } from '../suites/index.js';
import { compactIds, coverage, itemTitles, loadItemTitles, renderCoverageMarkdown, uncovered } from '../runner/coverage.js';
import { ROOT } from '../runner/paths.js';

t.test('item titles are read from the behaviour document', async (t) => {
  const titles = itemTitles('1. Constants: OFF=0. seen\n2. OFF requires zeros. source\nnot an item\n');
  t.same(titles, { 1: 'Constants: OFF=0.', 2: 'OFF requires zeros.' });
  const real = loadItemTitles();
  t.equal(Object.keys(real).length, 34, 'docs/kernel-behaviour.md has items 1-34');
});

t.test('the coverage map flags an item without scenarios', async (t) => {
  const rows = coverage([], { 1: 'x' });
  t.equal(rows.length, 34);
  t.equal(uncovered(rows).length, 34);
  t.match(renderCoverageMarkdown(rows), /\| A1 \| x \| \*\*none\*\* \|/);
  t.equal(compactIds(['a.b.1', 'a.b.2', 'a.b.3', 'a.c', 'd.e', 'f.g', 'h.i']), '`a.b.*` (3), `a.c`, `d.e`, `f.g`, `h.i`');
});

t.test('every item 1-34 is checked by a scenario', async (t) => {
  const rows = coverage(allScenarios, loadItemTitles());
  t.same(
    uncovered(rows).map((r) => `${r.ref}: ${r.title}`),
    [],
    'items without a scenario (add one, or list the item in UNTESTABLE with the reason)',
  );
});

t.test('docs/coverage.md is up to date (npm run coverage-doc)', async (t) => {
  const rows = coverage(allScenarios, loadItemTitles());
  t.equal(readFileSync(join(ROOT, 'docs', 'coverage.md'), 'utf8'), renderCoverageMarkdown(rows));
});
