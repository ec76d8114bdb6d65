// `sudcheck matrix --kernel A --kernel B ...`: the same suite on several kernel images, each booted in
// QEMU, judged exactly as `run --kernel` does, and a report of scenarios by kernel.
//
// --jobs N here means N kernels booted at once (default: the number of CPUs); inside each VM the
// cases run on the guest's vCPUs (SUDCHECK_QEMU_CPUS, default 2). A --kernel that is not a file but a
// version that `sudcheck kernels fetch` cached (5.10, 6.1, latest, a release) means that cached image.
//
// Everything goes to reports/matrix-<stamp>/ (staged, renamed into place when complete):
//   matrix.md, matrix.html, matrix.json    scenarios by kernel
//   <kernel>/                              that kernel's results.json, results.tap, results.ktap,
//                                          junit.xml, summary.txt and console.log
// and reports/latest-matrix points at the newest.
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Io } from '../args.js';
import { EXIT, usageError } from '../errors.js';
import { buildMatrix, neverBooted, totalSummary, type MatrixKernelInput } from '../matrix/model.js';
import { renderMatrixHtml, renderMatrixMarkdown, renderMatrixText } from '../matrix/render.js';
import { pool } from '../pool.js';
import { inspectImageFile, kernelInfoFromImage } from '../qemu/image.js';
import { exitCodeFor } from '../summary-counts.js';
import { QemuTarget } from '../targets/qemu.js';
import { TOOL } from '../version.js';
import { newRunId } from '../write-reports.js';
import { buildFor, executeRun, makeTarget, parseRunOptions } from './run.js';

const MATRIX_HELP = `Usage: sudcheck matrix --kernel IMAGE --kernel IMAGE ... [ID-OR-GLOB...] [options]

Boots every kernel image under qemu-system-x86_64, runs the suite inside each, and writes
reports/matrix-<stamp>/ (matrix.md, matrix.html, matrix.json, and per kernel TAP, KTAP, JUnit, JSON,
summary and console log); reports/latest-matrix points at the newest.

  --kernel IMAGE      a bzImage/vmlinuz, or a version cached by 'sudcheck kernels fetch' (5.10, 6.1, latest)
  --jobs N            kernels booted at once (default: number of CPUs); each VM runs its cases on its
                      own vCPUs (SUDCHECK_QEMU_CPUS, default 2)
  --qemu-arg, --memory, --boot-timeout, --timeout, --filter, --repeat, --expectations,
  --skip-exit-code, --out, --quiet   as for 'sudcheck run'

Exit code: 3 if any kernel ERRORed (including one that did not boot), else 1 on any FAIL or XPASS,
else the skip exit code when everything everywhere was skipped, else 0.
`;

/** Unique folder names, from the kernel's release when the image says it. */
export function kernelLabels(images: readonly string[]): string[] {
  const taken = new Set<string>();
  return images.map((image) => {
    const info = kernelInfoFromImage(image, inspectImageFile(image));
    let base = (info.release !== 'unknown' ? info.release : basename(image)).replace(/[^A-Za-z0-9._+-]+/g, '_') || 'kernel';
    if (base.startsWith('.')) base = `_${base}`;
    let label = base;
    for (let n = 2; taken.has(label); n++) label = `${base}-${n}`;
    taken.add(label);
    return label;
  });
}

function swapLink(outDir: string, target: string, name: string): void {
  const tmp = join(outDir, `.${name}-${process.pid}`);
  rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, join(outDir, name));
}

export async function matrixCommand(argv: string[], io: Io): Promise<number> {
  const opts = parseRunOptions(argv, 'matrix');
  if (opts.help) {
    io.stdout(MATRIX_HELP);
    return EXIT.ok;
  }
  if (opts.kernels.length === 0) throw usageError('matrix needs at least one --kernel IMAGE (sudcheck kernels fetch 6.1 downloads one)');
  await buildFor(opts.kernels, io);

  const matrixId = newRunId(opts.outDir, 'matrix');
  const staging = join(opts.outDir, `.staging-${matrixId}-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  const labels = kernelLabels(opts.kernels);
  const inputs: MatrixKernelInput[] = [];
  try {
    const runs = await pool(opts.kernels, opts.jobs, async (image, i) => {
      const label = labels[i] as string;
      const target = await makeTarget(image, opts);
      const { results, dir } = await executeRun(target, { ...opts, outDir: staging, quiet: true }, io, label);
      const input: MatrixKernelInput = { label, image, results };
      if (target instanceof QemuTarget) {
        writeFileSync(join(dir, 'console.log'), target.console);
        input.boot = {
          ...(target.boot.accel ? { accel: target.boot.accel } : {}),
          ...(target.boot.helloMs !== undefined ? { helloMs: target.boot.helloMs } : {}),
          ...(target.boot.endMs !== undefined ? { endMs: target.boot.endMs } : {}),
          ...(target.boot.totalMs !== undefined ? { totalMs: target.boot.totalMs } : {}),
          ...(target.boot.failure ? { failure: target.boot.failure } : {}),
        };
      }
      if (!opts.quiet) {
        const s = results.summary;
        const state = neverBooted(results) ? 'did not boot' : `PASS ${s.PASS} FAIL ${s.FAIL} SKIP ${s.SKIP} ERROR ${s.ERROR}`;
        io.stderr(`sudcheck: ${label}: ${state} (${(results.run.durationMs / 1000).toFixed(1)} s)\n`);
      }
      return input;
    });
    inputs.push(...runs);
    // executeRun points staging/latest at each kernel in turn: not meaningful inside a matrix.
    rmSync(join(staging, 'latest'), { force: true });
    const matrix = buildMatrix(inputs, matrixId);
    writeFileSync(join(staging, 'matrix.json'), JSON.stringify(matrix, null, 2) + '\n');
    writeFileSync(join(staging, 'matrix.md'), renderMatrixMarkdown(matrix, TOOL));
    writeFileSync(join(staging, 'matrix.html'), renderMatrixHtml(matrix, TOOL));
    const final = join(opts.outDir, matrixId);
    renameSync(staging, final);
    swapLink(opts.outDir, matrixId, 'latest-matrix');
    io.stdout(renderMatrixText(matrix));
    io.stderr(`sudcheck: matrix written to ${final} (matrix.md, matrix.html)\n`);
    return exitCodeFor(totalSummary(matrix), opts.skipExitCode);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}
