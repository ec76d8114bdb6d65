// The `sudcheck` command line: run (default), list, bench, help.
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { allScenarios } from '../suites/index.js';
import { processIo, type Io } from './args.js';
import { listCommand } from './commands/list.js';
import { runCommand } from './commands/run.js';
import { CliError, EXIT, usageError } from './errors.js';
import { matchesAny } from './glob.js';
import { VERSION } from './version.js';

export { VERSION };
export type { Io };

const HELP = `sudcheck ${VERSION}: conformance suite for Linux Syscall User Dispatch

Usage:
  sudcheck [run] [ID-OR-GLOB...] [options]   run scenarios on the running kernel (default)
  sudcheck list [ID-OR-GLOB...] [--json]     list scenarios with their behaviour items and requirements
  sudcheck list --coverage [--json|--markdown]  behaviour items 1-34 and the scenarios that check each
  sudcheck bench [options]                   microbenchmarks (see sudcheck bench --help)
  sudcheck run --kernel IMAGE [options]      boot a kernel image (bzImage/vmlinuz) in QEMU and run there
  sudcheck matrix --kernel A --kernel B ...  several kernel images; a report of scenarios by kernel
  sudcheck kernels fetch|list|path ...       Debian cloud kernels for the matrix (sudcheck kernels --help)
  sudcheck help                              this text

Run options:
  --filter GLOB          only scenarios whose id matches (repeatable; * and ? wildcards)
  --exclude GLOB         leave out scenarios whose id matches (repeatable)
  --format FMT           what goes to stdout: summary (default), tap, ktap, junit, json
  --out DIR              where reports are written (default: reports/ in the project);
                         each run gets DIR/<run-id>/ and DIR/latest points at the newest
  --jobs N               scenarios run in parallel (default: number of CPUs, here ${cpus().length})
  --timeout SECONDS      per-scenario timeout; the fixture's process group is killed (default 10)
  --expectations FILE    known deviations: FAIL becomes XFAIL, PASS becomes XPASS (docs/expectations.md)
  --skip-exit-code N     exit code when every scenario was skipped (default 0; kselftest 4, autopkgtest 77)
  --repeat N             run each scenario N times and flag any whose verdict changes (default 1)
  --quiet                no progress lines on stderr
  --kernel IMAGE         boot this kernel image under qemu-system-x86_64 (TCG unless KVM is proven to work)
                         and run the suite inside it (docs/kernel-ci.md); repeatable with matrix
  --qemu-arg ARG         extra argument for qemu-system-x86_64 (repeatable)
  --memory MIB           guest memory (default 1024)
  --boot-timeout SECONDS how long to wait for the agent's hello after qemu starts (default 60)

Exit codes: 0 nothing failed or errored; 1 a scenario FAILed or XPASSed; 2 usage error;
            3 a scenario ERRORed or the harness broke; 5 a needed tool or file is missing.
`;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [first, ...rest] = argv;
  try {
    switch (first) {
      case undefined:
        return await runCommand([], io, HELP);
      case 'run':
        return await runCommand(rest, io, HELP);
      case 'list':
        return listCommand(rest, io, HELP);
      case 'matrix': {
        const { matrixCommand } = await import('./commands/matrix.js');
        return await matrixCommand(rest, io);
      }
      case 'kernels': {
        const { kernelsCommand } = await import('./commands/kernels.js');
        return await kernelsCommand(rest, io);
      }
      case 'bench': {
        const { benchCommand } = await import('./bench/command.js');
        return await benchCommand(rest);
      }
      case 'help':
      case '--help':
      case '-h':
        io.stdout(HELP);
        return EXIT.ok;
      case '--version':
        io.stdout(`${VERSION}\n`);
        return EXIT.ok;
      default:
        if (first.startsWith('-') || allScenarios.some((s) => matchesAny(s.id, [first]))) return await runCommand(argv, io, HELP);
        throw usageError(`unknown command or scenario '${first}'. Commands: run, list, bench, matrix, kernels, help; 'sudcheck list' shows scenario ids.`);
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`${e.message.startsWith('sudcheck') ? '' : 'sudcheck: '}${e.message}\n`);
      return e.exitCode;
    }
    io.stderr(`sudcheck: internal error: ${(e as Error).stack ?? e}\n`);
    return EXIT.error;
  }
}

// Run when executed directly (node --import tsx runner/cli.ts ...); bin/sudcheck.js calls main() itself.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
