import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { ProviderAdapter } from '@spillway/core';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function benchPrefix(name: string): string {
  return `bench-${name}-${randomBytes(4).toString('hex')}`;
}

export function machine() {
  return {
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

export const INSTANT_PLAN = JSON.stringify({
  summary: 'A focused day.',
  items: [
    { start: '09:00', end: '10:30', task: 'Write the report', priority: 'high' },
    { start: '10:30', end: '11:00', task: 'Email', priority: 'low' },
    { start: '12:00', end: '13:00', task: 'Gym', priority: 'medium' },
  ],
});

/** A provider that answers at once, in process: what is left to measure is Spillway's own cost. */
export const instantAdapter: ProviderAdapter = {
  async call() {
    return {
      kind: 'ok',
      status: 200,
      headers: {},
      content: INSTANT_PLAN,
      usage: { promptTokens: 100, completionTokens: 60, totalTokens: 160 },
      latencyMs: 0,
    };
  },
};

/** The middle value (the upper one of an even count). */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function removeKeys(redisUrl: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  await redis.quit();
}
