import { type ChatRequest, type Instance, type ProviderType, Secret } from '@spillway/core';

export const API_KEY = 'sk-test-4f9c2a7e1b3d5f6a8c0e2b4d6f8a1c3e';

export function testInstance(
  type: ProviderType,
  baseUrl: string,
  overrides: Partial<Instance> = {},
): Instance {
  return {
    id: `${type}-main/test-model`,
    providerId: `${type}-main`,
    type,
    model: 'test-model',
    baseUrl,
    limits: {},
    free: true,
    apiKey: new Secret(API_KEY),
    ...overrides,
  };
}

export const PLAN_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: { summary: { type: 'string' } },
  required: ['summary'],
  additionalProperties: false,
};

export const chatRequest: ChatRequest = {
  system: 'You plan days.',
  user: 'Plan my Tuesday.',
  schemaName: 'plan',
  jsonSchema: PLAN_SCHEMA,
};

/** A clock that advances by `stepMs` on every reading, so latency is exact without sleeping. */
export function steppingClock(startMs: number, stepMs: number): () => number {
  let current = startMs - stepMs;
  return () => {
    current += stepMs;
    return current;
  };
}
