import { JOBS_QUEUE, type RedisClient } from '@spillway/core';
import { QueueEvents } from 'bullmq';
import { blockingCopy } from './redis-connection.js';

/**
 * Long-poll support without polling: one QueueEvents stream reader per API process wakes the
 * requests waiting on a job when BullMQ reports it finished.
 */
export class JobWaiters {
  readonly #events: QueueEvents;
  readonly #connection: RedisClient;
  readonly #waiting = new Map<string, Set<() => void>>();

  constructor(connection: RedisClient, prefix: string) {
    // The API's own connection fails fast when Redis is away; the event reader waits it out instead,
    // so long-polls keep waking after a Redis restart.
    this.#connection = blockingCopy(connection);
    this.#events = new QueueEvents(JOBS_QUEUE, { connection: this.#connection, prefix, autorun: true });
    const wake = ({ jobId }: { jobId: string }) => {
      const waiters = this.#waiting.get(jobId);
      if (!waiters) return;
      this.#waiting.delete(jobId);
      for (const resolve of waiters) resolve();
    };
    this.#events.on('completed', wake);
    this.#events.on('failed', wake);
    this.#events.on('removed', wake);
    this.#events.on('error', () => {}); // reconnects by itself; readiness reports Redis trouble
  }

  async ready(): Promise<void> {
    await this.#events.waitUntilReady();
  }

  /**
   * Resolves when the job finishes or after `ms`. `stillRunning` is checked after subscribing,
   * so a job that finished in between is not waited for.
   */
  async wait(
    jobId: string,
    ms: number,
    stillRunning: () => Promise<boolean>,
    signal?: AbortSignal,
  ): Promise<void> {
    let resolve!: () => void;
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    const set = this.#waiting.get(jobId) ?? new Set();
    set.add(resolve);
    this.#waiting.set(jobId, set);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', resolve, { once: true });
    try {
      if (await stillRunning()) await done;
    } finally {
      clearTimeout(timer);
      set.delete(resolve);
      if (set.size === 0 && this.#waiting.get(jobId) === set) this.#waiting.delete(jobId);
    }
  }

  async close(): Promise<void> {
    for (const set of this.#waiting.values()) for (const resolve of set) resolve();
    this.#waiting.clear();
    // BullMQ waits for its reader's connection to report 'end', which one that is between
    // reconnection attempts (Redis away) never does: the reader holds nothing worth waiting for.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#events.close(),
      new Promise((resolve) => {
        timer = setTimeout(resolve, CLOSE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    this.#connection.disconnect();
  }
}

/** How long closing waits for the event reader to close politely. */
const CLOSE_WAIT_MS = 1000;
