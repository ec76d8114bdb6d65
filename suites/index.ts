// Every suite, in report order. A suite file exports `scenarios: Scenario[]`.
import type { Scenario } from '../runner/types.js';
import { scenarios as prctl } from './prctl.js';
import { scenarios as region } from './region.js';
import { scenarios as selector } from './selector.js';
import { scenarios as sigsys } from './sigsys.js';
import { scenarios as lifetime } from './lifetime.js';

export const allScenarios: Scenario[] = [...prctl, ...region, ...selector, ...sigsys, ...lifetime];
