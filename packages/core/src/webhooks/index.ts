export * from './blocked-ranges.js';
export * from './deliveries.js';
export * from './dev-secret.js';
export * from './events.js';
export * from './signing.js';
export * from './url-guard.js';
