// Choosing the accelerator. TCG always works; KVM only when it has been proven to work on this
// machine. /dev/kvm can exist and open fine and still be unusable (nested virtualisation: qemu aborts
// on an MSR, or the guest never runs a single instruction of a stock kernel), so the proof is a boot:
// the first boot with KVM must reach the agent's hello within a short probe timeout, else it is killed
// and the kernel boots under TCG. The verdict is remembered per host kernel and qemu binary (in the
// cache folder), so a machine where KVM does not work pays for the probe once.
import { accessSync, constants, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { dirname, join } from 'node:path';
import { cacheRoot } from './debian.js';

export type AccelMode = 'auto' | 'tcg' | 'kvm';

/** How long a KVM boot may take to reach the agent's hello before KVM counts as unusable. */
export const KVM_PROBE_TIMEOUT_MS = 10_000;

export function accelMode(env = process.env): AccelMode {
  const v = (env['SUDCHECK_ACCEL'] ?? 'auto').toLowerCase();
  if (v === 'tcg' || v === 'kvm' || v === 'auto') return v;
  throw new Error(`SUDCHECK_ACCEL must be auto, tcg or kvm, not '${v}'`);
}

/** /dev/kvm exists and this user may open it read-write. */
export function kvmDeviceUsable(dev = '/dev/kvm'): boolean {
  try {
    accessSync(dev, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export interface KvmVerdict {
  key: string;
  works: boolean;
  detail: string;
  at: string;
}

const verdictFile = () => join(cacheRoot(), 'kvm-verdict.json');

/** What identifies "this machine" for the verdict: the host kernel and the qemu binary. */
export function verdictKey(qemuPath: string): string {
  let stamp = '';
  try {
    const st = statSync(qemuPath);
    stamp = `${st.size}-${Math.round(st.mtimeMs)}`;
  } catch {
    // not an absolute path: the name alone
  }
  return `${release()} ${qemuPath} ${stamp}`;
}

export function readVerdict(key: string, file = verdictFile()): KvmVerdict | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as KvmVerdict;
    return v.key === key ? v : undefined;
  } catch {
    return undefined;
  }
}

export function writeVerdict(v: KvmVerdict, file = verdictFile()): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(v, null, 2) + '\n');
  } catch {
    // an unwritable cache only costs a probe next time
  }
}

/** Whether to try KVM first: never for tcg; for auto only when the device is usable and KVM was not
 * already found wanting here. */
export function shouldTryKvm(mode: AccelMode, key: string, deviceUsable = kvmDeviceUsable()): boolean {
  if (mode === 'tcg') return false;
  if (mode === 'kvm') return true;
  if (!deviceUsable) return false;
  return readVerdict(key)?.works !== false;
}
