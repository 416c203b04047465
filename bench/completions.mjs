/**
 * Watches a queue's completed set from its own process and prints, as JSON, the moments (ms, wall
 * clock) it first held `from` and then `to` jobs. A poller inside the benchmark's process can be
 * held up for a whole run by a worker that keeps its event loop busy; then a run looks instant.
 * A failed job ends the watch at once (printed as { failed }), and so does the benchmark going
 * away (its end of stdin closes).
 * Usage: node bench/completions.mjs <redisUrl> <queue key, e.g. "{p}:jobs"> <from> <to>
 */
import { Redis } from 'ioredis';

const [url, queueKey, from, to] = process.argv.slice(2);
const redis = new Redis(url);
const now = () => performance.timeOrigin + performance.now();
const say = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(1));

const reached = async (count) => {
  for (;;) {
    const [[, done], [, failed]] = await redis
      .pipeline()
      .zcard(`${queueKey}:completed`)
      .zcard(`${queueKey}:failed`)
      .exec();
    if (failed > 0) {
      say({ failed });
      process.exit(1);
    }
    if (done >= count) return now();
    await new Promise((r) => setTimeout(r, 2));
  }
};
say('ready');
const fromAt = await reached(Number(from));
const toAt = await reached(Number(to));
say({ fromAt, toAt });
process.exit(0);
