export * from './definitions.js';
export * from './store.js';
