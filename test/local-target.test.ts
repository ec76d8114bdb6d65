import t from 'tap';
import { runProcess } from '../runner/targets/local.js';

import { readFileSync } from 'node:fs';

/** Running or sleeping; a zombie waiting for init to reap it counts as gone. */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
};

t.test('a timeout kills the whole process group, grandchildren included', async (t) => {
  const o = await runProcess('/bin/sh', ['-c', 'sleep 60 & echo bg=$!; exec sleep 60'], 300);
  t.equal(o.timedOut, true);
  t.equal(o.signal, 'SIGKILL');
  const bg = Number(/bg=(\d+)/.exec(o.stdout)?.[1]);
  t.ok(bg > 0, 'background pid reported');
  await new Promise((r) => setTimeout(r, 50));
  t.notOk(alive(bg), 'background sleep is gone');
});

t.test('a process left behind by a fixture that exited is swept', async (t) => {
  const o = await runProcess('/bin/sh', ['-c', 'sleep 60 & echo bg=$!'], 5000);
  t.equal(o.exitCode, 0);
  t.equal(o.timedOut, false);
  const bg = Number(/bg=(\d+)/.exec(o.stdout)?.[1]);
  await new Promise((r) => setTimeout(r, 50));
  t.notOk(alive(bg), 'the orphan was killed with the group');
});

t.test('exit code, signal and output are observed', async (t) => {
  const o = await runProcess('/bin/sh', ['-c', 'echo a=1; kill -SYS $$'], 5000);
  t.equal(o.signal, 'SIGSYS');
  t.equal(o.exitCode, null);
  t.equal(o.stdout, 'a=1\n');
  const e = await runProcess('/bin/sh', ['-c', 'echo oops >&2; exit 7'], 5000);
  t.equal(e.exitCode, 7);
  t.equal(e.stderr, 'oops\n');
});

t.test('a missing binary is a spawn error, not a crash', async (t) => {
  const o = await runProcess('/nonexistent/fixture', [], 1000);
  t.match(o.spawnError, /does not exist/);
});
