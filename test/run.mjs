// `npm test`: runs node-tap and ends with a plain closing line ("tests: N passed, N failed, N skipped")
// that CI systems without a node-tap parser can count. Exit code is tap's.
import { spawn } from 'node:child_process';

const child = spawn('npx', ['tap', '--reporter=tap', ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'] });
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk).slice(-4096);
});
child.on('close', (code) => {
  // tap's closing comment: "# { total: 2837, pass: 2830, fail: 1, skip: 6 }"
  const m = /# \{ total: (\d+)(.*)\}/.exec(tail);
  if (m) {
    const count = (k) => Number(new RegExp(`${k}: (\\d+)`).exec(m[2])?.[1] ?? 0);
    const failed = count('fail') + (code !== 0 && count('fail') === 0 ? 1 : 0);
    process.stdout.write(`\ntests: ${count('pass')} passed, ${failed} failed, ${count('skip') + count('todo')} skipped\n`);
  } else {
    process.stdout.write(`\ntests: 0 passed, 1 failed\n`);
  }
  process.exit(code ?? 1);
});
