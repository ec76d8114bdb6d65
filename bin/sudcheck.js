#!/usr/bin/env node
// The sudcheck command: runs the compiled runner (npm install / npm ci compiles it through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../dist/runner/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('sudcheck: the runner is not compiled yet: run `npm ci` (or `npm run build`) in the project folder first\n');
  process.exit(5);
}
const { main } = await import(pathToFileURL(cli).href);
process.exitCode = await main(process.argv.slice(2));
