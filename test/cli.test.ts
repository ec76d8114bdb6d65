// The command line's contract: clear errors with distinct exit codes, and no half-written report.
import t from 'tap';
import { existsSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { sudcheck, tempDir, listScenarios } from './helpers/cli.js';

const reportsIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith('.')) : []);

t.test('usage errors exit 2 with a message and write nothing', async (t) => {
  const cases: [string[], RegExp][] = [
    [['run', '--bogus'], /Unknown option '--bogus'/],
    [['run', 'no.such.scenario'], /no scenario matches 'no\.such\.scenario'.*sudcheck list/],
    [['run', '--filter', 'zzz*'], /no scenario matches 'zzz\*'/],
    [['run', '--exclude', 'zzz*'], /no scenario matches 'zzz\*'/],
    [['run', 'prctl.*', '--exclude', 'prctl.*'], /the filters leave no scenario to run/],
    [['run', '--format', 'xml'], /--format must be one of tap, ktap, junit, json, summary/],
    [['run', '--jobs', '0'], /--jobs takes a whole number/],
    [['run', '--timeout', 'soon'], /--timeout takes seconds/],
    [['run', '--repeat', '-1'], /repeat/],
    [['run', '--expectations', '/nonexistent/file'], /cannot read expectations file/],
    [['frobnicate'], /unknown command or scenario 'frobnicate'/],
    [['list', '--nope'], /Unknown option/],
  ];
  for (const [args, message] of cases) {
    const out = tempDir();
    const r = await sudcheck([...args, '--out', out]);
    t.equal(r.exitCode, 2, `${args.join(' ')} exits 2`);
    t.match(r.stderr, message, `${args.join(' ')} says why`);
    t.same(reportsIn(out), [], `${args.join(' ')} writes no report`);
  }
});

t.test('a malformed expectations file is a usage error naming the line', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'exp.txt');
  writeFileSync(file, '# ok\nprctl.* 5.x..6 reason\n');
  const r = await sudcheck(['run', '--expectations', file, '--out', join(dir, 'r')]);
  t.equal(r.exitCode, 2);
  t.match(r.stderr, /exp\.txt:2/);
});

t.test('an unwritable --out is refused before anything runs', async (t) => {
  const dir = tempDir();
  const blocker = join(dir, 'file');
  writeFileSync(blocker, '');
  const r = await sudcheck(['run', '--out', join(blocker, 'reports')]);
  t.equal(r.exitCode, 2);
  t.match(r.stderr, /cannot write reports to .*--out/);
  if (process.getuid?.() !== 0) {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    t.equal((await sudcheck(['run', '--out', ro])).exitCode, 2);
  }
});

t.test('missing gcc or make is one clear sentence and exit 5', async (t) => {
  const bin = tempDir();
  symlinkSync('/bin/sh', join(bin, 'sh'));
  const r = await sudcheck(['run', '--out', tempDir()], { env: { PATH: bin, CC: 'gcc' } });
  t.equal(r.exitCode, 5);
  t.match(r.stderr, /needs make and gcc to build its C fixtures: install them/);
});

t.test('list shows every scenario with refs and requirements', async (t) => {
  const human = await sudcheck(['list']);
  t.equal(human.exitCode, 0);
  const all = await listScenarios();
  t.ok(all.length > 100);
  t.match(human.stdout, new RegExp(`${all.length} scenarios`));
  for (const s of all) {
    t.ok(s.refs.length > 0, `${s.id} cites an item`);
    t.ok(s.requires.includes('sud'), `${s.id} requires sud`);
  }
  t.equal(new Set(all.map((s) => s.id)).size, all.length, 'ids are unique');
  const one = await sudcheck(['list', '--json', 'prctl.*']);
  const some = await sudcheck(['run', 'prctl.op.*', '--exclude', 'prctl.op.3', '--format', 'json', '--quiet', '--out', tempDir()]);
  const ids = JSON.parse(some.stdout).results.map((r: { id: string }) => r.id);
  t.ok(ids.length > 1 && !ids.includes('prctl.op.3'), '--exclude leaves a scenario out');
  t.ok(JSON.parse(one.stdout).every((s: { id: string }) => s.id.startsWith('prctl.')));
});

t.test('a run writes every report into its own folder and points latest at it', async (t) => {
  const out = tempDir();
  const r = await sudcheck(['run', 'prctl.*', '--out', out, '--quiet']);
  t.equal(r.exitCode, 0, r.stderr);
  const runs = reportsIn(out).filter((f) => f !== 'latest');
  t.equal(runs.length, 1);
  t.same(readdirSync(join(out, runs[0] as string)).sort(), ['junit.xml', 'results.json', 'results.ktap', 'results.tap', 'summary.txt']);
  t.equal(readlinkSync(join(out, 'latest')), runs[0]);
  t.match(r.stdout, /PASS/);
  const again = await sudcheck(['run', 'prctl.*', '--out', out, '--quiet', '--format', 'tap']);
  t.equal(again.exitCode, 0);
  t.match(again.stdout, /^TAP version 14/);
  const runs2 = reportsIn(out).filter((f) => f !== 'latest');
  t.equal(runs2.length, 2, 'a second run gets a folder of its own');
  t.not(readlinkSync(join(out, 'latest')), runs[0], 'latest moved to the newest run');
});

t.test('help', async (t) => {
  const r = await sudcheck(['help']);
  t.equal(r.exitCode, 0);
  t.match(r.stdout, /--skip-exit-code/);
});
