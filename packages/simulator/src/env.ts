import { simulatedCatalog } from '@spillway/core';
import { z } from 'zod';
import { DIALECTS, type Dialect, type SimModelConfig, type SimulatorOptions } from './types.js';

/** Each built-in model speaks a different vendor's dialect, so the default setup exercises three parsers. */
const DEFAULT_DIALECTS: Record<string, Dialect> = {
  'sim-small': 'groq',
  'sim-medium': 'gemini',
  'sim-large': 'openai',
};

/** The catalog's simulated models with their documented limits, as the simulator serves them by default. */
export function defaultSimulatedModels(): Record<string, SimModelConfig> {
  return Object.fromEntries(
    Object.entries(simulatedCatalog.models).map(([name, model]) => [
      name,
      { ...model, dialect: DEFAULT_DIALECTS[name] ?? 'openai' },
    ]),
  );
}

const limit = z.number().int().nonnegative().optional();
const LatencySchema = z.union([
  z.number().nonnegative(),
  z.object({ min: z.number().nonnegative(), max: z.number().nonnegative() }),
]);

export const SimModelConfigSchema = z.strictObject({
  rpm: limit,
  tpm: limit,
  rpd: limit,
  tpd: limit,
  contextWindow: z.number().int().positive().optional(),
  dialect: z.enum(DIALECTS),
  latencyMs: LatencySchema.optional(),
  sendRemainingHeaders: z.boolean().optional(),
  maxConcurrent: z.number().int().positive().optional(),
});

const EnvSchema = z.object({
  SIMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  SIMULATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(9100),
  SIMULATOR_LATENCY_MS: z
    .string()
    .regex(/^\d+(-\d+)?$/, 'a number of milliseconds, or a range like 100-500')
    .default('300'),
  SIMULATOR_MODELS: z.string().optional(),
});

/** Options for `npm run simulator`, from SIMULATOR_* variables; throws naming the variable at fault. */
export function simulatorOptionsFromEnv(env: Record<string, string | undefined>): SimulatorOptions {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(describe(parsed.error));
  const { SIMULATOR_HOST, SIMULATOR_PORT, SIMULATOR_LATENCY_MS, SIMULATOR_MODELS } = parsed.data;
  const [min, max] = SIMULATOR_LATENCY_MS.split('-').map(Number) as [number, number | undefined];
  return {
    host: SIMULATOR_HOST,
    port: SIMULATOR_PORT,
    latencyMs: max === undefined ? min : { min, max },
    models: SIMULATOR_MODELS === undefined ? defaultSimulatedModels() : modelsFromJson(SIMULATOR_MODELS),
  };
}

function modelsFromJson(text: string): Record<string, SimModelConfig> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`SIMULATOR_MODELS: not JSON (${(err as Error).message})`);
  }
  const parsed = z.record(z.string().min(1), SimModelConfigSchema).safeParse(json);
  if (!parsed.success) throw new Error(describe(parsed.error, 'SIMULATOR_MODELS'));
  if (Object.keys(parsed.data).length === 0) throw new Error('SIMULATOR_MODELS: names no model');
  return parsed.data;
}

function describe(error: z.ZodError, prefix?: string): string {
  return error.issues
    .map((issue) => `${[prefix, ...issue.path.map(String)].filter(Boolean).join('.')}: ${issue.message}`)
    .join('; ');
}
