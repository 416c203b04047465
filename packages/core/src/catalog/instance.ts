import type { Secret } from '../config/secret.js';
import type { Limits, ProviderType } from './types.js';

/** One credential × one model: the unit the pool schedules. */
export interface Instance {
  /** `<providerId>/<model>`: stable, independent of catalog order. */
  id: string;
  providerId: string;
  type: ProviderType;
  model: string;
  baseUrl: string;
  limits: Limits;
  /**
   * Where `limits` came from: the providers file's own figures ("configured", which the pool
   * holds to whatever the provider says) or the built-in catalog ("catalog", which a provider's
   * headers override). Absent means configured.
   */
  limitsSource?: 'configured' | 'catalog';
  contextWindow?: number;
  /**
   * The most calls in flight to this instance across all workers (the providers file's
   * `maxConcurrent`); absent: no cap, and its calls in flight are not tracked.
   */
  maxConcurrent?: number;
  free: boolean;
  /** The credential. A Secret never serializes or prints its value. */
  apiKey: Secret;
}
