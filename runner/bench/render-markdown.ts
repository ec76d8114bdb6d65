// bench.md: the table a person reads (and the console output of `sudcheck bench`). Pure.
import { fmtNs, fmtPct, fmtRatio, headerLines, signed } from './format.js';
import type { BenchResults } from './types.js';

/** A table cell: pipes escaped, one line. */
export function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** `details: false` leaves out the path descriptions and the method (the console output). */
export function renderMarkdown(r: BenchResults, { details = true }: { details?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`# sudcheck bench: ${r.environment.kernel.release} (${r.environment.kernel.machine})`, '');
  for (const h of headerLines(r)) out.push(`- ${mdCell(h)}`);
  out.push('');
  const alarms = r.notes.filter((n) => /^(NOT REPRESENTATIVE|NOISY|UNAVAILABLE)/.test(n));
  for (const a of alarms) out.push(`> **${mdCell(a)}**`, '>');
  if (alarms.length) out.pop();
  if (alarms.length) out.push('');

  out.push(
    '| path | ns/call (median) | mean ± 95% CI | rme | p99 of batches | × native | ns over native | batches |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const p of r.paths) {
    if (p.status === 'unavailable') {
      out.push(`| ${mdCell(p.id)} | unavailable: ${mdCell(p.reason)} | | | | | | |`);
      continue;
    }
    const s = p.nsPerCall;
    const rme = `${fmtPct(s.rme)}${p.noisy ? ' (noisy)' : ''}`;
    out.push(
      `| ${mdCell(p.id)} | ${fmtNs(s.median)} | ${fmtNs(s.mean)} ± ${fmtNs(s.moe)} | ${rme} | ${fmtNs(s.p99)} | ` +
        `${fmtRatio(p.ratioToNative.value)} ± ${fmtPct(p.ratioToNative.rme)} | ${signed(p.overNativeNs)} | ${s.samples} |`,
    );
  }
  const c = r.crossCheck;
  out.push('');
  if (c.status === 'measured')
    out.push(
      `Cross-check: \`${c.tool}\` ${fmtNs(c.nsPerCall ?? NaN)} ns per getppid() (runs ${c.runs.map(fmtNs).join(', ')}, ${c.loops} loops each)` +
        (c.differencePct !== undefined
          ? `; native here ${fmtNs(c.nativeMedian ?? NaN)} ns, ${c.differencePct >= 0 ? '+' : ''}${c.differencePct.toFixed(1)}% (${c.agrees ? 'agrees within 10%' : 'does NOT agree within 10%'}).`
          : '.'),
    );
  else out.push(`Cross-check: \`${c.tool}\` unavailable: ${mdCell(c.reason ?? '')}.`);

  out.push('', '## Notes', '');
  for (const n of r.notes) out.push(`- ${mdCell(n)}`);

  if (!details) {
    out.push('');
    return out.join('\n');
  }
  out.push('', '## What each path measures', '');
  for (const p of r.paths) out.push(`- **${p.id}** (${mdCell(p.label)}): ${mdCell(p.measures)}. *For a compatibility layer:* ${mdCell(p.meaning)}.`);
  out.push(
    '',
    '## Method',
    '',
    `- Clock: ${r.method.clock}. Syscall: ${r.method.syscall}.`,
    `- Interleaving: ${r.method.interleaving}.`,
    `- Baseline: the empty loop, median ${fmtNs(r.method.baseline.median)} ns per iteration (rme ${fmtPct(r.method.baseline.rme)}, ${r.method.baseline.samples} batches), subtracted from every batch.`,
    `- Handler: ${r.method.handler}.`,
    `- Statistics: ${r.method.statistics}. A path whose relative margin of error exceeds ${r.method.rmeLimit}% is marked noisy.`,
    '',
  );
  return out.join('\n');
}
