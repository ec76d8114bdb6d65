// Declaring scenarios: `scenario({...})` checks a declaration's shape at load time, so a typo in an id,
// a ref or a fact matcher is a load error, not a silently passing case.
import { FEATURE_IDS, type Expectation, type FactMatcher, type FeatureId, type Scenario } from './types.js';

export const ID_PATTERN = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/;
/** `B11`: section letter and item number of kernel-behaviour.md; `seed:<section>`: the draft. */
export const REF_PATTERN = /^(?:[A-G](?:[1-9]|[12][0-9]|3[0-4])|seed:[a-z-]+)$/;

/** Which section each item 1-34 of kernel-behaviour.md belongs to. */
export const ITEM_SECTIONS: Record<number, string> = Object.fromEntries(
  [
    ['A', 1, 7],
    ['B', 8, 12],
    ['C', 13, 19],
    ['D', 20, 23],
    ['E', 24, 27],
    ['F', 28, 31],
    ['G', 32, 34],
  ].flatMap(([s, lo, hi]) =>
    Array.from({ length: (hi as number) - (lo as number) + 1 }, (_, i) => [(lo as number) + i, s as string]),
  ),
);

export class ScenarioError extends Error {}

function checkMatcher(id: string, key: string, m: FactMatcher): void {
  if (typeof m === 'string') return;
  const kinds = Object.keys(m);
  const ok =
    kinds.length === 1 &&
    (('absent' in m && m.absent === true) ||
      ('present' in m && m.present === true) ||
      ('anyOf' in m && Array.isArray(m.anyOf) && m.anyOf.every((v) => typeof v === 'string')) ||
      ('sameAs' in m && typeof m.sameAs === 'string') ||
      ('notSameAs' in m && typeof m.notSameAs === 'string') ||
      ('pattern' in m && typeof m.pattern === 'string'));
  if (!ok) throw new ScenarioError(`${id}: fact '${key}' has a malformed matcher ${JSON.stringify(m)}`);
  if ('pattern' in m) new RegExp(`^(?:${m.pattern})$`);
}

function checkExpect(id: string, e: Expectation): void {
  if (e.signal !== undefined && e.exit !== undefined)
    throw new ScenarioError(`${id}: expect either a signal or an exit code, not both`);
  for (const [k, m] of Object.entries(e.facts ?? {})) checkMatcher(id, k, m);
}

export function validateScenario(s: Scenario): Scenario {
  if (!ID_PATTERN.test(s.id) || !s.id.includes('.'))
    throw new ScenarioError(`scenario id '${s.id}' must be dotted [a-z0-9.-], as <family>.<case>`);
  if (!s.title.trim()) throw new ScenarioError(`${s.id}: empty title`);
  if (s.refs.length === 0) throw new ScenarioError(`${s.id}: cites no behaviour item`);
  for (const r of s.refs) {
    if (!REF_PATTERN.test(r)) throw new ScenarioError(`${s.id}: ref '${r}' is not like 'B11' or 'seed:interface'`);
    if (!r.startsWith('seed:') && ITEM_SECTIONS[Number(r.slice(1))] !== r[0])
      throw new ScenarioError(`${s.id}: ref '${r}': item ${r.slice(1)} is in section ${ITEM_SECTIONS[Number(r.slice(1))]}`);
  }
  for (const f of s.requires)
    if (!(FEATURE_IDS as readonly string[]).includes(f)) throw new ScenarioError(`${s.id}: unknown feature '${f}'`);
  if (!/^[a-z0-9-]+$/.test(s.run.fixture)) throw new ScenarioError(`${s.id}: bad fixture name '${s.run.fixture}'`);
  checkExpect(s.id, s.expect);
  return s;
}

/** Declare one scenario. */
export function scenario(s: Scenario): Scenario {
  return validateScenario(s);
}

/** Declare a family of scenarios from data: one scenario per row. */
export function family<Row>(rows: readonly Row[], make: (row: Row, index: number) => Scenario): Scenario[] {
  return rows.map((r, i) => scenario(make(r, i)));
}

/** The family of a scenario is the first component of its id. */
export function familyOf(id: string): string {
  return id.split('.')[0] ?? id;
}

export const absent = { absent: true } as const;
export const present = { present: true } as const;
export const sameAs = (key: string) => ({ sameAs: key }) as const;
export const notSameAs = (key: string) => ({ notSameAs: key }) as const;
export const anyOf = (...values: string[]) => ({ anyOf: values }) as const;
export const pattern = (re: string) => ({ pattern: re }) as const;

/** Render a 64-bit value the way fixtures print hex facts (fact_hex: 0x + lower-case, no padding). */
export function hex(v: bigint | number): string {
  const b = BigInt.asUintN(64, BigInt(v));
  return `0x${b.toString(16)}`;
}

export type { FeatureId };
