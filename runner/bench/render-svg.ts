// bench.svg: one bar per path (the median), on a log scale so that a 170 ns syscall and a 10 µs ptrace
// round trip both stay readable; a black error bar for the 95% confidence interval of the mean and a
// grey whisker out to the p99 of batch means; the figures written beside each bar. Pure.
import { xmlAttr, xmlText } from '../report/names.js';
import { fmtNs, fmtPct, fmtRatio } from './format.js';
import type { BenchResults, MeasuredPath } from './types.js';

const W = 980;
const LABEL_W = 220;
const NOTE_W = 250;
const PLOT_X0 = LABEL_W + 10;
const PLOT_X1 = W - NOTE_W - 10;
const ROW_H = 30;
const TOP = 78;

/** The 1-2-5 value at or below v (below: `up` false) or at or above it (`up` true). */
export function niceBound(v: number, up: boolean): number {
  const e = Math.floor(Math.log10(v));
  const steps = [1, 2, 5, 10].map((m) => m * 10 ** e);
  return up ? (steps.find((s) => s >= v * 0.999) as number) : ([...steps].reverse().find((s) => s <= v * 1.001) as number);
}

/** 1-2-5 ticks covering [lo, hi] on a log scale. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo * 0.999 && t <= hi * 1.001) ticks.push(t);
    }
  return ticks;
}

const n2 = (x: number) => (Math.round(x * 100) / 100).toString();

export function renderSvg(r: BenchResults): string {
  const measured = r.paths.filter((p): p is MeasuredPath => p.status === 'measured');
  const values = measured.flatMap((p) => [p.nsPerCall.median, p.nsPerCall.p99, p.nsPerCall.mean + p.nsPerCall.moe]).filter((v) => v > 0);
  const minV = values.length ? Math.min(...measured.map((p) => Math.max(p.nsPerCall.mean - p.nsPerCall.moe, 1e-3))) : 1;
  const maxV = values.length ? Math.max(...values) : 10;
  const lo = niceBound(Math.max(minV * 0.7, 1e-3), false);
  const hi = niceBound(maxV * 1.05, true);
  const x = (v: number) => PLOT_X0 + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (PLOT_X1 - PLOT_X0);

  const rows = r.paths.length;
  const plotBottom = TOP + rows * ROW_H;
  const legendY = plotBottom + 52;
  const notes = r.notes.filter((n) => /^(NOT REPRESENTATIVE|NOISY|UNAVAILABLE|Cross-check)/.test(n));
  const H = legendY + 30 + notes.length * 16 + 10;
  const warn = !r.representative;

  const o: string[] = [];
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${xmlText(`sudcheck bench: ns per syscall by interception path, ${r.environment.kernel.release}`)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="16" font-weight="bold">${xmlText(`Cost of one getppid() by interception path (Linux ${r.environment.kernel.release})`)}</text>`,
    `<text x="12" y="42" fill="#444">${xmlText(
      `median ns per call over ${r.method.measuredRounds} interleaved batches per path, baseline subtracted; CPU ${r.environment.cpu}${r.environment.pinned ? ' pinned' : ' NOT pinned'}; log scale`,
    )}</text>`,
  );
  if (warn)
    o.push(
      `<text x="12" y="60" fill="#b00020" font-weight="bold">${xmlText(
        r.environment.virtualization.emulated
          ? 'NOT REPRESENTATIVE: emulated CPU (QEMU TCG)'
          : `NOT REPRESENTATIVE as a whole: noisy ${measured.filter((p) => p.noisy).map((p) => p.id).join(', ')}`,
      )}</text>`,
    );

  // grid and axis
  for (const t of logTicks(lo, hi)) {
    const tx = n2(x(t));
    o.push(`<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${plotBottom}" stroke="${String(t).startsWith('1') ? '#cfcfcf' : '#ececec'}"/>`);
    o.push(`<text x="${tx}" y="${plotBottom + 16}" text-anchor="middle" fill="#444">${xmlText(t >= 1000 ? `${t / 1000} µs` : `${t} ns`)}</text>`);
  }
  o.push(`<line x1="${PLOT_X0}" y1="${plotBottom}" x2="${PLOT_X1}" y2="${plotBottom}" stroke="#888"/>`);
  o.push(`<text x="${(PLOT_X0 + PLOT_X1) / 2}" y="${plotBottom + 34}" text-anchor="middle" fill="#444">ns per call (log scale)</text>`);
  o.push(`<text x="${PLOT_X1 + 10}" y="${TOP - 10}" fill="#444" font-weight="bold">median · ×native · rme · batches</text>`);

  r.paths.forEach((p, i) => {
    const y = TOP + i * ROW_H;
    const cy = y + ROW_H / 2;
    o.push(`<g id="${xmlAttr(`path-${p.id}`)}">`);
    o.push(`<text x="${LABEL_W}" y="${cy + 4}" text-anchor="end">${xmlText(p.label)}</text>`);
    if (p.status === 'unavailable') {
      o.push(`<text x="${PLOT_X0 + 4}" y="${cy + 4}" fill="#888" font-style="italic">${xmlText(`unavailable: ${p.reason}`.slice(0, 110))}</text>`);
      o.push('</g>');
      return;
    }
    const s = p.nsPerCall;
    const fill = p.id === 'native' ? '#4c72b0' : p.noisy ? '#dd8452' : '#8da0cb';
    o.push(
      `<rect x="${PLOT_X0}" y="${n2(y + 6)}" width="${n2(Math.max(x(s.median) - PLOT_X0, 1))}" height="${ROW_H - 12}" fill="${fill}"><title>${xmlText(
        `${p.id}: median ${fmtNs(s.median)} ns, mean ${fmtNs(s.mean)} ± ${fmtNs(s.moe)} ns (95% CI), p99 ${fmtNs(s.p99)} ns, ${s.samples} batches`,
      )}</title></rect>`,
    );
    // p99 whisker (spread of batches), then the 95% CI error bar (uncertainty of the mean)
    o.push(`<line x1="${n2(x(s.median))}" y1="${cy}" x2="${n2(x(s.p99))}" y2="${cy}" stroke="#999" stroke-dasharray="3,2"/>`);
    o.push(`<line x1="${n2(x(s.p99))}" y1="${cy - 4}" x2="${n2(x(s.p99))}" y2="${cy + 4}" stroke="#999"/>`);
    const e0 = x(Math.max(s.mean - s.moe, lo));
    const e1 = x(s.mean + s.moe);
    o.push(`<line x1="${n2(e0)}" y1="${cy}" x2="${n2(e1)}" y2="${cy}" stroke="#000" stroke-width="1.5"/>`);
    for (const ex of [e0, e1]) o.push(`<line x1="${n2(ex)}" y1="${cy - 6}" x2="${n2(ex)}" y2="${cy + 6}" stroke="#000" stroke-width="1.5"/>`);
    o.push(
      `<text x="${PLOT_X1 + 10}" y="${cy + 4}"${p.noisy ? ' fill="#b00020"' : ''}>${xmlText(
        `${fmtNs(s.median)} ns · ${fmtRatio(p.ratioToNative.value)}× · ±${fmtPct(s.rme)} · n=${s.samples}${p.noisy ? ' · noisy' : ''}`,
      )}</text>`,
    );
    o.push('</g>');
  });

  // legend
  const ly = legendY;
  o.push(
    `<rect x="${PLOT_X0}" y="${ly - 9}" width="22" height="10" fill="#8da0cb"/>`,
    `<text x="${PLOT_X0 + 28}" y="${ly}">median</text>`,
    `<line x1="${PLOT_X0 + 90}" y1="${ly - 4}" x2="${PLOT_X0 + 112}" y2="${ly - 4}" stroke="#000" stroke-width="1.5"/>`,
    `<line x1="${PLOT_X0 + 90}" y1="${ly - 9}" x2="${PLOT_X0 + 90}" y2="${ly + 1}" stroke="#000" stroke-width="1.5"/>`,
    `<line x1="${PLOT_X0 + 112}" y1="${ly - 9}" x2="${PLOT_X0 + 112}" y2="${ly + 1}" stroke="#000" stroke-width="1.5"/>`,
    `<text x="${PLOT_X0 + 118}" y="${ly}">95% confidence interval of the mean</text>`,
    `<line x1="${PLOT_X0 + 350}" y1="${ly - 4}" x2="${PLOT_X0 + 372}" y2="${ly - 4}" stroke="#999" stroke-dasharray="3,2"/>`,
    `<text x="${PLOT_X0 + 378}" y="${ly}">to p99 of batch means</text>`,
    `<rect x="${PLOT_X0 + 530}" y="${ly - 9}" width="22" height="10" fill="#dd8452"/>`,
    `<text x="${PLOT_X0 + 558}" y="${ly}">noisy (rme &gt; ${r.method.rmeLimit}%)</text>`,
  );
  notes.forEach((n, i) => {
    o.push(`<text x="12" y="${ly + 24 + i * 16}" fill="${/^(NOT|NOISY)/.test(n) ? '#b00020' : '#444'}" font-size="11">${xmlText(n.length > 170 ? `${n.slice(0, 167)}...` : n)}</text>`);
  });
  o.push('</svg>');
  return `${o.join('\n')}\n`;
}
