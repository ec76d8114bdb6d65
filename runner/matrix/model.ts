// The matrix: scenarios by kernel, from one RunResults per kernel. Pure.
//
// A row "changes with the kernel" when its verdict differs between kernels that booted. A kernel that
// never booted (every scenario ERROR, nothing observed) is shown with why, but left out of that
// comparison: otherwise one broken image would make every row look kernel-dependent.
import { FEATURE_IDS, STATUSES, type FeatureId, type FeatureState, type RunResults, type Status, type Summary } from '../types.js';

export const MATRIX_SCHEMA = 'sudcheck-matrix/1';

/** Extra facts about a kernel's boot, when the target knew them (see runner/targets/qemu.ts BootInfo). */
export interface MatrixBoot {
  accel?: string;
  helloMs?: number;
  endMs?: number;
  totalMs?: number;
  failure?: string;
}

export interface MatrixKernelInput {
  /** Short unique name (the kernel release when known), also the folder of its reports. */
  label: string;
  image: string;
  results: RunResults;
  boot?: MatrixBoot;
}

export interface MatrixKernel {
  label: string;
  image: string;
  release: string;
  version: string;
  /** False when the target never got as far as probing: why, in `bootFailure`. */
  booted: boolean;
  bootFailure?: string;
  summary: Summary;
  features: Record<FeatureId, FeatureState>;
  boot?: MatrixBoot;
  durationMs: number;
}

export interface MatrixCell {
  status: Status;
  /** The verdict's reason, without the "(kernel x.y)" suffix the runner adds to skips. */
  reason: string;
}

export interface MatrixRow {
  id: string;
  title: string;
  family: string;
  /** One per kernel, in kernel order; null when that kernel's run did not include the scenario. */
  cells: (MatrixCell | null)[];
  /** The verdict differs between kernels that booted. */
  changes: boolean;
}

export interface Matrix {
  schema: typeof MATRIX_SCHEMA;
  id: string;
  createdAt: string;
  kernels: MatrixKernel[];
  /** Rows that change with the kernel first, then the rest; suite order within each group. */
  rows: MatrixRow[];
  /** How many rows change with the kernel (they come first in `rows`). */
  changing: number;
  /** Features whose presence differs between kernels that booted. */
  changingFeatures: FeatureId[];
}

/** A run in which the target never ran anything (prepare failed): every case ERROR and unobserved. */
export function neverBooted(r: RunResults): boolean {
  return r.results.length > 0 && r.results.every((c) => c.status === 'ERROR' && c.observed === null);
}

const TARGET_NEVER_RAN = /^the target never ran it: /;

export function cleanReason(reason: string): string {
  return reason.replace(/ \(kernel [^()]*\)$/, '').replace(TARGET_NEVER_RAN, '');
}

export function buildMatrix(inputs: readonly MatrixKernelInput[], id: string, createdAt = new Date().toISOString()): Matrix {
  const kernels: MatrixKernel[] = inputs.map((k) => {
    const booted = !neverBooted(k.results);
    const first = k.results.results[0];
    return {
      label: k.label,
      image: k.image,
      release: k.results.run.target.kernel.release,
      version: k.results.run.target.kernel.version,
      booted,
      ...(!booted && first ? { bootFailure: cleanReason(first.reason) } : {}),
      summary: k.results.summary,
      features: k.results.features,
      ...(k.boot ? { boot: k.boot } : {}),
      durationMs: k.results.run.durationMs,
    };
  });

  // Rows in the order scenarios first appear across kernels (every kernel runs the same suite).
  const order: string[] = [];
  const meta = new Map<string, { title: string; family: string }>();
  const byKernel = inputs.map((k) => new Map(k.results.results.map((r) => [r.id, r])));
  for (const k of inputs)
    for (const r of k.results.results)
      if (!meta.has(r.id)) {
        meta.set(r.id, { title: r.title, family: r.family });
        order.push(r.id);
      }

  const rows: MatrixRow[] = order.map((id) => {
    const cells = byKernel.map((m) => {
      const r = m.get(id);
      return r ? { status: r.status, reason: cleanReason(r.reason) } : null;
    });
    const statuses = new Set(cells.filter((c, i) => c && kernels[i]?.booted).map((c) => (c as MatrixCell).status));
    const { title, family } = meta.get(id) as { title: string; family: string };
    return { id, title, family, cells, changes: statuses.size > 1 };
  });
  const changingRows = rows.filter((r) => r.changes);
  const booted = kernels.filter((k) => k.booted);
  const changingFeatures = FEATURE_IDS.filter((f) => new Set(booted.map((k) => k.features[f]?.present)).size > 1);
  return {
    schema: MATRIX_SCHEMA,
    id,
    createdAt,
    kernels,
    rows: [...changingRows, ...rows.filter((r) => !r.changes)],
    changing: changingRows.length,
    changingFeatures,
  };
}

/** The combined counts over every kernel (for the exit code). */
export function totalSummary(m: Matrix): Summary {
  const total = Object.fromEntries([...STATUSES.map((s) => [s, 0]), ['total', 0]]) as Summary;
  for (const k of m.kernels) {
    for (const s of STATUSES) total[s] += k.summary[s];
    total.total += k.summary.total;
  }
  return total;
}

/** Skip (and error) reasons of one kernel, each once with its count, most frequent first. */
export function reasonsOf(m: Matrix, kernelIndex: number, status: Status): Array<[reason: string, count: number]> {
  const counts = new Map<string, number>();
  for (const r of m.rows) {
    const c = r.cells[kernelIndex];
    if (c && c.status === status) counts.set(c.reason, (counts.get(c.reason) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Rows that do not change, grouped by family with the common verdict: [family, status, count]. */
export function steadyGroups(m: Matrix): Array<{ family: string; status: Status | 'mixed'; count: number }> {
  const groups = new Map<string, { family: string; status: Status | 'mixed'; count: number }>();
  for (const r of m.rows.slice(m.changing)) {
    const first = r.cells.find((c, i) => c && m.kernels[i]?.booted) ?? r.cells.find((c) => c);
    const status = first?.status ?? 'ERROR';
    const key = `${r.family}\u0000${status}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { family: r.family, status, count: 1 });
  }
  return [...groups.values()];
}

/** Rows that change with the kernel, grouped by their verdicts across kernels (one group per pattern,
 * such as SKIP PASS PASS), with each kernel's distinct reasons in the group. Groups holding a FAIL,
 * ERROR or XPASS come first, then the largest. */
export interface PatternGroup {
  statuses: (Status | null)[];
  rows: MatrixRow[];
  /** Per kernel: the distinct reasons of the group's cells (empty for PASS). */
  reasons: string[][];
}

const ALARMING: ReadonlySet<Status> = new Set<Status>(['FAIL', 'ERROR', 'XPASS']);

export function patternGroups(m: Matrix): PatternGroup[] {
  const groups = new Map<string, PatternGroup>();
  for (const r of m.rows.slice(0, m.changing)) {
    const statuses = r.cells.map((c) => c?.status ?? null);
    const key = statuses.join(' ');
    let g = groups.get(key);
    if (!g) {
      g = { statuses, rows: [], reasons: statuses.map(() => []) };
      groups.set(key, g);
    }
    g.rows.push(r);
    r.cells.forEach((c, i) => {
      const list = g.reasons[i] as string[];
      if (c && c.status !== 'PASS' && c.reason && !list.includes(c.reason)) list.push(c.reason);
    });
  }
  const alarming = (g: PatternGroup) => g.statuses.some((s) => s !== null && ALARMING.has(s));
  return [...groups.values()].sort((a, b) => Number(alarming(b)) - Number(alarming(a)) || b.rows.length - a.rows.length);
}
