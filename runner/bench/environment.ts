// Where the figures were measured: kernel, virtualization (QEMU TCG makes them meaningless), clock,
// inherited seccomp filters, load. Parsing is pure (unit-tested); gathering reads /proc and /sys.
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, machine, release, version } from 'node:os';
import type { Virtualization } from './types.js';

export interface VirtualizationInput {
  /** /proc/cpuinfo */
  cpuinfo: string;
  /** Output of `systemd-detect-virt --vm` (`none` on bare metal), or null when it is not installed. */
  detectVirtVm: string | null;
  /** Output of `systemd-detect-virt --container`, or null. */
  detectVirtContainer: string | null;
}

/** Decide whether this is bare metal, a hardware-assisted VM, or full emulation (QEMU TCG). */
export function classifyVirtualization(input: VirtualizationInput): Virtualization {
  const evidence: string[] = [];
  const model = /^model name\s*:\s*(.*)$/m.exec(input.cpuinfo)?.[1]?.trim() ?? 'unknown';
  const flags = /^flags\s*:\s*(.*)$/m.exec(input.cpuinfo)?.[1]?.split(/\s+/) ?? [];
  const hypervisorFlag = flags.includes('hypervisor');
  if (hypervisorFlag) evidence.push('/proc/cpuinfo has the hypervisor flag');
  const vm = input.detectVirtVm?.trim() || null;
  const vmKind = vm && vm !== 'none' ? vm : null;
  if (input.detectVirtVm !== null) evidence.push(`systemd-detect-virt --vm: ${vm ?? 'nothing'}`);
  const ct = input.detectVirtContainer?.trim() || null;
  const container = ct && ct !== 'none' ? ct : null;
  if (container) evidence.push(`systemd-detect-virt --container: ${container}`);
  const qemuModel = /QEMU/i.test(model);
  if (qemuModel) evidence.push(`CPU model name '${model}' names QEMU`);
  // systemd-detect-virt says `qemu` for TCG and `kvm` for QEMU with KVM. Without it, a QEMU model name
  // is the only hint, and a KVM guest can show one too (-cpu qemu64): say "possibly".
  let emulated = vmKind === 'qemu';
  if (emulated) evidence.push('systemd-detect-virt names qemu without kvm: QEMU TCG (full emulation)');
  else if (vmKind === null && input.detectVirtVm === null && qemuModel) {
    emulated = true;
    evidence.push('no systemd-detect-virt to tell KVM from TCG; assuming emulation');
  }
  return {
    vm: hypervisorFlag || vmKind !== null,
    kind: vmKind ?? (hypervisorFlag ? 'unknown hypervisor' : null),
    emulated,
    container,
    cpuModel: model,
    evidence,
  };
}

/** The `Seccomp:` mode of a /proc/<pid>/status text (0 none, 1 strict, 2 filter), or null. */
export function parseSeccompMode(status: string): number | null {
  const m = /^Seccomp:\s*(\d+)$/m.exec(status);
  return m ? Number(m[1]) : null;
}

function readOr(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

async function detectVirt(flag: string): Promise<string | null> {
  // Exit status 1 with `none` means "nothing detected"; a missing binary means "cannot tell".
  const r = await execa('systemd-detect-virt', [flag], { reject: false, timeout: 5000 });
  if (r.failed && r.exitCode === undefined) return null;
  return String(r.stdout ?? '').trim() || 'none';
}

export async function gatherVirtualization(): Promise<Virtualization> {
  return classifyVirtualization({
    cpuinfo: readOr('/proc/cpuinfo') ?? '',
    detectVirtVm: await detectVirt('--vm'),
    detectVirtContainer: await detectVirt('--container'),
  });
}

export function kernelInfo() {
  return { release: release(), version: version(), machine: machine() };
}

export function currentClocksource(): string | null {
  return readOr('/sys/devices/system/clocksource/clocksource0/current_clocksource')?.trim() ?? null;
}

export function currentSeccompMode(): number | null {
  const status = readOr('/proc/self/status');
  return status === null ? null : parseSeccompMode(status);
}

export function loadAverage(): number | null {
  const l = loadavg()[0];
  return l === undefined ? null : l;
}

export const cpuCount = (): number => cpus().length;
