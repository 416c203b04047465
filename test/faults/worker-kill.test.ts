import { PlanResultSchema } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { jobsQueue } from '../support/enqueue.js';
import { exited, type FaultRig, startFaultRig } from '../support/fault-rig.js';
import { TEST_WEBHOOK_SECRET } from '../support/stack.js';
import { type Receiver, startReceiver, verifyWithLibrary } from '../webhooks/receiver.js';

/** Short enough that a dead worker's jobs are back in the queue within seconds, not BullMQ's 30 s. */
const STALLED = { lockDurationMs: 2000, stalledIntervalMs: 500 };

describe('a worker killed mid-flight (SIGKILL)', () => {
  let rig: FaultRig | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await rig?.close();
    await receiver?.close();
    rig = undefined;
    receiver = undefined;
  });

  it('loses no job: another worker finishes them all, each result is written once and its webhook keeps one webhook-id', async () => {
    // A known rpm, far above these calls: all four of the worker's jobs are at the provider when it
    // dies (with its rpm unknown the pool would probe it, two calls in flight at a time).
    rig = await startFaultRig({
      latencyMs: 400,
      label: 'kill',
      providers: {
        providers: [{ id: 'sim', type: 'simulated', baseUrl: '{{sim}}', models: { m: { rpm: 1000 } } }],
      },
    });
    receiver = await startReceiver();
    const queue = jobsQueue(rig.prefix);
    try {
      const doomed = await rig.startWorker({ concurrency: 4, stalled: STALLED });
      const ids: string[] = [];
      for (let i = 0; i < 16; i++) ids.push(await rig.submit({ callbackUrl: receiver.url }));

      // Kill it with calls at the provider: four jobs locked by it, some already finished.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const counts = await queue.getJobCounts('active', 'completed');
        if ((counts.completed ?? 0) >= 4 && (counts.active ?? 0) === 4) break;
        if (Date.now() > deadline) throw new Error(`never saw jobs in flight: ${JSON.stringify(counts)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      doomed.kill('SIGKILL');
      expect(await exited(doomed)).toBe('SIGKILL');
      await rig.startWorker({ concurrency: 4, stalled: STALLED });

      const views = await Promise.all(ids.map((id) => rig!.finished(id)));
      for (const view of views) {
        expect(view.status).toBe('completed');
        expect(PlanResultSchema.safeParse(view.result).success).toBe(true);
      }
      // The jobs the dead worker held came back through stalled-job recovery, not by luck.
      const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
      expect(jobs.filter((job) => (job?.stalledCounter ?? 0) > 0).length).toBeGreaterThan(0);
      // Their provider calls were made again: at-least-once, so the provider saw each job at least once.
      expect(rig.sim.stats().m!.accepted).toBeGreaterThanOrEqual(ids.length);

      // Every job's webhook arrives, verified; any duplicate carries the same webhook-id and result.
      const deadlineHooks = Date.now() + 15_000;
      const byJob = new Map<string, Set<string>>();
      while (byJob.size < ids.length) {
        if (Date.now() > deadlineHooks) throw new Error(`webhooks for ${byJob.size} of ${ids.length} jobs`);
        await new Promise((r) => setTimeout(r, 50));
        byJob.clear();
        for (const request of receiver.received) {
          const event = verifyWithLibrary(TEST_WEBHOOK_SECRET, request) as {
            type: string;
            data: { id: string; result: unknown };
          };
          expect(event.type).toBe('job.completed');
          const served = views[ids.indexOf(event.data.id)]!;
          expect(event.data.result).toEqual(served.result);
          const seen = byJob.get(event.data.id) ?? new Set<string>();
          seen.add(String(request.headers['webhook-id']));
          byJob.set(event.data.id, seen);
        }
      }
      for (const id of ids) expect([...byJob.get(id)!]).toEqual([`msg_${id}_job_completed`]);
    } finally {
      await queue.close();
    }
  }, 60_000);
});
