// Text helpers shared by every reporter: names that survive CI parsers, free text that cannot be mistaken
// for a result line, quoting for YAML and XML, and the wording, grouping and counting every format shares.
// One helper per concern; reporters never escape, group or count by hand.
import type { CaseResult, Features, RunResults, Status, Summary } from '../types.js';

// ---------------------------------------------------------------------------------------------------
// Characters no report should carry raw

/**
 * Code units that are illegal in XML 1.0, not printable in YAML 1.2, or that move a terminal's cursor:
 * C0 controls except tab/LF/CR, DEL, C1 controls, the Unicode line/paragraph separators, BOM,
 * the noncharacters U+FFFE/U+FFFF, and lone surrogates.
 */
const UNSAFE = new RegExp(
  [
    '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u2028\\u2029\\ufeff\\ufffe\\uffff]',
    '[\\ud800-\\udbff](?![\\udc00-\\udfff])', // a high surrogate without its low half
    '(?<![\\ud800-\\udbff])[\\udc00-\\udfff]', // a low surrogate without its high half
  ].join('|'),
  'g',
);

/** `\x07`, `\u2028`: a visible, greppable stand-in for a character that cannot be written as is. */
function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Replace every unsafe character (see UNSAFE) with a visible escape; tab, LF and CR are kept. */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** Text on one line: unsafe characters escaped, line breaks written as `\n` / `\r`. */
export function singleLine(text: string): string {
  return escapeUnsafe(text).replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/** Split text into its lines, without a trailing empty line for a final newline. */
export function lines(text: string): string[] {
  const all = text.replace(/\r\n?/g, '\n').split('\n');
  if (all.length > 0 && all[all.length - 1] === '') all.pop();
  return all;
}

// ---------------------------------------------------------------------------------------------------
// Line-oriented formats (TAP, KTAP): free text must not look like protocol

/**
 * Break up text that a line-scanning parser would take for a result or a new document.
 * Linaro's kselftest parser matches `ok <n> ` and `not ok <n> ` anywhere in a line (so `took 5 ms`
 * counts), kunit_parser starts a new document at `KTAP version`/`TAP version` anywhere in a line, and
 * TAP bails out on `Bail out!`. The text stays readable: `not-ok`, `ok_5`, `KTAP-version`, `Bail-out!`.
 */
export function neutraliseMarkers(text: string): string {
  return text
    .replace(/(not)[ \t]+(ok)/gi, '$1-$2')
    .replace(/(ok)[ \t]+(?=\d)/gi, '$1_')
    .replace(/(K?TAP)[ \t]+(version)/gi, '$1-$2')
    .replace(/(bail)[ \t]+(out!)/gi, '$1-$2');
}

/** Free text for one line of TAP or KTAP: single line, no unsafe characters, no protocol markers. */
export function lineText(text: string): string {
  return neutraliseMarkers(singleLine(text));
}

/**
 * KTAP descriptions and directive reasons may not contain `#` (it starts the directive). `#1 SMP`
 * becomes `no.1 SMP`: still readable, and unambiguous next to digits, unlike a percent-encoding.
 */
export function withoutHash(text: string): string {
  return text.replace(/#/g, 'no.');
}

/** TAP14 description or directive reason: `\` and `#` escaped as the TAP14 specification says. */
export function tapEscape(text: string): string {
  return lineText(text).replace(/\\/g, '\\\\').replace(/#/g, '\\#');
}

// ---------------------------------------------------------------------------------------------------
// Test names

/**
 * A KTAP test name as Linaro's kselftest parser will flatten it: every run of characters outside
 * [A-Za-z0-9_-] becomes one `_`, no leading/trailing `_`, no `_-`. Dots become `_` too, which also keeps
 * KernelCI from reading an id's dots as extra levels of its dotted test path
 * (`selector.invalid-value.0x02` -> `selector_invalid-value_0x02`). Scenario ids are [a-z0-9.-] with no
 * `_`, so distinct ids stay distinct.
 */
export function ktapName(text: string): string {
  const name = text
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/_-/g, '_');
  return name === '' ? 'unnamed' : name;
}

/**
 * Make names unique by suffixing repeats with `_2`, `_3`, ... in order of appearance, so that two results
 * that sanitise to the same name (or a repeated id) never merge in a CI database. Valid scenario ids
 * never need it; it protects hand-written or corrupted results.
 */
export function uniqueNames(names: readonly string[]): string[] {
  const taken = new Set(names);
  const seen = new Set<string>();
  return names.map((name) => {
    if (!seen.has(name)) {
      seen.add(name);
      return name;
    }
    let n = 2;
    while (taken.has(`${name}_${n}`) || seen.has(`${name}_${n}`)) n++;
    const unique = `${name}_${n}`;
    seen.add(unique);
    return unique;
  });
}

// ---------------------------------------------------------------------------------------------------
// Quoting for structured formats

/**
 * A YAML 1.2 double-quoted scalar. JSON string syntax is a subset of it; the characters JSON leaves raw
 * but YAML does not accept as printable (DEL, C1, U+2028/9, BOM, U+FFFE/F) are written as `\uXXXX`.
 */
export function yamlString(text: string): string {
  return JSON.stringify(text).replace(
    /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** XML element text: markup characters escaped, characters illegal in XML 1.0 made visible (`\x07`). */
export function xmlText(text: string): string {
  return escapeUnsafe(text)
    .replace(/[&<>"']/g, (ch) => XML_ENTITIES[ch] ?? ch)
    .replace(/\r/g, '&#13;');
}

/** XML attribute value: as xmlText, and tab/LF/CR as character references, which attribute-value
 * normalisation would otherwise turn into spaces. */
export function xmlAttr(text: string): string {
  return xmlText(text).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

// ---------------------------------------------------------------------------------------------------
// Shared wording: what every report says about a case, so the formats never disagree

/** The statuses that get a detailed explanation in every report. */
export const EXPLAINED: ReadonlySet<Status> = new Set<Status>(['FAIL', 'ERROR', 'XFAIL', 'XPASS']);

/** What the fixture did, in words: `exit 1 after 12 ms`, `timed out, signal SIGKILL after 5000 ms`, `did not run`. */
export function describeObserved(observed: CaseResult['observed']): string {
  if (observed === null) return 'did not run';
  const parts: string[] = [];
  if (observed.timedOut) parts.push('timed out');
  if (observed.signal !== null) parts.push(`signal ${observed.signal}`);
  else if (observed.exitCode !== null) parts.push(`exit ${observed.exitCode}`);
  if (parts.length === 0) parts.push('no exit status');
  return `${parts.join(', ')} after ${observed.durationMs} ms`;
}

/** Feature names by state, in probe order: `{ present: ['sud', ...], absent: ['inclusive', ...] }`. */
export function featureSets(features: Features): { present: string[]; absent: string[] } {
  const entries = Object.entries(features);
  return {
    present: entries.filter(([, f]) => f.present).map(([id]) => id),
    absent: entries.filter(([, f]) => !f.present).map(([id]) => id),
  };
}

/** The run in a few plain lines (tool, kernel, target, features), for report headers. */
export function runHeaderLines(results: RunResults): string[] {
  const { run } = results;
  const { kernel } = run.target;
  const { present, absent } = featureSets(results.features);
  return [
    `tool: ${run.tool}`,
    `run: ${run.id}`,
    `kernel: ${kernel.release} ${kernel.version} ${kernel.machine}`,
    `target: ${run.target.kind}${run.target.image !== undefined ? ` (${run.target.image})` : ''}`,
    `features present: ${present.join(' ') || 'none'}`,
    `features absent: ${absent.join(' ') || 'none'}`,
  ];
}

/** Why an XFAIL or XPASS has that status, in words. */
export function knownDeviationNote(result: CaseResult): string {
  return result.status === 'XPASS'
    ? `passed, but listed as a known deviation (stale expectation?): ${result.reason}`
    : `known deviation: ${result.reason}`;
}

/**
 * The explanation of a case as plain lines (unescaped; each format escapes them its own way):
 * reason, expected vs observed, each mismatch, refs, the seed draft's claim, rounds, and the stderr tail.
 */
export function detailLines(result: CaseResult): string[] {
  const out: string[] = [];
  if (result.reason) out.push(`reason: ${result.reason}`);
  out.push(`expected: ${result.expected}`);
  out.push(`observed: ${describeObserved(result.observed)}`);
  for (const m of result.mismatches) out.push(`mismatch ${m.what}: expected ${m.expected}, observed ${m.observed}`);
  if (result.refs.length > 0) out.push(`refs: ${result.refs.join(', ')}`);
  if (result.draft !== undefined) out.push(`draft says: ${result.draft}`);
  if (result.rounds !== undefined) out.push(`rounds: ${result.rounds.join(' ')}${result.flaky ? ' (flaky)' : ''}`);
  const stderr = result.observed?.stderrTail ?? '';
  if (stderr.trim() !== '') {
    out.push('stderr tail:');
    for (const line of lines(stderr)) out.push(`  ${line}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Shared grouping and counting, so that KTAP, JUnit and the summary agree on families and totals

/** Results grouped by family, families in order of first appearance, cases in their original order. */
export function byFamily<T extends { family: string }>(results: readonly T[]): Array<[family: string, cases: T[]]> {
  const groups = new Map<string, T[]>();
  for (const r of results) {
    const group = groups.get(r.family);
    if (group) group.push(r);
    else groups.set(r.family, [r]);
  }
  return [...groups];
}

/** Per-status counts of these cases (computed, never trusted from a stored summary). */
export function countByStatus(results: readonly CaseResult[]): Summary {
  const counts: Summary = { PASS: 0, FAIL: 0, SKIP: 0, ERROR: 0, XFAIL: 0, XPASS: 0, total: results.length };
  for (const r of results) counts[r.status]++;
  return counts;
}
