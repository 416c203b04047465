import type { ChatRequest } from '@spillway/core';
import { PlanResultSchema } from '@spillway/core';
import {
  bareWorker,
  benchInstances,
  inRounds,
  medianRate,
  ratioOf,
  spillwayWorker,
  WARM_UP,
} from './queue-runs.js';
import { instantAdapter } from './support.js';

/** Raw BullMQ: a worker that does nothing, the ceiling any queue-based system stays under. */
async function rawBullmq(jobs: number, concurrency: number): Promise<number> {
  return bareWorker(jobs, concurrency, async () => ({ ok: true }));
}

const instances = benchInstances('http://127.0.0.1:1/v1');

/**
 * The work itself, with no pool: a bare BullMQ worker that calls the same zero-latency provider,
 * validates its answer with the same schema and stores it with its attempt, as any LLM job queue
 * must. What Spillway adds over this is its own cost (choice, reservation, settlement, attempts,
 * cancel watch, metrics).
 */
async function floorWorker(jobs: number, concurrency: number): Promise<number> {
  const instance = instances[0]!;
  const request = { system: '', user: '' } as ChatRequest;
  return await bareWorker(jobs, concurrency, async () => {
    const answer = await instantAdapter.call(instance, request, new AbortController().signal);
    if (answer.kind !== 'ok') throw new Error('bench: the instant provider failed');
    const result = PlanResultSchema.parse(JSON.parse(answer.content));
    return {
      result,
      attempts: [
        { instance: instance.id, model: instance.model, at: new Date().toISOString(), outcome: 'ok' },
      ],
    };
  });
}

/**
 * The provider answers in process, at once: what is measured is Spillway's own cost against an
 * empty BullMQ worker. All three run back to back in each round (see inRounds); each ratio is the
 * median of the rounds' own ratios.
 */
export async function benchThroughput(jobs = 5000, concurrency = 50, rounds = 3) {
  const { raw, floor, ours } = await inRounds(rounds, {
    raw: () => rawBullmq(jobs, concurrency),
    floor: () => floorWorker(jobs, concurrency),
    ours: () => spillwayWorker(jobs, concurrency, { instances, adapterFor: () => instantAdapter }),
  });
  const { ratio, roundRatios } = ratioOf(ours, raw);
  return {
    jobs,
    concurrency,
    rounds,
    warmUpJobs: WARM_UP,
    rawJobsPerSecond: medianRate(raw),
    floorJobsPerSecond: medianRate(floor),
    spillwayJobsPerSecond: medianRate(ours),
    ratio,
    floorRatio: ratioOf(floor, raw).ratio,
    ofFloor: ratioOf(ours, floor).ratio,
    roundRatios,
  };
}
