import { createSimulator, type FaultPlan, type Simulator } from '@spillway/simulator';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

type APIError = InstanceType<typeof OpenAI.APIError>;

const PlanSchema = z.object({
  summary: z.string(),
  items: z.array(
    z.object({
      start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
      end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
      task: z.string().min(1),
      priority: z.enum(['high', 'medium', 'low']),
    }),
  ),
});

let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(random?: () => number): Promise<{ s: Simulator; client: OpenAI }> {
  sim = await createSimulator({
    models: {
      openai: { rpm: 100, dialect: 'openai' },
      groq: { rpm: 100, dialect: 'groq' },
      gemini: { rpm: 100, dialect: 'gemini' },
      anthropic: { rpm: 100, dialect: 'anthropic' },
    },
    random,
  });
  return { s: sim, client: new OpenAI({ baseURL: sim.url, apiKey: 'test', maxRetries: 0 }) };
}

function ask(client: OpenAI, model = 'openai', options?: OpenAI.RequestOptions) {
  return client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello' }] }, options);
}

function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (err: unknown) => err,
  );
}

async function raw(s: Simulator, model = 'openai', headers: Record<string, string> = {}) {
  const res = await fetch(`${s.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer test', 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('fault kinds', () => {
  it('server_error: a 5xx APIError in the dialect of the model', async () => {
    const { s, client } = await start();
    s.setFaults([{ kind: 'server_error' }]);
    const error = await failure(ask(client));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as APIError).status).toBe(500);
    expect((error as APIError).type).toBe('server_error');
    const gemini = await raw(s, 'gemini');
    expect(gemini.status).toBe(503);
    expect(JSON.parse(gemini.text)).toEqual([
      {
        error: {
          code: 503,
          message: 'The model is overloaded. Please try again later.',
          status: 'UNAVAILABLE',
        },
      },
    ]);
  });

  it('server_error: the status can be chosen', async () => {
    const { s, client } = await start();
    s.setFaults({ kind: 'server_error', status: 502 });
    expect(((await failure(ask(client, 'anthropic'))) as APIError).status).toBe(502);
  });

  it('hang: never answers, so the client times out, and close() still returns at once', async () => {
    const { s, client } = await start();
    s.setFaults([{ kind: 'hang' }]);
    const error = await failure(ask(client, 'openai', { timeout: 200 }));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    // A second hung request is still open when the simulator closes: close() cuts it (a connection
    // error, not the client's 10 s timeout), rather than waiting for it.
    const pending = failure(ask(client, 'openai', { timeout: 10_000 }));
    await new Promise((r) => setTimeout(r, 50));
    await s.close();
    const cut = await pending;
    expect(cut).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(cut).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it('malformed_json: a 200 whose body is cut short makes the client fail', async () => {
    const { s, client } = await start();
    s.setFaults([{ kind: 'malformed_json' }]);
    const error = await failure(ask(client));
    expect(error).toBeInstanceOf(SyntaxError);
    const answer = await raw(s);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.text.startsWith('{"id":"chatcmpl-sim-')).toBe(true);
    expect(() => JSON.parse(answer.text)).toThrow();
  });

  it('reset: the connection drops before any answer', async () => {
    const { s, client } = await start();
    s.setFaults([{ kind: 'reset' }]);
    const error = await failure(ask(client));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(error).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it("capacity: Cerebras' queue_exceeded 429", async () => {
    const { s, client } = await start();
    s.setFaults([{ kind: 'capacity' }]);
    expect(await failure(ask(client))).toBeInstanceOf(OpenAI.RateLimitError);
    const answer = await raw(s);
    expect(answer.status).toBe(429);
    expect(JSON.parse(answer.text)).toEqual({
      message: "We're experiencing high traffic right now! Please try again soon.",
      type: 'too_many_requests_error',
      param: 'queue',
      code: 'queue_exceeded',
    });
  });

  it("overloaded: Anthropic's 529", async () => {
    const { s, client } = await start();
    s.setFaults([{ kind: 'overloaded' }]);
    const error = (await failure(ask(client))) as APIError;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.status).toBe(529);
    expect(error.error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    expect(JSON.parse((await raw(s)).text)).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
  });

  it("insufficient_quota: OpenAI's 429 that waiting does not cure", async () => {
    const { s, client } = await start();
    s.setFaults([{ kind: 'insufficient_quota' }]);
    const error = (await failure(ask(client))) as APIError;
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.code).toBe('insufficient_quota');
    expect(error.type).toBe('insufficient_quota');
    expect(error.message).toContain(
      'You exceeded your current quota, please check your plan and billing details',
    );
    expect(error.headers?.get('retry-after')).toBeNull();
  });

  it('invalid_output: a 200 whose JSON fails the requested schema', async () => {
    const { s, client } = await start();
    s.setFaults([{ kind: 'invalid_output' }]);
    const completion = await client.chat.completions.create({
      model: 'openai',
      messages: [{ role: 'user', content: 'Write the report and call Sam' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'plan', schema: z.toJSONSchema(PlanSchema), strict: true },
      },
    });
    const content = completion.choices[0]?.message.content ?? '';
    expect(PlanSchema.safeParse(JSON.parse(content)).success).toBe(false);
  });

  it('rate_limit: a forced 429 in the dialect of the model, with the wait asked for', async () => {
    const { s, client } = await start();
    s.setFaults([{ kind: 'rate_limit', retryAfterMs: 7_250 }]);
    const error = (await failure(ask(client, 'groq'))) as APIError;
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers?.get('retry-after')).toBe('8');
    expect(error.message).toContain(
      'on requests per minute (RPM): Limit 100, Used 100, Requested 1. Please try again in 7.25s.',
    );
    expect(s.stats().groq).toMatchObject({ accepted: 0, faults: 1, rateLimited: 0 });
  });
});

describe('fault plans', () => {
  it('hit only the next N requests of the named model', async () => {
    const { s, client } = await start();
    s.setFaults([{ kind: 'server_error', model: 'groq', count: 2 }]);
    await expect(ask(client, 'openai')).resolves.toBeDefined();
    expect(await failure(ask(client, 'groq'))).toBeInstanceOf(OpenAI.InternalServerError);
    expect(await failure(ask(client, 'groq'))).toBeInstanceOf(OpenAI.InternalServerError);
    await expect(ask(client, 'groq')).resolves.toBeDefined();
    expect(s.stats().groq).toMatchObject({ accepted: 1, faults: 2 });
    expect(s.stats().openai).toMatchObject({ accepted: 1, faults: 0 });
  });

  it('hit a request with the given probability, drawn from the injected random source', async () => {
    const draws = [0.1, 0.9, 0.29, 0.31];
    const { s, client } = await start(() => draws.shift() ?? 0.99);
    s.setFaults([{ kind: 'overloaded', rate: 0.3 }]);
    const outcomes = [];
    for (let i = 0; i < 4; i++)
      outcomes.push(
        await ask(client).then(
          () => 'ok',
          (e: APIError) => e.status,
        ),
      );
    expect(outcomes).toEqual([529, 'ok', 529, 'ok']);
  });

  it('try rules in order', async () => {
    const { s, client } = await start();
    s.setFaults([
      { kind: 'capacity', count: 1 },
      { kind: 'overloaded', count: 1 },
    ]);
    expect(((await failure(ask(client))) as APIError).status).toBe(429);
    expect(((await failure(ask(client))) as APIError).status).toBe(529);
    await expect(ask(client)).resolves.toBeDefined();
  });

  it('can be set over HTTP, cleared, and a bad plan is refused', async () => {
    const { s, client } = await start();
    const control = `${s.url.replace(/\/v1$/, '')}/__sim/faults`;
    const plan: FaultPlan = [{ kind: 'insufficient_quota', count: 1 }];
    const set = await fetch(control, { method: 'POST', body: JSON.stringify(plan) });
    expect(set.status).toBe(200);
    expect(((await failure(ask(client))) as APIError).code).toBe('insufficient_quota');
    await expect(ask(client)).resolves.toBeDefined();

    await fetch(control, { method: 'POST', body: JSON.stringify({ kind: 'server_error' }) });
    expect(await failure(ask(client))).toBeInstanceOf(OpenAI.InternalServerError);
    expect((await fetch(control, { method: 'DELETE' })).status).toBe(200);
    await expect(ask(client)).resolves.toBeDefined();

    const bad = await fetch(control, { method: 'POST', body: JSON.stringify({ kind: 'meteor_strike' }) });
    expect(bad.status).toBe(400);
    await expect(ask(client)).resolves.toBeDefined();
  });

  it('can be asked for per request with the x-sim-fault header', async () => {
    const { s, client } = await start();
    const error = (await failure(
      ask(client, 'openai', { headers: { 'x-sim-fault': 'overloaded' } }),
    )) as APIError;
    expect(error.status).toBe(529);
    await expect(ask(client)).resolves.toBeDefined();
    const detailed = await raw(s, 'openai', { 'x-sim-fault': '{"kind":"server_error","status":503}' });
    expect(detailed.status).toBe(503);
    expect((await raw(s, 'openai', { 'x-sim-fault': 'nonsense' })).status).toBe(400);
  });
});
