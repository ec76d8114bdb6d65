// `sudcheck list`: scenarios with refs and requirements, or the coverage map of behaviour items.
import { allScenarios } from '../../suites/index.js';
import { parse, selectScenarios, type Io } from '../args.js';
import { coverage, loadItemTitles, renderCoverageMarkdown, renderCoverageText } from '../coverage.js';
import { EXIT } from '../errors.js';

const LIST_OPTIONS = {
  filter: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  coverage: { type: 'boolean' },
  markdown: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function listCommand(args: string[], io: Io, help: string): number {
  const { values: v, positionals } = parse(args, LIST_OPTIONS, 'list');
  if (v.help) {
    io.stdout(help);
    return EXIT.ok;
  }
  const scenarios = selectScenarios(allScenarios, [...(v.filter ?? []), ...positionals]);
  if (v.coverage) {
    const rows = coverage(scenarios, loadItemTitles());
    io.stdout(v.json ? JSON.stringify(rows, null, 2) + '\n' : v.markdown ? renderCoverageMarkdown(rows) : renderCoverageText(rows));
    return EXIT.ok;
  }
  if (v.json) {
    io.stdout(JSON.stringify(scenarios, null, 2) + '\n');
    return EXIT.ok;
  }
  const width = Math.max(...scenarios.map((s) => s.id.length));
  for (const s of scenarios)
    io.stdout(`${s.id.padEnd(width)}  [${s.refs.join(',')}] requires ${s.requires.join(',') || '-'}\n${' '.repeat(width)}  ${s.title}\n`);
  io.stdout(`${scenarios.length} scenarios\n`);
  return EXIT.ok;
}
