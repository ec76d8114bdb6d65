// Turns the probe fixture's facts (`feature.<id>=0|1`, `feature.<id>.detail=...`, `kernel.*`) into Features.
import { parseFacts } from './facts.js';
import { FEATURE_IDS, type Features, type KernelInfo } from './types.js';

export class ProbeError extends Error {}

export function parseProbeOutput(stdout: string): { features: Features; kernel: KernelInfo } {
  const { facts, problems } = parseFacts(stdout);
  if (problems.length) throw new ProbeError(`probe output is malformed: ${problems.join('; ')}`);
  const features = {} as Features;
  for (const id of FEATURE_IDS) {
    const v = facts[`feature.${id}`];
    if (v !== '0' && v !== '1') throw new ProbeError(`probe did not report feature '${id}'`);
    features[id] = { present: v === '1', detail: facts[`feature.${id}.detail`] ?? '' };
  }
  const kernel: KernelInfo = {
    release: facts['kernel.release'] ?? 'unknown',
    version: facts['kernel.version'] ?? 'unknown',
    machine: facts['kernel.machine'] ?? 'unknown',
  };
  return { features, kernel };
}
