import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  type ChatRequest,
  createAdapters,
  PLAN_SYSTEM_PROMPT,
  PlanResultShape,
  planUserPrompt,
  structuredSchema,
} from '@spillway/core';
import {
  bareWorker,
  benchInstances,
  inRounds,
  medianRate,
  ratioOf,
  spillwayWorker,
  WARM_UP,
} from './queue-runs.js';

/**
 * The zero-latency provider in its own process (a provider never shares the worker's process):
 * instant-provider.mjs, a fixed OpenAI-compatible answer. (The simulator reads each prompt and
 * builds an answer: about 1 ms a request, so it, not the client, would be what is measured.)
 */
async function startProvider() {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./instant-provider.mjs', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  };
  for await (const line of createInterface({ input: child.stdout })) {
    const url = /"url":"([^"]+)"/.exec(line)?.[1];
    if (url) return { url, close };
  }
  await close();
  throw new Error('bench: the instant provider did not start');
}

/**
 * End to end over real HTTP: both systems call the same zero-latency provider (in its own process)
 * through the same adapter code and store what it answered. *Raw BullMQ* is a
 * bare worker that makes the call and stores the answer's text; *Spillway* runs its real worker
 * (pool, validation, attempts, settlement, cancel watch, metrics). Rounds run the two back to back,
 * in alternating order; the ratio is the median of the rounds' own ratios.
 */
export async function benchThroughputHttp(jobs = 5000, concurrency = 50, rounds = 3) {
  const provider = await startProvider();
  try {
    const instances = benchInstances(provider.url);
    const adapter = createAdapters()('openai-compatible');
    const instance = instances[0]!;
    const request: ChatRequest = {
      system: PLAN_SYSTEM_PROMPT,
      user: planUserPrompt({ description: 'Day 1: write the report, email, gym at noon' }),
      schemaName: 'plan',
      jsonSchema: structuredSchema(PlanResultShape),
    };
    const { raw, ours } = await inRounds(
      rounds,
      {
        raw: () =>
          bareWorker(jobs, concurrency, async () => {
            const answer = await adapter.call(instance, request, new AbortController().signal);
            if (answer.kind !== 'ok') throw new Error(`bench: the provider answered ${answer.kind}`);
            return { content: answer.content };
          }),
        ours: () => spillwayWorker(jobs, concurrency, { instances, adapterFor: () => adapter }),
      },
      true,
    );
    return {
      jobs,
      concurrency,
      rounds,
      warmUpJobs: WARM_UP,
      rawJobsPerSecond: medianRate(raw),
      spillwayJobsPerSecond: medianRate(ours),
      ...ratioOf(ours, raw),
    };
  } finally {
    await provider.close();
  }
}
