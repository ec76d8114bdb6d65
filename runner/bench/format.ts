// Number formatting and the one-line description of a figure that every bench format shares, so the
// table, the chart and the CI entries never disagree.
import type { BenchResults, MeasuredPath } from './types.js';

/** ns with a precision that suits the size: 1.35, 172.3, 2231. */
export function fmtNs(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  const a = Math.abs(ns);
  return a < 10 ? ns.toFixed(2) : a < 1000 ? ns.toFixed(1) : ns.toFixed(0);
}

export const fmtPct = (p: number): string => (Number.isFinite(p) ? `${p < 10 ? p.toFixed(2) : p.toFixed(1)}%` : 'n/a');

export const fmtRatio = (r: number): string => (Number.isFinite(r) ? (r < 10 ? r.toFixed(2) : r.toFixed(1)) : 'n/a');

export const signed = (ns: number): string => `${ns >= 0 ? '+' : ''}${fmtNs(ns)}`;

/** `median 172.3 ns/call, mean 172.8 +- 0.3 ns (95% CI, rme 0.17%), p99 180.1 ns, 1811 batches, 1.00x native` */
export function figureLine(p: MeasuredPath): string {
  const s = p.nsPerCall;
  return (
    `median ${fmtNs(s.median)} ns/call, mean ${fmtNs(s.mean)} +- ${fmtNs(s.moe)} ns (95% CI, rme ${fmtPct(s.rme)}), ` +
    `p99 ${fmtNs(s.p99)} ns, ${s.samples} batches of ${p.itersPerBatch} calls, ${fmtRatio(p.ratioToNative.value)}x native` +
    (p.noisy ? `; NOISY: ${p.noisyWhy}` : '')
  );
}

/** Figures as flat name/value pairs, for YAML diagnostics and JUnit properties. */
export function figureProperties(p: MeasuredPath): Array<[string, string]> {
  const s = p.nsPerCall;
  const n = (x: number) => (Number.isFinite(x) ? String(Math.round(x * 1000) / 1000) : 'null');
  return [
    ['ns_per_call.median', n(s.median)],
    ['ns_per_call.mean', n(s.mean)],
    ['ns_per_call.moe95', n(s.moe)],
    ['ns_per_call.rme_percent', n(s.rme)],
    ['ns_per_call.p99', n(s.p99)],
    ['ns_per_call.sd', n(s.sd)],
    ['ns_per_call.min', n(s.min)],
    ['ns_per_call.max', n(s.max)],
    ['samples', String(s.samples)],
    ['preempted_batches', String(p.preemptedBatches)],
    ['iters_per_batch', String(p.itersPerBatch)],
    ['ratio_to_native', n(p.ratioToNative.value)],
    ['ratio_to_native.rme_percent', n(p.ratioToNative.rme)],
    ['over_native_ns', n(p.overNativeNs)],
    ['noisy', String(p.noisy)],
  ];
}

/** The run in a few plain lines, for report headers. */
export function headerLines(r: BenchResults): string[] {
  const e = r.environment;
  const v = e.virtualization;
  return [
    `tool: ${r.run.tool}, run ${r.run.id} (${r.run.mode})`,
    `kernel: ${e.kernel.release} ${e.kernel.version} ${e.kernel.machine}`,
    `cpu: ${v.cpuModel}, ${e.cpus} CPUs, measured on CPU ${e.cpu}${e.pinned ? ' (pinned)' : ' (NOT pinned)'}, clocksource ${e.clocksource ?? 'unknown'}`,
    `virtualization: ${v.emulated ? 'EMULATED (QEMU TCG)' : v.vm ? `virtual machine (${v.kind})` : 'none detected'}${v.container ? `, container ${v.container}` : ''}`,
    `method: ${r.method.measuredRounds} interleaved rounds of ~${(r.method.batchNs / 1e6).toFixed(2)} ms batches after ${r.method.warmupRounds} warm-up rounds; baseline ${fmtNs(r.method.baseline.median)} ns/iteration subtracted`,
    `representative: ${r.representative ? 'yes' : 'NO'}`,
  ];
}
