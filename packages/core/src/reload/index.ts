export {
  LiveProviders,
  type LiveProvidersDeps,
  type ProvidersInForce,
  type ReloadOutcome,
} from './live-providers.js';
export { providersKeys, publishVersion, readPublished } from './published.js';
export { fixedProviders, type ProvidersSource } from './source.js';
