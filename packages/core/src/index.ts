export * from './catalog/index.js';
export * from './config/index.js';
export * from './keys.js';
export * from './pool/index.js';
export * from './providers/index.js';
export * from './redis.js';
export * from './signals/index.js';
