// Errors that end a command before any scenario runs, each with the exit code the CLI returns.
export const EXIT = {
  ok: 0,
  fail: 1, // a scenario FAILed (or XPASSed: a stale expectations file)
  usage: 2, // bad flag, unknown scenario, unwritable --out, bad expectations file
  error: 3, // a scenario ERRORed, or the harness broke (probe, report writing)
  environment: 5, // a tool the run needs is missing (gcc, make, qemu, a kernel image)
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const usageError = (msg: string) => new CliError(msg, EXIT.usage);
export const environmentError = (msg: string) => new CliError(msg, EXIT.environment);
export const harnessError = (msg: string) => new CliError(msg, EXIT.error);
