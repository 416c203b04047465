import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { defaultSimulatedModels, simulatorOptionsFromEnv } from '@spillway/simulator';
import { describe, expect, it } from 'vitest';
import { trackChild } from '../support/tracked.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('simulatorOptionsFromEnv', () => {
  it('defaults to 127.0.0.1:9100, 300 ms, and the catalog models in three dialects', () => {
    const options = simulatorOptionsFromEnv({});
    expect(options).toMatchObject({ host: '127.0.0.1', port: 9100, latencyMs: 300 });
    expect(options.models).toEqual(defaultSimulatedModels());
    expect(options.models['sim-small']).toMatchObject({ dialect: 'groq', rpm: 60, contextWindow: 8_192 });
    expect(options.models['sim-medium']?.dialect).toBe('gemini');
    expect(options.models['sim-large']?.dialect).toBe('openai');
  });

  it('reads models, a latency range, host and port from the environment', () => {
    const options = simulatorOptionsFromEnv({
      SIMULATOR_HOST: '0.0.0.0',
      SIMULATOR_PORT: '0',
      SIMULATOR_LATENCY_MS: '50-150',
      SIMULATOR_MODELS: JSON.stringify({ x: { dialect: 'bare', rpm: 3 } }),
    });
    expect(options).toEqual({
      host: '0.0.0.0',
      port: 0,
      latencyMs: { min: 50, max: 150 },
      models: { x: { dialect: 'bare', rpm: 3 } },
    });
  });

  it('names the variable and field at fault', () => {
    expect(() => simulatorOptionsFromEnv({ SIMULATOR_MODELS: '{nope' })).toThrow(
      /^SIMULATOR_MODELS: not JSON/,
    );
    expect(() => simulatorOptionsFromEnv({ SIMULATOR_MODELS: '{"x":{"dialect":"klingon"}}' })).toThrow(
      /^SIMULATOR_MODELS\.x\.dialect: /,
    );
    expect(() => simulatorOptionsFromEnv({ SIMULATOR_PORT: 'eighty' })).toThrow(/^SIMULATOR_PORT: /);
    expect(() => simulatorOptionsFromEnv({ SIMULATOR_LATENCY_MS: 'fast' })).toThrow(
      /^SIMULATOR_LATENCY_MS: /,
    );
  });
});

describe('npm run simulator', () => {
  it('logs its URL once, serves, and exits cleanly on SIGTERM', async () => {
    const child = trackChild(
      spawn(process.execPath, ['--import', 'tsx', '--conditions=source', 'packages/simulator/src/main.ts'], {
        cwd: root,
        env: { ...process.env, SIMULATOR_PORT: '0', SIMULATOR_LATENCY_MS: '0' },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    const lines = createInterface({ input: child.stdout! });
    const [first] = (await once(lines, 'line')) as [string];
    const { url } = JSON.parse(first) as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);

    const models = await fetch(`${url}/models`, { headers: { authorization: 'Bearer x' } });
    expect(((await models.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id)).toEqual([
      'sim-small',
      'sim-medium',
      'sim-large',
    ]);

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
  });
});
