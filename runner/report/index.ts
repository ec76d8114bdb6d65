// Every report format, by name, and the file each one is written to inside reports/<run>/.
import type { Reporter, RunResults } from '../types.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderKtap } from './ktap.js';
import { renderSummary } from './summary.js';
import { renderTap14 } from './tap14.js';

export const FORMATS = ['tap', 'ktap', 'junit', 'json', 'summary'] as const;
export type Format = (typeof FORMATS)[number];

export const REPORTERS: Record<Format, Reporter> = {
  tap: renderTap14,
  ktap: renderKtap,
  junit: renderJunit,
  json: renderJson,
  // Files and pipes get plain text; a caller that wants colours calls renderSummary itself.
  summary: (results) => renderSummary(results),
};

export const REPORT_FILES: Record<Format, string> = {
  tap: 'results.tap',
  ktap: 'results.ktap',
  junit: 'junit.xml',
  json: 'results.json',
  summary: 'summary.txt',
};

export function render(format: Format, results: RunResults): string {
  return REPORTERS[format](results);
}
