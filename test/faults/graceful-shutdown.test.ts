import { afterEach, describe, expect, it } from 'vitest';
import { jobsQueue } from '../support/enqueue.js';
import { exited, type FaultRig, startFaultRig } from '../support/fault-rig.js';

/**
 * SIGTERM (a deploy, a scale-down) must not cost a job: the worker stops taking new ones, lets the
 * ones it runs finish or hands them back to the queue, and exits promptly with code 0. The jobs'
 * locks keep BullMQ's 30 s here, so a job left locked behind would show as a long stall.
 */
const STATES = ['active', 'completed', 'failed', 'waiting', 'prioritized', 'delayed'] as const;

describe('graceful shutdown (SIGTERM)', () => {
  let rig: FaultRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  async function untilCounts(
    queue: ReturnType<typeof jobsQueue>,
    done: (counts: Record<string, number>) => boolean,
    timeoutMs = 10_000,
  ) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = await queue.getJobCounts(...STATES);
      if (done(counts)) return counts;
      if (Date.now() > deadline) throw new Error(`counts never matched: ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('finishes the jobs in flight, exits 0, and leaves the rest queued for the next worker', async () => {
    // A known rpm, far above these calls: the four jobs it runs are all at the provider (with its rpm
    // unknown the pool would probe it two calls in flight at a time, and park the other two).
    rig = await startFaultRig({
      latencyMs: 600,
      label: 'term',
      providers: {
        providers: [{ id: 'sim', type: 'simulated', baseUrl: '{{sim}}', models: { m: { rpm: 1000 } } }],
      },
    });
    const queue = jobsQueue(rig.prefix);
    try {
      const leaving = await rig.startWorker({ concurrency: 4 });
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push(await rig.submit());
      await untilCounts(queue, (c) => c.active === 4);

      leaving.kill('SIGTERM');
      expect(await exited(leaving)).toBe(0);
      const after = await queue.getJobCounts(...STATES);
      expect(after).toMatchObject({ active: 0, failed: 0, delayed: 0 });
      expect(after.completed).toBeGreaterThanOrEqual(4);
      // It left when its calls in flight were done, not once it had worked the queue empty.
      expect(after.waiting! + after.prioritized!).toBeGreaterThan(0);
      expect(after.completed! + after.waiting! + after.prioritized!).toBe(ids.length);

      await rig.startWorker({ concurrency: 4 });
      const views = await Promise.all(ids.map((id) => rig!.finished(id, 15_000)));
      expect(views.map((v) => v.status)).toEqual(ids.map(() => 'completed'));
      // No job went through stalled-job recovery: none was left locked by the worker that left.
      const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
      expect(jobs.map((job) => job?.stalledCounter ?? 0)).toEqual(ids.map(() => 0));
    } finally {
      await queue.close();
    }
  }, 40_000);

  it('does not sit out a wait for capacity: waiting jobs are parked in Redis, not in the worker, and it exits at once', async () => {
    // Two requests a minute, a real minute: the third job onwards waits about 60 s for a slot.
    rig = await startFaultRig({
      models: { m: { dialect: 'groq', rpm: 2 } },
      providers: {
        providers: [{ id: 'sim', type: 'simulated', baseUrl: '{{sim}}', models: { m: { rpm: 2 } } }],
      },
      label: 'termwait',
    });
    const queue = jobsQueue(rig.prefix);
    try {
      const leaving = await rig.startWorker({ concurrency: 4 });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await rig.submit());
      // The three that must wait left the worker: parked (delayed until their deadline), none active.
      await untilCounts(queue, (c) => c.completed === 2 && c.delayed === 3 && c.active === 0);
      await new Promise((r) => setTimeout(r, 200));

      // Sitting the ~60 s wait out would have completed the three; the worker holds none of them.
      leaving.kill('SIGTERM');
      expect(await exited(leaving)).toBe(0);

      // Nothing lost: the three waiting jobs are still parked, waiting for capacity.
      const counts = await queue.getJobCounts(...STATES);
      expect(counts).toMatchObject({ active: 0, failed: 0, completed: 2 });
      const states = await Promise.all(ids.map(async (id) => (await queue.getJob(id))!.getState()));
      expect(states.filter((s) => s === 'completed')).toHaveLength(2);
      expect(states.filter((s) => s === 'delayed')).toHaveLength(3);
      expect(rig.sim.stats().m!.accepted).toBe(2);
    } finally {
      await queue.close();
    }
  }, 40_000);
});
