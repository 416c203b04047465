export * from './adapters.js';
export * from './anthropic.js';
export * from './openai-compatible.js';
export { withoutSecret } from './redact.js';
export * from './types.js';
