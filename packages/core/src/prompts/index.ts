export * from './coaching.js';
export * from './plan.js';
export * from './repair.js';
