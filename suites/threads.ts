import type { Scenario } from '../runner/types.js';

export const scenarios: Scenario[] = [];
