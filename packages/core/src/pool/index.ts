export * from './candidates.js';
export * from './pool.js';
