import { JOBS_QUEUE, type RedisClient } from '@spillway/core';
import { QueueEvents } from 'bullmq';
import { blockingCopy } from './redis-connection.js';

export interface JobWaitersOptions {
  /** The API's connection (the reader gets a blocking copy of it). */
  redis: RedisClient;
  /** The hash-tagged BullMQ prefix. */
  prefix: string;
  /** The jobs queue's event stream. */
  eventsKey: string;
  /** How long the reader keeps reading after the last waiter left. */
  idleMs?: number;
}

interface Reader {
  events: QueueEvents;
  connection: RedisClient;
}

/**
 * Long-poll support without polling: one QueueEvents stream reader per API process wakes the
 * requests waiting on a job when BullMQ reports it finished.
 *
 * The reader runs only while someone waits (and a little after): every job adds events to the
 * stream as it is enqueued and as it moves, and reading them all back (completed ones with their
 * results) costs an API that nobody long-polls CPU on every submission, and a 10,000-item batch
 * 20,000 events to parse. A reader starts from the stream's last entry as read before the waiter
 * looks at its job, so nothing that finishes after that look is missed.
 */
export class JobWaiters {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #eventsKey: string;
  readonly #idleMs: number;
  readonly #waiting = new Map<string, Set<() => void>>();
  #reader: Promise<Reader> | null = null;
  #idleTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: JobWaitersOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
    this.#eventsKey = options.eventsKey;
    this.#idleMs = options.idleMs ?? READER_IDLE_MS;
  }

  /**
   * Resolves when the job finishes or after `ms`. `stillRunning` is checked once the reader is
   * reading from a point before the check, so a job that finished in between is not waited for.
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
    clearTimeout(this.#idleTimer);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', resolve, { once: true });
    try {
      await this.#reading();
      if (await stillRunning()) await done;
    } finally {
      clearTimeout(timer);
      set.delete(resolve);
      if (set.size === 0 && this.#waiting.get(jobId) === set) this.#waiting.delete(jobId);
      if (this.#waiting.size === 0) this.#stopWhenIdle();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    for (const set of this.#waiting.values()) for (const resolve of set) resolve();
    this.#waiting.clear();
    await this.#stopReader();
  }

  /** The running reader, or a new one reading from the stream's current end. */
  #reading(): Promise<Reader> {
    if (this.#closed) return Promise.reject(new Error('the API is closing'));
    this.#reader ??= this.#startReader().catch((err: unknown) => {
      // Redis away: the next waiter tries again.
      this.#reader = null;
      throw err;
    });
    return this.#reader;
  }

  async #startReader(): Promise<Reader> {
    const [last] = (await this.#redis.xrevrange(this.#eventsKey, '+', '-', 'COUNT', 1)) as [
      string,
      string[],
    ][];
    // The API's own connection fails fast when Redis is away; the event reader waits it out instead,
    // so long-polls keep waking after a Redis restart.
    const connection = blockingCopy(this.#redis);
    const events = new QueueEvents(JOBS_QUEUE, {
      connection,
      prefix: this.#prefix,
      autorun: true,
      lastEventId: last?.[0] ?? '0-0',
    });
    const wake = ({ jobId }: { jobId: string }) => {
      const waiters = this.#waiting.get(jobId);
      if (!waiters) return;
      this.#waiting.delete(jobId);
      for (const resolve of waiters) resolve();
    };
    events.on('completed', wake);
    events.on('failed', wake);
    events.on('removed', wake);
    events.on('error', () => {}); // reconnects by itself; readiness reports Redis trouble
    return { events, connection };
  }

  /** Stops the reader once nobody has waited for a while (a client long-polling job after job keeps it). */
  #stopWhenIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#waiting.size === 0) void this.#stopReader();
    }, this.#idleMs);
    this.#idleTimer.unref();
  }

  async #stopReader(): Promise<void> {
    const starting = this.#reader;
    this.#reader = null;
    const reader = await starting?.catch(() => null);
    if (!reader) return;
    // BullMQ waits for its reader's connection to report 'end', which one that is between
    // reconnection attempts (Redis away) never does: the reader holds nothing worth waiting for.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      reader.events.close().catch(() => {}),
      new Promise((resolve) => {
        timer = setTimeout(resolve, CLOSE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    reader.connection.disconnect();
  }
}

/** Long enough that a client long-polling one job after another keeps one reader. */
const READER_IDLE_MS = 30_000;
/** How long closing waits for the event reader to close politely. */
const CLOSE_WAIT_MS = 1000;
