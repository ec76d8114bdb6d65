// Statistics across batches (runner/bench/stats.ts) on synthetic data with known answers.
import t from 'tap';
import { median, ratioRme, summarize } from '../runner/bench/stats.js';

t.test('1..10: every figure matches a hand computation', async (t) => {
  const s = summarize([3, 1, 2, 10, 4, 5, 6, 7, 8, 9]);
  t.equal(s.samples, 10);
  t.ok(Math.abs(s.mean - 5.5) < 1e-9, 'mean');
  t.ok(Math.abs(s.median - 5.5) < 1e-9, 'median');
  t.ok(Math.abs(s.min - 1) < 1e-9 && Math.abs(s.max - 10) < 1e-9, 'min and max');
  // p99 by linear interpolation between order statistics: 9 + 0.91 * (10 - 9)
  t.ok(Math.abs(s.p99 - 9.91) < 1e-9, `p99 ${s.p99}`);
  const sd = Math.sqrt(82.5 / 9);
  t.ok(Math.abs(s.sd - sd) < 1e-9, 'sample standard deviation (n - 1)');
  t.ok(Math.abs(s.sem - sd / Math.sqrt(10)) < 1e-9, 'standard error');
  // Student's t, 9 degrees of freedom, two-sided 95%: 2.262
  t.ok(Math.abs(s.moe / s.sem - 2.262) < 0.002, `critical value ${s.moe / s.sem}`);
  t.ok(Math.abs(s.rme - (100 * s.moe) / s.mean) < 1e-9, 'rme is moe relative to the mean, in percent');
});

t.test('every sample is used once, in any order, none invented', async (t) => {
  const samples = Array.from({ length: 1000 }, (_, i) => 100 + (i % 7));
  const s = summarize(samples);
  t.equal(s.samples, 1000);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  t.ok(Math.abs(s.mean - mean) < 1e-9, 'the mean of exactly these samples (tinybench times nothing itself)');
  t.equal(s.min, 100);
  t.equal(s.max, 106);
});

t.test('constant samples: no spread at all', async (t) => {
  const s = summarize([172.5, 172.5, 172.5, 172.5]);
  t.equal(s.sd, 0);
  t.equal(s.moe, 0);
  t.equal(s.rme, 0);
  t.equal(s.median, 172.5);
});

t.test('the margin of error shrinks like 1/sqrt(n) for the same spread', async (t) => {
  const pattern = [90, 110];
  const small = summarize(Array.from({ length: 100 }, (_, i) => pattern[i % 2] as number));
  const large = summarize(Array.from({ length: 10000 }, (_, i) => pattern[i % 2] as number));
  const ratio = small.rme / large.rme;
  t.ok(ratio > 9.5 && ratio < 10.5, `rme ratio ${ratio} for 100x the samples`);
});

t.test('an outlier moves the mean and the p99, not the median', async (t) => {
  const base = Array.from({ length: 99 }, () => 200);
  const s = summarize([...base, 20000]);
  t.equal(s.median, 200);
  t.ok(s.mean > 390, `mean ${s.mean}`);
  t.ok(s.p99 > 200, `p99 ${s.p99}`);
  t.ok(s.rme > 2, 'a single huge outlier makes the margin of error large');
});

t.test('refuses what it cannot summarise honestly', async (t) => {
  t.throws(() => summarize([]), { name: 'StatsError' });
  t.throws(() => summarize([5]), { name: 'StatsError' }, 'one sample has no spread');
  t.throws(() => summarize([5, -1]), { name: 'StatsError' }, 'tinybench would replace a negative duration with its own timing');
  t.throws(() => summarize([5, NaN]), { name: 'StatsError' });
  t.throws(() => summarize([5, Infinity]), { name: 'StatsError' });
});

t.test('median and ratio uncertainty', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 3, 2]), 2.5);
  t.throws(() => median([]), { name: 'StatsError' });
  t.equal(ratioRme(3, 4), 5);
  t.equal(ratioRme(0, 0), 0);
});
