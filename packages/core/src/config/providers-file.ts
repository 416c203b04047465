import { z } from 'zod';
import { PROVIDER_TYPES } from '../catalog/types.js';

const POSITIVE_INTEGER = 'expected a positive integer';

const positiveInteger = z.int({ error: POSITIVE_INTEGER }).positive({ error: POSITIVE_INTEGER });

const modelName = z
  .string({ error: 'expected a model name' })
  .regex(/^\S{1,200}$/, { error: 'expected a model name (1 to 200 characters, no spaces)' });

const ModelLimitsSchema = z.strictObject({
  rpm: positiveInteger.optional(),
  tpm: positiveInteger.optional(),
  rpd: positiveInteger.optional(),
  tpd: positiveInteger.optional(),
  contextWindow: positiveInteger.optional(),
  /** Calls in flight to this model's instance, across all workers; wins over the entry's. */
  maxConcurrent: positiveInteger.optional(),
});

const ModelsSchema = z.union(
  [
    z.array(modelName).min(1, { error: 'expected at least one model' }),
    z
      .record(modelName, ModelLimitsSchema)
      .refine((models) => Object.keys(models).length > 0, { error: 'expected at least one model' }),
  ],
  { error: 'expected a list of model names or an object of model name → limits' },
);

export const PROVIDER_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** `env:NAME` reads NAME from the environment; anything else is the key itself. */
export const ENV_REFERENCE = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

const ProviderSchema = z.strictObject({
  id: z.string({ error: 'expected a provider id' }).regex(PROVIDER_ID, {
    error: 'expected a lower-case id: a letter or digit, then up to 63 of a-z 0-9 _ -',
  }),
  type: z.enum(PROVIDER_TYPES, { error: `expected one of ${PROVIDER_TYPES.join(', ')}` }),
  apiKey: z
    .string({ error: 'expected a string: the key, or env:NAME' })
    .min(1, { error: 'expected the key, or env:NAME' })
    .optional(),
  baseUrl: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
  models: ModelsSchema.optional(),
  free: z.boolean({ error: 'expected true or false' }).optional(),
  /** Calls in flight to each of this entry's instances, across all workers. */
  maxConcurrent: positiveInteger.optional(),
});

const CoachingDefaultsSchema = z
  .strictObject({
    policy: z.enum(['same', 'upgrade'], { error: 'expected "same" or "upgrade"' }),
    model: modelName.optional(),
  })
  .refine((coaching) => coaching.policy !== 'upgrade' || coaching.model !== undefined, {
    error: 'policy "upgrade" needs a model',
    path: ['model'],
  });

/**
 * The providers file (DESIGN.md "Providers file"). Unknown fields are errors, so a typo (`modles`) is
 * reported instead of silently ignored. Rules that span fields (unique ids, which types need a key or a
 * base URL) are checked here too; the environment and the catalog are consulted later, in loadProviders.
 */
export const ProvidersFileSchema = z
  .strictObject({
    providers: z.array(ProviderSchema).min(1, { error: 'expected at least one provider' }),
    defaults: z
      .strictObject({ coaching: CoachingDefaultsSchema.default({ policy: 'same' }) })
      .default({ coaching: { policy: 'same' } }),
  })
  .superRefine((file, context) => {
    const firstIndexOf = new Map<string, number>();
    file.providers.forEach((provider, index) => {
      const earlier = firstIndexOf.get(provider.id);
      if (earlier === undefined) firstIndexOf.set(provider.id, index);
      else {
        context.addIssue({
          code: 'custom',
          path: ['providers', index, 'id'],
          message: `duplicate id "${provider.id}" (also providers[${earlier}])`,
        });
      }
      if (provider.apiKey === undefined && provider.type !== 'simulated') {
        context.addIssue({
          code: 'custom',
          path: ['providers', index, 'apiKey'],
          message: `required for type ${provider.type}: the key, or env:NAME`,
        });
      }
      if (provider.baseUrl === undefined && provider.type === 'openai-compatible') {
        context.addIssue({
          code: 'custom',
          path: ['providers', index, 'baseUrl'],
          message: 'required for type openai-compatible',
        });
      }
      if (Array.isArray(provider.models)) {
        const seen = new Set<string>();
        provider.models.forEach((model, modelIndex) => {
          if (seen.has(model)) {
            context.addIssue({
              code: 'custom',
              path: ['providers', index, 'models', modelIndex],
              message: `duplicate model "${model}"`,
            });
          }
          seen.add(model);
        });
      }
    });
  });

export type ProvidersFile = z.output<typeof ProvidersFileSchema>;
export type ProviderEntry = ProvidersFile['providers'][number];
export type CoachingDefaults = ProvidersFile['defaults']['coaching'];
