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
  contextWindow?: number;
  free: boolean;
  /** The credential. A Secret never serializes or prints its value. */
  apiKey: Secret;
}
