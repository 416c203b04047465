import { createSimulator, type Simulator, simulatorOptionsFromEnv } from '@spillway/simulator';
import { afterEach, describe, expect, it } from 'vitest';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function call(s: Simulator, model: string, key = 'key-a') {
  return fetch(`${s.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }));
}

describe('the simulator with maxConcurrent: a provider with a few slots', () => {
  it("serves N calls of one credential at once and refuses one more at once with Cerebras' queue_exceeded", async () => {
    sim = await createSimulator({
      models: { m: { dialect: 'cerebras', maxConcurrent: 2 }, free: { dialect: 'cerebras' } },
      latencyMs: 300,
    });
    const slow = [call(sim, 'm'), call(sim, 'm')];
    // While both are in flight: a third on the same key is refused, another key and another model are not.
    await new Promise((r) => setTimeout(r, 100));
    const refused = await call(sim, 'm');
    expect(refused).toMatchObject({ status: 429, body: { code: 'queue_exceeded' } });
    const [otherKey, otherModel] = await Promise.all([call(sim, 'm', 'key-b'), call(sim, 'free')]);
    expect([otherKey.status, otherModel.status]).toEqual([200, 200]);
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200]);
    // The slots are back once the answers are out.
    expect((await call(sim, 'm')).status).toBe(200);
    expect(sim.stats().m).toMatchObject({ accepted: 4, queueExceeded: 1, rateLimited: 0, peakInFlight: 2 });
    expect(sim.stats().free).toMatchObject({ accepted: 1, peakInFlight: 1, queueExceeded: 0 });
  });

  it('counts the peak of calls in flight without a cap too, and refuses nothing', async () => {
    sim = await createSimulator({ models: { m: { dialect: 'openai' } }, latencyMs: 200 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => call(sim!, 'm')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(sim.stats().m).toMatchObject({ accepted: 5, peakInFlight: 5, queueExceeded: 0 });
  });

  it('takes maxConcurrent from SIMULATOR_MODELS, refusing a cap that is not a positive integer', () => {
    const models = JSON.stringify({ m: { dialect: 'cerebras', maxConcurrent: 3 } });
    expect(simulatorOptionsFromEnv({ SIMULATOR_MODELS: models }).models.m).toEqual({
      dialect: 'cerebras',
      maxConcurrent: 3,
    });
    expect(() =>
      simulatorOptionsFromEnv({
        SIMULATOR_MODELS: JSON.stringify({ m: { dialect: 'bare', maxConcurrent: 0 } }),
      }),
    ).toThrow(/^SIMULATOR_MODELS\.m\.maxConcurrent: /);
  });
});
