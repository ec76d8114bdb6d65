// The QEMU target: boots a kernel image with the static fixtures and an agent in an initramfs.
// Placeholder until the QEMU target lands (issue 5): refuses clearly instead of pretending.
import { environmentError } from '../errors.js';
import type { Observation, Preparation, Scenario, Target } from '../types.js';
import type { QemuOptions } from './qemu-options.js';

export class QemuTarget implements Target {
  readonly kind = 'qemu' as const;
  constructor(readonly options: QemuOptions) {
    throw environmentError('booting kernel images in QEMU is not available in this version of sudcheck yet');
  }
  prepare(): Promise<Preparation> {
    throw new Error('unreachable');
  }
  run(_s: Scenario): Promise<Observation> {
    throw new Error('unreachable');
  }
}
