// results.json: the canonical record every other report is rendered from, and its reader.
import { STATUSES, type RunResults } from '../types.js';

export const SCHEMA: RunResults['schema'] = 'sudcheck-results/1';

export function renderJson(results: RunResults): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}

export class ResultsFormatError extends Error {
  override name = 'ResultsFormatError';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Read results.json back. Checks the schema tag first (a results file from another tool or another
 * schema version is refused by name), then the shape the reporters rely on, so that a truncated or
 * hand-edited file fails here with the place that is wrong rather than later inside a reporter.
 */
export function parseResults(text: string, source = 'results'): RunResults {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ResultsFormatError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(data)) throw new ResultsFormatError(`${source}: expected a JSON object at the top level`);
  if (data.schema !== SCHEMA) {
    const found = data.schema === undefined ? 'no schema field' : `'${String(data.schema)}'`;
    throw new ResultsFormatError(`${source}: expected schema '${SCHEMA}', found ${found}`);
  }
  for (const key of ['run', 'features', 'summary'] as const)
    if (!isObject(data[key])) throw new ResultsFormatError(`${source}: '${key}' must be an object`);
  if (!Array.isArray(data.results)) throw new ResultsFormatError(`${source}: 'results' must be an array`);
  data.results.forEach((r: unknown, i: number) => {
    const where = `${source}: results[${i}]`;
    if (!isObject(r)) throw new ResultsFormatError(`${where} must be an object`);
    for (const key of ['id', 'family', 'title', 'reason', 'expected'] as const)
      if (typeof r[key] !== 'string') throw new ResultsFormatError(`${where}.${key} must be a string`);
    if (!(STATUSES as readonly unknown[]).includes(r.status)) {
      const statuses = STATUSES.join(', ');
      throw new ResultsFormatError(`${where}.status must be one of ${statuses}, not ${JSON.stringify(r.status)}`);
    }
    if (!Array.isArray(r.refs) || !Array.isArray(r.mismatches))
      throw new ResultsFormatError(`${where}: 'refs' and 'mismatches' must be arrays`);
    if (r.observed !== null && !isObject(r.observed))
      throw new ResultsFormatError(`${where}.observed must be an object or null`);
  });
  return data as unknown as RunResults;
}
