export { defaultSimulatedModels, simulatorOptionsFromEnv } from './env.js';
export {
  FAULT_KINDS,
  type FaultKind,
  type FaultPlan,
  FaultPlanSchema,
  type FaultRule,
  FaultRuleSchema,
} from './faults.js';
export { maxInWindow, maxTokensInWindow, WINDOW_MS, type WindowName } from './limits.js';
export { schemaProblems } from './schema-check.js';
export { sampleFromSchema } from './schema-sample.js';
export { createSimulator, type Simulator } from './server.js';
export { estimateTokens } from './tokens.js';
export type { Dialect, Latency, ModelStats, SimModelConfig, SimStats, SimulatorOptions } from './types.js';
export { DIALECTS } from './types.js';
