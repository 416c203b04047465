export * from './instance.js';
export * from './simulated.js';
export * from './types.js';
