export * from './adapters.js';
export * from './anthropic.js';
export * from './openai-compatible.js';
export * from './types.js';
