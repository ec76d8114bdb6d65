// A small KTAP v1 structure checker for tests (no npm package parses KTAP). It reads a document into a
// tree and lists every rule it breaks, including what Linaro's kselftest output parser would trip on.

export interface KtapResult {
  ok: boolean;
  number: number;
  description: string;
  directive: string | null; // SKIP, XFAIL, TIMEOUT, ERROR
  reason: string;
  /** Diagnostic lines directly before this result, without the `# `. */
  diagnostics: string[];
  /** The nested document that preceded this result, if any. */
  children: KtapResult[] | null;
}

export interface KtapCheck {
  errors: string[];
  tests: KtapResult[];
  /** Result names as Linaro's parse-output.py prints them, for the collection `sud`. */
  linaroNames: string[];
}

const RESULT = /^(not ok|ok) (\d+)(?: ([^#]*?))?\s*(?:#\s*(\S+)\s*(.*))?$/;
const DIRECTIVES = new Set(['SKIP', 'XFAIL', 'TIMEOUT', 'ERROR']);

/** Our model of how Linaro's kselftest output parser names results (docs: shared ci-consumers.md): it matches
 * `ok N` / `not ok N` anywhere in a line and flattens the rest to [A-Za-z0-9_-]. */
function slugify(line: string): string {
  const l = line.replace(/\[\d{1,5}\]/g, '');
  return l
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/(^_|_$)/g, '')
    .replace(/_-/g, '_');
}

export function linaroParse(text: string, collection = 'sud'): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (/^.*?not ok \d{1,5} /.test(line)) {
      const m = /^.*?not ok [0-9]+ (.*?)$/.exec(line);
      out.push(`${collection}_${slugify((m?.[1] ?? '').replace(/# .*$/, ''))} fail`);
    } else if (/^.*?ok \d{1,5} /.test(line)) {
      const m = /^.*?ok [0-9]+ (.*?)$/.exec(line);
      const rest = m?.[1] ?? '';
      out.push(
        rest.includes('# SKIP')
          ? `${collection}_${slugify(rest.replace('# SKIP', ''))} skip`
          : `${collection}_${slugify(rest)} pass`,
      );
    }
  }
  return out;
}

/** Check one KTAP v1 document. */
export function checkKtap(text: string): KtapCheck {
  const errors: string[] = [];
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  let i = 0;

  const level = (line: string): number => (line.length - line.trimStart().length) / 2;

  function parseDoc(depth: number): KtapResult[] {
    const pad = '  '.repeat(depth);
    if (all[i] !== `${pad}KTAP version 1`) errors.push(`line ${i + 1}: expected '${pad}KTAP version 1', got '${all[i]}'`);
    i++;
    while (i < all.length && all[i]?.startsWith(`${pad}# `)) i++; // diagnostics before the plan
    const plan = /^1\.\.(\d+)$/.exec(all[i]?.slice(pad.length) ?? '');
    if (!all[i]?.startsWith(pad) || !plan) errors.push(`line ${i + 1}: expected a plan at depth ${depth}`);
    i++;
    const results: KtapResult[] = [];
    let diagnostics: string[] = [];
    let children: KtapResult[] | null = null;
    while (i < all.length) {
      const line = all[i] ?? '';
      if (level(line) < depth || !line.startsWith(pad)) break;
      const body = line.slice(pad.length);
      if (body.startsWith('  ')) {
        if (level(line) !== depth + 1 || body.trim() !== 'KTAP version 1')
          errors.push(`line ${i + 1}: indented by ${level(line) * 2}, expected a nested 'KTAP version 1'`);
        if (children) errors.push(`line ${i + 1}: a nested document without a result line after the previous one`);
        children = parseDoc(depth + 1);
        continue;
      }
      if (body.startsWith('# ') || body === '#') {
        diagnostics.push(body.slice(2));
        i++;
        continue;
      }
      const m = RESULT.exec(body);
      if (!m) {
        errors.push(`line ${i + 1}: not a KTAP line: '${line}'`);
        i++;
        continue;
      }
      const [, okText, num, description = '', directive = null, reason = ''] = m;
      const r: KtapResult = {
        ok: okText === 'ok',
        number: Number(num),
        description,
        directive,
        reason,
        diagnostics,
        children,
      };
      if (r.number !== results.length + 1) errors.push(`line ${i + 1}: test number ${r.number}, expected ${results.length + 1}`);
      if (description === '') errors.push(`line ${i + 1}: no description`);
      if (directive !== null && !DIRECTIVES.has(directive)) errors.push(`line ${i + 1}: unknown directive '${directive}'`);
      if ((directive === 'TIMEOUT' || directive === 'ERROR') && r.ok) errors.push(`line ${i + 1}: ${directive} on an ok line`);
      if ((directive === 'SKIP' || directive === 'XFAIL') && !r.ok) errors.push(`line ${i + 1}: ${directive} on a not ok line`);
      if ((body.match(/#/g) ?? []).length > 1) errors.push(`line ${i + 1}: '#' in a description or reason`);
      if (children) {
        const childFailed = children.some((c) => !c.ok);
        if (r.ok === childFailed) errors.push(`line ${i + 1}: parent is ${okText} but a child ${childFailed ? 'failed' : 'did not fail'}`);
        const allSkip = children.length > 0 && children.every((c) => c.directive === 'SKIP');
        if (allSkip !== (directive === 'SKIP'))
          errors.push(`line ${i + 1}: parent SKIP must mean every child skipped (all skipped: ${allSkip})`);
      }
      results.push(r);
      diagnostics = [];
      children = null;
      i++;
    }
    if (children) errors.push(`depth ${depth}: a nested document has no parent result line`);
    if (plan && Number(plan[1]) !== results.length)
      errors.push(`depth ${depth}: plan says ${plan[1]} tests, found ${results.length}`);
    return results;
  }

  const tests = parseDoc(0);
  if (i < all.length) errors.push(`line ${i + 1}: trailing output '${all[i]}'`);

  // Linaro matches result markers anywhere in a line: only real result lines may carry them.
  all.forEach((line, n) => {
    const body = line.trimStart();
    const isResult = RESULT.test(body);
    const markers = isResult ? body.replace(/^(not ok|ok) \d+ /, '') : body;
    if (/not ok/i.test(markers) || /ok \d{1,5} /.test(markers))
      errors.push(`line ${n + 1}: result marker outside a result: '${line}'`);
  });

  const linaroNames = linaroParse(text);
  const seen = new Set<string>();
  for (const entry of linaroNames) {
    const name = entry.replace(/ (pass|fail|skip)$/, '');
    if (seen.has(name)) errors.push(`Linaro name '${name}' is not unique`);
    seen.add(name);
  }
  return { errors, tests, linaroNames };
}
