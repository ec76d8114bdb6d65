// The QEMU target: boots a kernel image with the static fixtures and the agent (agent/agent.c) in an
// initramfs, and runs the whole suite in that one boot. A batch target: prepare() boots, probes and
// runs every case (`repeat` times); run() hands out what the agent observed, which the host then
// judges exactly as for the local target.
import { accessSync, constants, existsSync } from 'node:fs';
import { cpus as hostCpus } from 'node:os';
import { delimiter, join } from 'node:path';
import { environmentError } from '../errors.js';
import { BUILD_DIR } from '../paths.js';
import { parseProbeOutput, ProbeError } from '../probes.js';
import type { KernelInfo, Observation, Preparation, Scenario, Target } from '../types.js';
import type { QemuOptions } from './qemu-options.js';
import { QEMU_BINARY, type Accel } from '../qemu/command.js';
import { inspectImageFile, kernelInfoFromImage } from '../qemu/image.js';
import type { Manifest, ManifestCase } from '../qemu/initramfs.js';
import { accelMode, KVM_PROBE_TIMEOUT_MS, shouldTryKvm, verdictKey, writeVerdict, type AccelMode } from '../qemu/kvm.js';
import { parseKeyValues, parseRunRecord, RecordError } from '../qemu/records.js';
import { consoleTail, runSession, type SessionInput, type SessionResult } from '../qemu/session.js';

export const PROBE_TIMEOUT_MS = 30_000;

export interface QemuTargetOptions extends QemuOptions {
  /** vCPUs of the guest (SUDCHECK_QEMU_CPUS; default 1 under TCG, 2 under KVM). Inside, the agent runs
   * max(2, cpus) cases at once. */
  cpus?: number;
  /** auto (KVM when proven to work, else TCG), tcg, kvm (SUDCHECK_ACCEL, default auto). */
  accel?: AccelMode;
  /** qemu-system-x86_64 to run (SUDCHECK_QEMU). */
  qemuBinary?: string;
  /** Extra kernel command line words (SUDCHECK_KERNEL_CMDLINE). */
  appendExtra?: string;
  /** Folder of static fixtures and the agent (default build/static). */
  binDir?: string;
  /** Every console line as it arrives (SUDCHECK_QEMU_VERBOSE=1 prints them on stderr). */
  onConsoleLine?: (line: string) => void;
  /** One serial port only: frames travel on the console among kernel messages (SUDCHECK_QEMU_CONSOLE_ONLY=1). */
  consoleOnly?: boolean;
}

/** What the boot looked like, for reports (the matrix shows it per kernel). */
export interface BootInfo {
  accel?: Accel;
  helloMs?: number;
  endMs?: number;
  totalMs?: number;
  /** Why the run stopped early, if it did. */
  failure?: string;
  framing?: SessionResult['framing'];
  agent?: Record<string, string>;
}

export function findOnPath(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

function envInt(name: string, fallback: number, min: number, max: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw environmentError(`${name} must be a whole number from ${min} to ${max}, not '${v}'`);
  return n;
}

const oneLine = (lines: string[]) => lines.map((l) => l.slice(0, 200)).join(' | ');

export class QemuTarget implements Target {
  readonly kind = 'qemu' as const;
  describe(): { image: string; console?: string } {
    const tail = consoleTail(this.console, 20);
    return { image: this.options.kernel, ...(tail.length ? { console: tail.join('\n') } : {}) };
  }

  /** The full console of the last boot (the matrix writes it next to its reports). */
  console = '';
  boot: BootInfo = {};
  private readonly observations = new Map<string, Observation[]>();
  private readonly absent = new Map<string, string>();
  private missingReason = 'the agent never reported it';
  private readonly opts: Required<Pick<QemuTargetOptions, 'accel' | 'qemuBinary' | 'binDir'>> & QemuTargetOptions;

  constructor(readonly options: QemuTargetOptions) {
    this.opts = {
      ...options,
      ...(options.cpus ?? process.env['SUDCHECK_QEMU_CPUS'] ? { cpus: options.cpus ?? envInt('SUDCHECK_QEMU_CPUS', 1, 1, 64) } : {}),
      accel: options.accel ?? accelMode(),
      qemuBinary: options.qemuBinary ?? process.env['SUDCHECK_QEMU'] ?? QEMU_BINARY,
      binDir: options.binDir ?? join(BUILD_DIR, 'static'),
    };
    if (!this.opts.appendExtra && process.env['SUDCHECK_KERNEL_CMDLINE']) this.opts.appendExtra = process.env['SUDCHECK_KERNEL_CMDLINE'];
    if (!this.opts.onConsoleLine && process.env['SUDCHECK_QEMU_VERBOSE'] === '1')
      this.opts.onConsoleLine = (l) => process.stderr.write(`[console] ${l}\n`);
  }

  private failed(reason: string, kernel: KernelInfo, session?: SessionResult): Preparation {
    const tail = session ? consoleTail(session.console) : [];
    return { ok: false, reason: tail.length ? `${reason}; console tail: ${oneLine(tail)}` : `${reason}; the console stayed empty`, kernel };
  }

  async prepare(scenarios: readonly Scenario[], opts: { timeoutMs: number; repeat: number }): Promise<Preparation> {
    const { kernel, binDir } = this.opts;
    const image = inspectImageFile(kernel);
    const imageKernel = kernelInfoFromImage(kernel, image);
    if (!image.kind)
      return {
        ok: false,
        reason: `${kernel} is not a bootable kernel image (no bzImage setup header, ELF or multiboot header): give arch/x86/boot/bzImage or a vmlinuz`,
        kernel: imageKernel,
      };
    const qemu = findOnPath(this.opts.qemuBinary);
    if (!qemu)
      throw environmentError(
        `${this.opts.qemuBinary} not found: install QEMU (Debian/Ubuntu: apt-get install --no-install-recommends qemu-system-x86; Fedora: dnf install qemu-system-x86-core)`,
      );
    const agent = join(binDir, 'agent');
    if (!existsSync(agent)) return { ok: false, reason: `${agent} does not exist: the agent failed to build (make agent)`, kernel: imageKernel };
    if (!existsSync(join(binDir, 'probe'))) return { ok: false, reason: `${join(binDir, 'probe')} does not exist (make static)`, kernel: imageKernel };

    // The manifest: every scenario `repeat` times, in suite order; `c<N>` records map back here.
    const cases: ManifestCase[] = [];
    const owner: { id: string; fixture: string }[] = [];
    for (const s of scenarios) {
      const file = join(binDir, s.run.fixture);
      if (!existsSync(file)) {
        this.absent.set(s.id, `${file} does not exist (did the build fail?)`);
        continue;
      }
      for (let r = 0; r < Math.max(1, opts.repeat); r++) {
        owner.push({ id: s.id, fixture: s.run.fixture });
        cases.push({
          n: cases.length,
          timeoutMs: s.timeoutMs ?? opts.timeoutMs,
          requires: s.requires,
          fixture: s.run.fixture,
          args: s.run.args,
          ...(s.exclusive ? { exclusive: true } : {}),
        });
      }
    }
    // One vCPU under TCG: several vCPUs buy no speed there (the cases are short and exec-bound), and
    // multi-threaded TCG has been seen to break the kernel's live code patching (an int3 oops in a
    // tracepoint under load), which would be blamed on the kernel.
    const cpusFor = (accel: Accel) => this.opts.cpus ?? (accel === 'kvm' ? Math.min(2, hostCpus().length) : 1);
    const manifestFor = (accel: Accel): Manifest => ({ ...manifest, jobs: Math.max(2, cpusFor(accel)) });
    const manifest: Manifest = { jobs: 2, probe: { timeoutMs: PROBE_TIMEOUT_MS, fixture: 'probe', args: ['all'] }, cases };
    const helloTimeoutMs = this.opts.bootTimeoutS * 1000;
    const input: SessionInput = {
      qemuBinary: qemu,
      kernel,
      agent,
      binDir,
      manifest: manifestFor('tcg'),
      accel: 'tcg',
      cpus: cpusFor('tcg'),
      memoryMb: this.opts.memoryMb,
      helloTimeoutMs,
      extraArgs: this.opts.qemuArgs,
      ...(this.opts.appendExtra ? { appendExtra: this.opts.appendExtra } : {}),
      ...(this.opts.onConsoleLine ? { onConsoleLine: this.opts.onConsoleLine } : {}),
      ...(this.opts.consoleOnly || process.env['SUDCHECK_QEMU_CONSOLE_ONLY'] === '1' ? { consoleOnly: true } : {}),
      ...(process.env['SUDCHECK_QEMU_STALL_GRACE_S'] ? { stallGraceMs: envInt('SUDCHECK_QEMU_STALL_GRACE_S', 30, 1, 3600) * 1000 } : {}),
    };

    let session: SessionResult | undefined;
    const key = verdictKey(qemu);
    if (shouldTryKvm(this.opts.accel, key)) {
      const kvmTimeout = this.opts.accel === 'kvm' ? helloTimeoutMs : Math.min(helloTimeoutMs, KVM_PROBE_TIMEOUT_MS);
      session = await runSession({ ...input, accel: 'kvm', cpus: cpusFor('kvm'), manifest: manifestFor('kvm'), helloTimeoutMs: kvmTimeout });
      if (this.opts.accel === 'auto') {
        if (!session.beforeHello) writeVerdict({ key, works: true, detail: `booted ${imageKernel.release} to the agent's hello`, at: new Date().toISOString() });
        else {
          const kvmFailure = session.failure ?? 'no hello';
          session = await runSession(input);
          // Only a kernel that boots under TCG proves that KVM, not the kernel, was at fault.
          if (!session.beforeHello) writeVerdict({ key, works: false, detail: kvmFailure, at: new Date().toISOString() });
        }
      }
    } else session = await runSession(input);

    this.console = session.console;
    this.boot = {
      accel: session.accel,
      ...(session.timings.helloMs !== undefined ? { helloMs: session.timings.helloMs } : {}),
      ...(session.timings.endMs !== undefined ? { endMs: session.timings.endMs } : {}),
      totalMs: session.timings.totalMs,
      ...(session.failure ? { failure: session.failure } : {}),
      framing: session.framing,
    };
    const hello = session.records.get('hello');
    if (hello) this.boot.agent = parseKeyValues(hello);

    const probe = session.records.get('probe');
    if (!probe) return this.failed(session.failure ?? 'the agent never reported the feature probe', imageKernel, session);
    let probed: { features: ReturnType<typeof parseProbeOutput>['features']; kernel: KernelInfo };
    try {
      const o = parseRunRecord(probe, 'probe');
      if (o.spawnError || o.timedOut || o.signal || o.exitCode !== 0)
        return this.failed(
          `the feature probe failed inside the VM (${o.spawnError ?? (o.timedOut ? 'timeout' : o.signal ?? `exit ${o.exitCode}`)}): ${o.stderr.trim().slice(0, 500)}`,
          imageKernel,
          session,
        );
      probed = parseProbeOutput(o.stdout);
    } catch (e) {
      if (e instanceof RecordError || e instanceof ProbeError) return this.failed(`the feature probe's record is unusable: ${e.message}`, imageKernel, session);
      throw e;
    }

    for (const [n, c] of owner.entries()) {
      const payload = session.records.get(`c${n}`);
      if (!payload) continue;
      let o: Observation;
      try {
        o = parseRunRecord(payload, c.fixture);
      } catch (e) {
        if (!(e instanceof RecordError)) throw e;
        o = { exitCode: null, signal: null, timedOut: false, spawnError: `the agent's record was malformed: ${e.message}`, stdout: '', stderr: '', durationMs: 0 };
      }
      const list = this.observations.get(c.id) ?? [];
      list.push(o);
      this.observations.set(c.id, list);
    }
    if (session.failure) {
      const tail = consoleTail(session.console, 6);
      this.missingReason = `the VM stopped before reporting it: ${session.failure}${tail.length ? `; console tail: ${oneLine(tail)}` : ''}`;
    }
    return { ok: true, features: probed.features, kernel: probed.kernel };
  }

  async run(scenario: Scenario): Promise<Observation> {
    const missing = (why: string): Observation => ({ exitCode: null, signal: null, timedOut: false, spawnError: why, stdout: '', stderr: '', durationMs: 0 });
    const absent = this.absent.get(scenario.id);
    if (absent) return missing(absent);
    const next = this.observations.get(scenario.id)?.shift();
    return next ?? missing(this.missingReason);
  }
}
