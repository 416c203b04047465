import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.js';
import { startReceiver } from '../webhooks/receiver.js';
import { type Exposition, parseExposition, samplesOf, sampleValue } from './exposition.js';

const TWO_CREDENTIALS = {
  models: { m: { dialect: 'groq' as const } },
  providers: {
    providers: [
      { id: 'p1', type: 'simulated', baseUrl: '{{sim}}', models: ['m'] },
      { id: 'p2', type: 'simulated', baseUrl: '{{sim}}', models: ['m'] },
    ],
  },
  webhookAllowPrivate: true,
};

async function scrape(stack: Stack): Promise<{ response: Response; text: string }> {
  const response = await fetch(`${stack.url}/metrics`);
  return { response, text: await response.text() };
}

/** Scrapes (flushing the worker's counts first) until `ready` holds: the last counts land asynchronously. */
async function scrapeUntil(stack: Stack, ready: (metrics: Exposition) => boolean): Promise<Exposition> {
  const deadline = Date.now() + 5000;
  for (;;) {
    await stack.worker.flushMetrics();
    const metrics = parseExposition((await scrape(stack)).text);
    if (ready(metrics) || Date.now() > deadline) return metrics;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('GET /metrics', () => {
  let stack: Stack | undefined;
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    await stack?.close();
    stack = undefined;
  });

  it('counts provider calls, the 429, the fallback, latency, finished jobs and webhook deliveries by label', async () => {
    stack = await startStack(TWO_CREDENTIALS);
    const receiver = await startReceiver();
    cleanup.push(() => receiver.close());
    stack.sim.setFaults([{ kind: 'rate_limit', count: 1, retryAfterMs: 30_000 }]);

    const views: Array<Record<string, unknown>> = [];
    for (const description of ['Email, write, gym', 'Plan the offsite', 'Groceries and a run']) {
      const answer = await stack.request('POST', '/v1/plans', { description, callbackUrl: receiver.url });
      expect(answer.status).toBe(202);
      views.push(await stack.waitForJob(((await answer.json()) as { id: string }).id));
    }
    expect(views.map((v) => v.status)).toEqual(['completed', 'completed', 'completed']);
    const attempts = views.flatMap((v) => v.attempts as Array<{ instance: string; outcome: string }>);
    const limited = attempts.find((a) => a.outcome === 'rate_limited')!.instance;
    const other = limited === 'p1/m' ? 'p2/m' : 'p1/m';
    expect(attempts.map((a) => a.outcome)).toEqual(['rate_limited', 'ok', 'ok', 'ok']);
    await receiver.waitFor(3, 10_000);

    const metrics = await scrapeUntil(
      stack,
      (m) => sampleValue(m, 'spillway_webhook_deliveries_total', { outcome: 'delivered' }) === 3,
    );
    const requests = (instance: string, outcome: string) =>
      sampleValue(metrics, 'spillway_provider_requests_total', { instance, outcome }) ?? 0;
    expect(requests(limited, 'rate_limited')).toBe(1);
    expect(requests(limited, 'ok') + requests(other, 'ok')).toBe(3);
    expect(requests(other, 'rate_limited')).toBe(0);
    expect(sampleValue(metrics, 'spillway_provider_429_total', { instance: limited })).toBe(1);
    expect(sampleValue(metrics, 'spillway_provider_429_total', { instance: other })).toBeUndefined();
    expect(samplesOf(metrics, 'spillway_fallbacks_total')).toEqual([
      { name: 'spillway_fallbacks_total', labels: { from: limited, to: other }, value: 1 },
    ]);
    expect(sampleValue(metrics, 'spillway_jobs_finished_total', { kind: 'plan', status: 'completed' })).toBe(
      3,
    );
    expect(sampleValue(metrics, 'spillway_webhook_deliveries_total', { outcome: 'delivered' })).toBe(3);

    // The latency histogram: one observation per call, cumulative buckets ending in +Inf = count.
    for (const instance of [limited, other]) {
      const calls = samplesOf(metrics, 'spillway_provider_requests_total', { instance }).reduce(
        (sum, s) => sum + s.value,
        0,
      );
      const count = sampleValue(metrics, 'spillway_provider_latency_seconds_count', { instance });
      expect(count).toBe(calls);
      const buckets = samplesOf(metrics, 'spillway_provider_latency_seconds_bucket', { instance });
      expect(buckets.at(-1)!.labels.le).toBe('+Inf');
      expect(buckets.at(-1)!.value).toBe(count);
      const values = buckets.map((b) => b.value);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(sampleValue(metrics, 'spillway_provider_latency_seconds_sum', { instance })).toBeGreaterThan(0);
    }
    expect(metrics.types.get('spillway_provider_latency_seconds')).toBe('histogram');
    expect(metrics.types.get('spillway_provider_requests_total')).toBe('counter');

    // Read at scrape time: the queue, the instance the 429 limited, this process.
    expect(sampleValue(metrics, 'spillway_queue_jobs', { queue: 'jobs', state: 'completed' })).toBe(3);
    expect(sampleValue(metrics, 'spillway_queue_jobs', { queue: 'jobs', state: 'waiting' })).toBe(0);
    expect(sampleValue(metrics, 'spillway_queue_jobs', { queue: 'webhooks', state: 'completed' })).toBe(3);
    expect(sampleValue(metrics, 'spillway_waiting_for_capacity')).toBe(0);
    expect(sampleValue(metrics, 'spillway_instance_state', { instance: limited, state: 'limited' })).toBe(1);
    expect(sampleValue(metrics, 'spillway_instance_state', { instance: limited, state: 'available' })).toBe(
      0,
    );
    expect(
      sampleValue(metrics, 'spillway_instance_state', {
        instance: other,
        provider: other.split('/')[0]!,
        model: 'm',
        state: 'available',
      }),
    ).toBe(1);
    expect(sampleValue(metrics, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('counts each job that ends once, as failed or cancelled, and the call that failed it', async () => {
    stack = await startStack({
      models: { m: { dialect: 'openai' } },
      providers: { providers: [{ id: 'p1', type: 'simulated', baseUrl: '{{sim}}', models: ['m', 'gone'] }] },
    });
    const submit = async (body: Record<string, unknown>) =>
      (
        (await (await stack!.request('POST', '/v1/plans', { description: 'Write', ...body })).json()) as {
          id: string;
        }
      ).id;
    // The simulator serves no model "gone": a 404, which fails the job at once.
    expect((await stack.waitForJob(await submit({ model: 'gone' }))).status).toBe('failed');
    stack.sim.setFaults([{ kind: 'hang', count: 1 }]);
    const hung = await submit({ model: 'm' });
    for (let i = 0; i < 100; i++) {
      const view = (await (await stack.request('GET', `/v1/jobs/${hung}`)).json()) as { status: string };
      if (view.status === 'running') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await stack.request('DELETE', `/v1/jobs/${hung}`)).status).toBe(202);
    expect((await stack.waitForJob(hung)).status).toBe('cancelled');

    const metrics = await scrapeUntil(
      stack,
      (m) => sampleValue(m, 'spillway_jobs_finished_total', { status: 'cancelled' }) === 1,
    );
    expect(samplesOf(metrics, 'spillway_jobs_finished_total').map((s) => [s.labels, s.value])).toEqual(
      expect.arrayContaining([
        [{ kind: 'plan', status: 'failed' }, 1],
        [{ kind: 'plan', status: 'cancelled' }, 1],
      ]),
    );
    expect(samplesOf(metrics, 'spillway_jobs_finished_total')).toHaveLength(2);
    expect(
      sampleValue(metrics, 'spillway_provider_requests_total', {
        instance: 'p1/gone',
        outcome: 'client_error',
      }),
    ).toBe(1);
  });

  it('answers the Prometheus text format, unauthenticated, with HELP and TYPE for every family', async () => {
    stack = await startStack();
    const { response, text } = await scrape(stack);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const metrics = parseExposition(text);
    for (const family of [
      'spillway_queue_jobs',
      'spillway_waiting_for_capacity',
      'spillway_instance_state',
      'spillway_provider_requests_total',
      'spillway_provider_429_total',
      'spillway_fallbacks_total',
      'spillway_provider_latency_seconds',
      'spillway_jobs_finished_total',
      'spillway_webhook_deliveries_total',
    ]) {
      expect(text).toContain(`# HELP ${family} `);
      expect(metrics.types.has(family), family).toBe(true);
    }
    // Nothing counted yet: counter families are declared without samples, not as made-up zeros.
    expect(samplesOf(metrics, 'spillway_provider_requests_total')).toEqual([]);
    expect(
      sampleValue(metrics, 'spillway_instance_state', { instance: 'sim-a/sim-small', state: 'available' }),
    ).toBe(1);
  });

  it('the format check rejects what Prometheus would', () => {
    expect(() => parseExposition('# TYPE a counter\na{x="1"} 1\n')).not.toThrow();
    expect(() => parseExposition('a 1\n')).toThrow(/before its TYPE/);
    expect(parseExposition('# TYPE g gauge\ng Nan\n').samples[0]!.value).toBeNaN();
    expect(() => parseExposition('# TYPE g gauge\ng none\n')).toThrow(/not the Prometheus/);
    expect(() => parseExposition('# TYPE a counter\na{x=1} 1\n')).toThrow(/not the Prometheus/);
    expect(() => parseExposition('# TYPE a counter\na 1 2 3\n')).toThrow(/not the Prometheus/);
    expect(() => parseExposition('# TYPE a counter\na 1\na 2\n')).toThrow(/repeated/);
    expect(() => parseExposition('# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\n')).not.toThrow();
  });
});
