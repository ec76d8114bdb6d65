// One boot: writes the initramfs, starts qemu with the console on its stdout and the agent's data
// channel on a UNIX socket, collects the records, and makes sure qemu ends, whatever the kernel does.
//
// Deadlines (nothing can hang):
//   - hello: the agent must say hello within the boot timeout (a kernel that does not boot, panics
//     early or has no serial console never does);
//   - stall: after the hello, some record must arrive at least every (longest case timeout + grace):
//     the agent kills every case at its timeout, so a longer silence means the guest hung;
//   - overall: boot timeout + the probe's and every case's timeout + grace, an upper bound;
//   - after the agent's last record, qemu gets a few seconds to power off and is then killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { qemuArgs, type Accel } from './command.js';
import { FrameParser, type FramingStats, type SudRecord } from './framing.js';
import { buildInitramfs, type Manifest } from './initramfs.js';

export const STALL_GRACE_MS = 30_000;
export const POWER_OFF_GRACE_MS = 5_000;
const CONSOLE_KEEP_BYTES = 1 << 20;

export interface SessionInput {
  qemuBinary: string;
  kernel: string;
  agent: string;
  binDir: string;
  manifest: Manifest;
  accel: Accel;
  cpus: number;
  memoryMb: number;
  helloTimeoutMs: number;
  appendExtra?: string;
  extraArgs?: readonly string[];
  gzipLevel?: number;
  /** Silence allowed after the longest case timeout before the guest counts as hung (default 30 s). */
  stallGraceMs?: number;
  /** No second serial port: the agent's frames share the console with the kernel's messages. */
  consoleOnly?: boolean;
  /** Every console line as it arrives (SUDCHECK_QEMU_VERBOSE). */
  onConsoleLine?: (line: string) => void;
  /** Every record as it arrives. */
  onRecord?: (r: SudRecord) => void;
}

export interface SessionResult {
  accel: Accel;
  /** Records by id (hello, probe, c<N>, end, fatal). */
  records: Map<string, Buffer>;
  /** Why the session ended before the agent's `end` record, or undefined when it completed. */
  failure?: string;
  /** True when the failure happened before the agent's hello (the kernel never got that far). */
  beforeHello: boolean;
  console: string;
  qemuStderr: string;
  exit: { code: number | null; signal: string | null } | null;
  timings: { helloMs?: number; endMs?: number; totalMs: number };
  framing: FramingStats;
}

function manifestBound(m: Manifest): number {
  return m.probe.timeoutMs + m.cases.reduce((sum, c) => sum + c.timeoutMs, 0);
}

/** The last lines of the console, for reports: kernel panics and oopses end up here. */
export function consoleTail(text: string, lines = 12): string[] {
  return text
    .replace(/\r/g, '')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-lines);
}

/** What the console says went wrong: the panic message, the first oops or BUG before it, and the
 * process that was running, in one line; undefined when the console shows neither. */
export function diagnoseConsole(text: string): string | undefined {
  const lines = text.replace(/\r/g, '').split('\n').map((l) => l.replace(/^\[\s*\d+\.\d+\]\s?/, '').trim());
  const panic = [...lines].reverse().find((l) => /Kernel panic - not syncing/.test(l));
  const oopsAt = lines.findIndex((l) => /^(BUG: |Oops: |general protection fault|kernel BUG at |Unable to handle kernel|stack segment: )/.test(l));
  if (!panic && oopsAt < 0) return undefined;
  const parts: string[] = [];
  if (panic) parts.push(panic.replace(/^.*?(Kernel panic - not syncing)/, '$1'));
  if (oopsAt >= 0) {
    parts.push(`after ${lines[oopsAt]}`);
    const comm = lines.slice(oopsAt, oopsAt + 40).map((l) => /\bComm: (\S+)/.exec(l)?.[1]).find(Boolean);
    const rip = lines.slice(oopsAt, oopsAt + 40).find((l) => /^RIP: 0010:/.test(l));
    if (rip) parts.push(`at ${rip.replace(/^RIP: 0010:/, '')}`);
    if (comm) parts.push(`in process '${comm}'`);
  }
  return parts.join(' ');
}

export async function runSession(input: SessionInput): Promise<SessionResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sudcheck-qemu-'));
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const records = new Map<string, Buffer>();
  let consoleText = '';
  let qemuStderr = '';
  let failure: string | undefined;
  let helloMs: number | undefined;
  let endMs: number | undefined;
  let server: Server | undefined;
  const sockets: Socket[] = [];
  let child: ChildProcess | undefined;
  const timers: NodeJS.Timeout[] = [];

  try {
    const initrd = join(dir, 'initrd');
    writeFileSync(initrd, buildInitramfs({ agent: input.agent, binDir: input.binDir, manifest: input.manifest, gzipLevel: input.gzipLevel ?? 1 }));
    const sock = join(dir, 'data.sock');

    return await new Promise<SessionResult>((resolve, reject) => {
      let exit: SessionResult['exit'] = null;
      let finished = false;
      let stallTimer: NodeJS.Timeout | undefined;
      // Until the probe has reported, the probe's timeout bounds the silence; after it, the longest case's.
      const maxCase = Math.max(0, ...input.manifest.cases.map((c) => c.timeoutMs));
      const grace = input.stallGraceMs ?? STALL_GRACE_MS;

      const onConsoleLine = (line: string) => {
        consoleText += line + '\n';
        if (consoleText.length > CONSOLE_KEEP_BYTES) consoleText = consoleText.slice(-CONSOLE_KEEP_BYTES / 2);
        input.onConsoleLine?.(line);
      };
      const stop = (why: string | undefined) => {
        if (why !== undefined && failure === undefined && endMs === undefined) failure = why;
        if (child && exit === null) child.kill('SIGKILL');
      };
      const armStall = () => {
        if (stallTimer) clearTimeout(stallTimer);
        const limit = (records.has('probe') ? maxCase : input.manifest.probe.timeoutMs) + grace;
        stallTimer = setTimeout(
          () => stop(`the guest went silent: no record for ${Math.round(limit / 1000)} s after ${records.size} records (hung kernel?)`),
          limit,
        );
        timers.push(stallTimer);
      };
      const onRecord = (r: SudRecord) => {
        if (records.has(r.id)) return; // the same record seen on both channels
        records.set(r.id, r.payload);
        input.onRecord?.(r);
        if (r.id === 'hello') {
          helloMs = elapsed();
          clearTimeout(helloTimer);
        }
        if (r.id === 'fatal') stop(`the agent gave up: ${r.payload.toString('utf8').trim()}`);
        if (r.id === 'end') {
          endMs = elapsed();
          if (stallTimer) clearTimeout(stallTimer);
          timers.push(setTimeout(() => stop(undefined), POWER_OFF_GRACE_MS));
        } else armStall();
      };
      const consoleParser = new FrameParser(onRecord, onConsoleLine);
      const dataParser = new FrameParser(onRecord, (line) => onConsoleLine(`[data channel] ${line}`));

      const helloTimer = setTimeout(
        () => stop(`no hello from the agent within ${input.helloTimeoutMs / 1000} s of starting qemu (the kernel did not boot, panicked early, or has no serial console on ttyS0/ttyS1)`),
        input.helloTimeoutMs,
      );
      timers.push(helloTimer);
      const overallMs = input.helloTimeoutMs + manifestBound(input.manifest) + 2 * grace;
      timers.push(setTimeout(() => stop(`the whole run exceeded its bound of ${Math.round(overallMs / 1000)} s`), overallMs));

      const finish = () => {
        if (finished) return;
        finished = true;
        consoleParser.end();
        dataParser.end();
        if (endMs === undefined && failure === undefined)
          failure = exit?.signal
            ? `qemu was killed by ${exit.signal}`
            : helloMs === undefined
              ? `qemu exited (status ${exit?.code}) before the agent's hello${qemuStderr.trim() ? `: ${qemuStderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`
              : `the guest stopped (qemu exited with status ${exit?.code}) after ${records.size} records, before the agent's end (kernel panic or reboot?)`;
        const diagnosis = diagnoseConsole(consoleText);
        if (diagnosis && endMs === undefined) failure = `${helloMs === undefined ? 'the kernel failed during boot' : 'the kernel crashed while running the cases'}: ${diagnosis}`;
        const result: SessionResult = {
          accel: input.accel,
          records,
          beforeHello: helloMs === undefined,
          console: consoleText,
          qemuStderr,
          exit,
          timings: { ...(helloMs !== undefined ? { helloMs } : {}), ...(endMs !== undefined ? { endMs } : {}), totalMs: elapsed() },
          framing: dataParser.stats.frames >= consoleParser.stats.frames ? dataParser.stats : consoleParser.stats,
          ...(failure !== undefined ? { failure } : {}),
        };
        resolve(result);
      };

      server = createServer((s) => {
        sockets.push(s);
        s.on('data', (d) => dataParser.push(d));
        s.on('error', () => {});
      });
      server.on('error', reject);
      server.listen(sock, () => {
        const args = qemuArgs({
          kernel: input.kernel,
          initrd,
          memoryMb: input.memoryMb,
          cpus: input.cpus,
          accel: input.accel,
          ...(input.consoleOnly ? {} : { dataSocket: sock }),
          ...(input.appendExtra ? { appendExtra: input.appendExtra } : {}),
          ...(input.extraArgs ? { extraArgs: input.extraArgs } : {}),
        });
        child = spawn(input.qemuBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout?.on('data', (d: Buffer) => consoleParser.push(d));
        child.stderr?.on('data', (d: Buffer) => {
          qemuStderr = (qemuStderr + d.toString('utf8')).slice(-8192);
        });
        child.on('error', (e) => {
          exit = { code: null, signal: null };
          failure ??= `cannot start ${input.qemuBinary}: ${e.message}`;
          finish();
        });
        child.on('close', (code, signal) => {
          exit = { code, signal };
          finish();
        });
      });
    });
  } finally {
    for (const t of timers) clearTimeout(t);
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  }
}
