import t from 'tap';
import { parseResults, renderJson, ResultsFormatError } from '../runner/report/json.js';
import { FORMATS, render, REPORT_FILES } from '../runner/report/index.js';
import { sampleResults } from './helpers/sample-results.js';

const sample = sampleResults();

t.test('renderJson is canonical, pretty JSON with a final newline', async (t) => {
  const text = renderJson(sample);
  t.equal(text, `${JSON.stringify(sample, null, 2)}\n`);
  t.same(JSON.parse(text), sample);
});

t.test('parseResults round-trips and refuses what is not results', async (t) => {
  t.same(parseResults(renderJson(sample)), sample, 'round trip');
  const without = (mutate: (o: Record<string, unknown>) => void): string => {
    const o = JSON.parse(renderJson(sample)) as Record<string, unknown>;
    mutate(o);
    return JSON.stringify(o);
  };
  t.throws(() => parseResults('{"schema": '), { name: 'ResultsFormatError', message: /not valid JSON/ });
  t.throws(() => parseResults('[1]'), /expected a JSON object/);
  t.throws(() => parseResults(without((o) => delete o.schema)), /expected schema 'sudcheck-results\/1', found no schema field/);
  t.throws(
    () => parseResults(without((o) => (o.schema = 'sudcheck-results/2')), 'old.json'),
    /^old\.json: expected schema 'sudcheck-results\/1', found 'sudcheck-results\/2'$/,
  );
  t.throws(() => parseResults(without((o) => delete o.results)), /'results' must be an array/);
  t.throws(() => parseResults(without((o) => (o.run = null))), /'run' must be an object/);
  t.throws(
    () => parseResults(without((o) => ((o.results as Array<Record<string, unknown>>)[2]!.status = 'MAYBE'))),
    /results\[2\]\.status must be one of PASS, FAIL, SKIP, ERROR, XFAIL, XPASS, not "MAYBE"/,
  );
  t.throws(() => parseResults(without((o) => delete (o.results as Array<Record<string, unknown>>)[0]!.id)), /results\[0\]\.id must be a string/);
  t.throws(() => parseResults('{}'), ResultsFormatError);
});

t.test('index: every format renders, each to its own file', async (t) => {
  t.same([...FORMATS], ['tap', 'ktap', 'junit', 'json', 'summary']);
  t.same(REPORT_FILES, {
    tap: 'results.tap',
    ktap: 'results.ktap',
    junit: 'junit.xml',
    json: 'results.json',
    summary: 'summary.txt',
  });
  const firstLines = Object.fromEntries(FORMATS.map((f) => [f, render(f, sample).split('\n')[0]]));
  t.same(firstLines, {
    tap: 'TAP version 14',
    ktap: 'KTAP version 1',
    junit: '<?xml version="1.0" encoding="UTF-8"?>',
    json: '{',
    summary: 'tool: sudcheck 0.1.0',
  });
  t.notMatch(render('summary', sample), /\x1b\[/, 'the summary file has no colours');
});
