export * from './catalog.js';
export { expandProvider, type ProviderDefinition } from './expand.js';
export * from './instance.js';
export * from './simulated.js';
export * from './types.js';
