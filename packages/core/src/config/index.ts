export * from './config.js';
export * from './errors.js';
export { describeJsonSyntaxError } from './json.js';
export * from './providers.js';
export {
  type CoachingDefaults,
  type ProviderEntry,
  type ProvidersFile,
  ProvidersFileSchema,
} from './providers-file.js';
export * from './secret.js';
