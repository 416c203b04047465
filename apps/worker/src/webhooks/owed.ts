import { hashTaggedPrefix, type RedisClient } from '@spillway/core';

/**
 * The jobs whose end still owes a webhook that may not be queued yet. A job with a callbackUrl is
 * noted when a worker starts it, and the note goes once its final webhook is queued. A worker that
 * dies between finishing a job and queueing the webhook (SIGKILL, a lost host) leaves the note
 * behind, and any worker's sweep queues what is owed: the webhook id makes a second enqueue of the
 * same event a no-op, so a sweep that races the normal path costs nothing.
 *
 * A sorted set, member = job id, score = when the note was made or last checked.
 */
export class OwedWebhooks {
  readonly #key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.#key = `${hashTaggedPrefix(prefix)}:webhook:owed`;
  }

  async note(jobId: string, now: number): Promise<void> {
    await this.redis.zadd(this.#key, 'NX', now, jobId);
  }

  async settle(jobId: string): Promise<void> {
    await this.redis.zrem(this.#key, jobId);
  }

  /** Notes not touched since `before`, oldest first: the candidates of a sweep. */
  async stale(before: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.#key, '-inf', before, 'LIMIT', 0, limit);
  }

  /** The job is still running or queued: look again a sweep later, not at every sweep. */
  async touch(jobId: string, now: number): Promise<void> {
    await this.redis.zadd(this.#key, 'XX', now, jobId);
  }
}
