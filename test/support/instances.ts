import { type Instance, type Limits, type ProviderType, Secret } from '@spillway/core';

/** Builds an instance the way the providers file expansion would, for pool tests. */
export function instance(
  providerId: string,
  model: string,
  limits: Limits = {},
  extra: { type?: ProviderType; free?: boolean; contextWindow?: number; baseUrl?: string } = {},
): Instance {
  return {
    id: `${providerId}/${model}`,
    providerId,
    type: extra.type ?? 'openai-compatible',
    model,
    baseUrl: extra.baseUrl ?? 'http://127.0.0.1:1/v1',
    limits,
    contextWindow: extra.contextWindow,
    free: extra.free ?? true,
    apiKey: new Secret('sk-test'),
  };
}
