// Parses a fixture's stdout (the fixture protocol: `key=value` lines, `#` comments) into facts.
export interface ParsedFacts {
  facts: Record<string, string>;
  /** Protocol violations: lines that are not facts, keys printed twice. Any makes the run ERROR. */
  problems: string[];
}

const KEY = /^[a-z0-9_.-]+$/;

export function parseFacts(stdout: string): ParsedFacts {
  const facts: Record<string, string> = {};
  const problems: string[] = [];
  const lines = stdout.split('\n');
  // A process killed mid-line leaves a partial last line; only complete lines are facts.
  const complete = lines.slice(0, -1);
  const partial = lines[lines.length - 1] ?? '';
  for (const raw of complete) {
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq) : '';
    if (!KEY.test(key)) {
      problems.push(`not a key=value line: ${JSON.stringify(line.slice(0, 120))}`);
      continue;
    }
    if (key in facts) {
      problems.push(`fact '${key}' printed twice`);
      continue;
    }
    facts[key] = line.slice(eq + 1);
  }
  if (partial !== '') problems.push(`output ends in an unterminated line: ${JSON.stringify(partial.slice(0, 120))}`);
  return { facts, problems };
}
