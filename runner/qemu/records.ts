// What the agent's records say (agent/agent.c): a run record becomes an Observation, exactly the shape
// the local target produces, so the host judges both the same way.
import { constants } from 'node:os';
import type { Observation } from '../types.js';

const SIGNAL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(constants.signals).map(([name, n]) => [n, name]),
);

const ERRNO_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(constants.errno).map(([name, n]) => [n, name]),
);

export class RecordError extends Error {}

/** `exit=0 signal=0 timedout=0 us=1234 out=12 err=0 execerr=0 trunc=0\n` + stdout + stderr. */
export function parseRunRecord(payload: Buffer, fixture = 'fixture'): Observation {
  const nl = payload.indexOf(0x0a);
  if (nl < 0) throw new RecordError('run record without a header line');
  const head: Record<string, number> = {};
  for (const kv of payload.toString('latin1', 0, nl).split(' ')) {
    const m = /^([a-z]+)=(-?\d+)$/.exec(kv);
    if (!m) throw new RecordError(`bad run record field '${kv}'`);
    head[m[1] as string] = Number(m[2]);
  }
  for (const k of ['exit', 'signal', 'timedout', 'us', 'out', 'err'])
    if (head[k] === undefined) throw new RecordError(`run record lacks '${k}'`);
  const outLen = head['out'] as number;
  const errLen = head['err'] as number;
  if (nl + 1 + outLen + errLen !== payload.length)
    throw new RecordError(`run record length mismatch: header says ${outLen}+${errLen} bytes, got ${payload.length - nl - 1}`);
  const stdout = payload.toString('utf8', nl + 1, nl + 1 + outLen);
  const stderr = payload.toString('utf8', nl + 1 + outLen);
  const sig = head['signal'] as number;
  const exit = head['exit'] as number;
  const execErr = head['execerr'] ?? 0;
  const obs: Observation = {
    exitCode: sig === 0 && exit >= 0 ? exit : null,
    signal: sig === 0 ? null : (SIGNAL_NAMES[sig] ?? `SIG${sig}`),
    timedOut: head['timedout'] === 1,
    stdout,
    stderr: head['trunc'] === 1 ? `${stderr}\n(sudcheck-agent: output truncated at 1 MiB per stream)\n` : stderr,
    durationMs: (head['us'] as number) / 1000,
  };
  if (execErr !== 0) {
    obs.spawnError = `execve /bin/${fixture} inside the VM failed with ${ERRNO_NAMES[execErr] ?? `errno ${execErr}`}`;
    obs.exitCode = null;
  }
  return obs;
}

/** `key=value` lines (hello, end); the first line is kept as `banner`. */
export function parseKeyValues(payload: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = payload.toString('utf8').split('\n');
  out['banner'] = lines[0] ?? '';
  for (const line of lines.slice(1)) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}
