// Every suite, in report order. A suite file exports `scenarios: Scenario[]`.
import type { Scenario } from '../runner/types.js';
import { scenarios as prctl } from './prctl.js';
import { scenarios as region } from './region.js';
import { scenarios as selector } from './selector.js';
import { scenarios as sigsys } from './sigsys.js';
import { scenarios as compat } from './compat.js';
import { scenarios as signal } from './signal.js';
import { scenarios as order } from './order.js';
import { scenarios as lifetime } from './lifetime.js';
import { scenarios as ptrace } from './ptrace.js';
import { scenarios as threads } from './threads.js';
import { scenarios as patterns } from './patterns.js';
import { scenarios as draft } from './draft.js';
import { scenarios as sysctl } from './sysctl.js';

export const allScenarios: Scenario[] = [
  ...prctl, // A 1-7
  ...region, // B 8-9
  ...selector, // B 10-12
  ...sigsys, // C 13-14
  ...compat, // C 15-19
  ...signal, // D 20-23
  ...order, // E 24-27
  ...lifetime, // F 28-30
  ...ptrace, // G 32-34, F 31
  ...threads, // per-thread selectors
  ...patterns, // what Wine, lazypoline and emulators rely on
  ...draft, // where the seed draft and the kernel disagree
  ...sysctl, // kernel.syscall_user_dispatch (2026 kernels): run alone
];
