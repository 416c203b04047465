import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { jobsQueue } from '../support/enqueue.js';
import { exited, type FaultRig, startFaultRig } from '../support/fault-rig.js';
import { TEST_WEBHOOK_SECRET } from '../support/stack.js';
import { type Receiver, startReceiver, verifyWithLibrary } from '../webhooks/receiver.js';

/**
 * A soak (SPILLWAY_SOAK=1, about a minute): three workers, one of them SIGKILLed and replaced
 * every 1.5 s while 1000 jobs run. Nothing may be lost: every job ends, every ending has its
 * webhook, and a webhook never changes its id.
 */
const STALLED = { lockDurationMs: 2000, stalledIntervalMs: 500 };
const JOBS = 1000;

describe.runIf(process.env.SPILLWAY_SOAK === '1')('soak: workers killed over and over', () => {
  let rig: FaultRig | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await rig?.close();
    await receiver?.close();
  });

  it('loses no job and no webhook', async () => {
    rig = await startFaultRig({ latencyMs: { min: 100, max: 600 }, label: 'soak' });
    receiver = await startReceiver();
    const queue = jobsQueue(rig.prefix);
    try {
      const workers: ChildProcess[] = [];
      for (let i = 0; i < 3; i++) workers.push(await rig.startWorker({ concurrency: 8, stalled: STALLED }));
      const ids: string[] = [];
      for (let i = 0; i < JOBS; i++) ids.push(await rig.submit({ callbackUrl: receiver.url }));

      let kills = 0;
      const deadline = Date.now() + 120_000;
      for (;;) {
        const counts = await queue.getJobCounts('completed', 'failed');
        if ((counts.completed ?? 0) + (counts.failed ?? 0) >= JOBS) break;
        if (Date.now() > deadline)
          throw new Error(`not finished: ${JSON.stringify(counts)} after ${kills} kills`);
        await new Promise((r) => setTimeout(r, 1500));
        const victim = workers.splice(Math.floor(Math.random() * workers.length), 1)[0]!;
        victim.kill('SIGKILL');
        await exited(victim);
        kills++;
        workers.push(await rig.startWorker({ concurrency: 8, stalled: STALLED }));
      }

      const views = await Promise.all(ids.map((id) => rig!.finished(id)));
      const failed = views.filter((v) => v.status !== 'completed');
      // BullMQ fails a job whose worker died under it more than once (maxStalledCount 1): rare, visible, not lost.
      for (const view of failed) expect(JSON.stringify(view.error)).toMatch(/stalled/);
      expect(failed.length).toBeLessThan(JOBS * 0.05);

      const hookDeadline = Date.now() + 20_000;
      const byJob = new Map<string, Set<string>>();
      for (;;) {
        byJob.clear();
        for (const request of receiver.received) {
          const event = verifyWithLibrary(TEST_WEBHOOK_SECRET, request) as { data: { id: string } };
          const seen = byJob.get(event.data.id) ?? new Set<string>();
          seen.add(String(request.headers['webhook-id']));
          byJob.set(event.data.id, seen);
        }
        if (byJob.size >= JOBS || Date.now() > hookDeadline) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(byJob.size).toBe(JOBS);
      for (const [i, id] of ids.entries()) {
        const type = views[i]!.status === 'completed' ? 'completed' : 'failed';
        expect([...byJob.get(id)!]).toEqual([`msg_${id}_job_${type}`]);
      }
      expect(kills).toBeGreaterThan(3);
    } finally {
      await queue.close();
    }
  }, 180_000);
});
