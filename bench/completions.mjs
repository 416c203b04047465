/**
 * Watches a queue's completed set from its own process and prints, as JSON, the moments (ms, wall
 * clock) it first held `from` and then `to` jobs. A poller inside the benchmark's process can be
 * held up for a whole run by a worker that keeps its event loop busy; then a run looks instant.
 * Usage: node bench/completions.mjs <redisUrl> <completed key> <from> <to>
 */
import { Redis } from 'ioredis';

const [url, key, from, to] = process.argv.slice(2);
const redis = new Redis(url);
const now = () => performance.timeOrigin + performance.now();
const reached = async (count) => {
  while ((await redis.zcard(key)) < count) await new Promise((r) => setTimeout(r, 2));
  return now();
};
process.stdout.write('ready\n');
const fromAt = await reached(Number(from));
const toAt = await reached(Number(to));
process.stdout.write(`${JSON.stringify({ fromAt, toAt })}\n`);
await redis.quit();
