import { createSimulator, type Simulator } from '@spillway/simulator';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';

type APIError = InstanceType<typeof OpenAI.APIError>;

let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(): Promise<{ s: Simulator; client: OpenAI }> {
  sim = await createSimulator({
    models: { small: { dialect: 'groq', contextWindow: 50 }, big: { dialect: 'openai' } },
  });
  return { s: sim, client: new OpenAI({ baseURL: sim.url, apiKey: 'test', maxRetries: 0 }) };
}

function post(
  s: Simulator,
  body: string,
  headers: Record<string, string> = { authorization: 'Bearer any-key' },
) {
  return fetch(`${s.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

describe('request handling', () => {
  it('refuses a prompt over the context window with context_length_exceeded', async () => {
    const { s, client } = await start();
    const error = await client.chat.completions
      .create({ model: 'small', messages: [{ role: 'user', content: 'x'.repeat(400) }] })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const bad = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(bad.code).toBe('context_length_exceeded');
    expect(bad.type).toBe('invalid_request_error');
    expect(bad.message).toContain(
      "This model's maximum context length is 50 tokens. However, your messages resulted in 100 tokens.",
    );
    expect(s.stats().small).toMatchObject({ accepted: 0, rateLimited: 0 });
  });

  it('answers 401 in OpenAI shape to a request without an API key', async () => {
    const { s } = await start();
    const res = await post(
      s,
      JSON.stringify({ model: 'big', messages: [{ role: 'user', content: 'hi' }] }),
      {},
    );
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain("You didn't provide an API key");
    expect((await fetch(`${s.url}/models`)).status).toBe(401);
  });

  it('accepts any bearer key', async () => {
    const { s } = await start();
    const res = await post(s, JSON.stringify({ model: 'big', messages: [{ role: 'user', content: 'hi' }] }), {
      authorization: 'Bearer whatever-123',
    });
    expect(res.status).toBe(200);
  });

  it('answers 404 model_not_found for an unknown model', async () => {
    const { client } = await start();
    const error = await client.chat.completions
      .create({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as APIError).code).toBe('model_not_found');
    expect((error as APIError).message).toContain('The model `gpt-9` does not exist');
  });

  it('answers 400 to a body that is not JSON, lacks messages, or asks to stream', async () => {
    const { s } = await start();
    expect((await post(s, '{"model":')).status).toBe(400);
    const missing = await post(s, JSON.stringify({ model: 'big' }));
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { param: string } }).error.param).toBe('messages');
    const stream = await post(
      s,
      JSON.stringify({ model: 'big', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(stream.status).toBe(400);
  });

  it('lists its models and answers health checks', async () => {
    const { s, client } = await start();
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['small', 'big']);
    const health = await fetch(`${s.url.replace(/\/v1$/, '')}/healthz`);
    expect(health.status).toBe(200);
  });

  it('serves its stats over HTTP too', async () => {
    const { s, client } = await start();
    await client.chat.completions.create({ model: 'big', messages: [{ role: 'user', content: 'hi' }] });
    const stats = (await (await fetch(`${s.url.replace(/\/v1$/, '')}/__sim/stats`)).json()) as Record<
      string,
      { accepted: number }
    >;
    expect(stats.big?.accepted).toBe(1);
  });

  it('waits the configured latency before answering', async () => {
    sim = await createSimulator({
      models: { slow: { dialect: 'openai', latencyMs: { min: 120, max: 120 } } },
      latencyMs: 0,
    });
    const client = new OpenAI({ baseURL: sim.url, apiKey: 'test', maxRetries: 0 });
    const started = performance.now();
    await client.chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: 'hi' }] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });
});
