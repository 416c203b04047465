/**
 * An API server for the submission benchmark, in its own process so that the load generator does
 * not share its event loop. BENCH_MODE=spillway: the real API (auth, zod, idempotency, enqueue,
 * job view). BENCH_MODE=bare: a bare Fastify route that only does `queue.add` — the floor — with
 * the priority every Spillway job gets (the same BullMQ queue mode).
 * Prints "ready <url>".
 */
import { buildApi, connectApiRedis, createAuthenticator } from '@spillway/api';
import {
  createLogger,
  createRedis,
  hashTaggedPrefix,
  interactivePriority,
  JOBS_QUEUE,
  loadProviders,
  Secret,
} from '@spillway/core';
import { Queue } from 'bullmq';
import Fastify from 'fastify';

const mode = process.env.BENCH_MODE ?? 'spillway';
const prefix = process.env.BENCH_PREFIX ?? 'bench-api';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let url: string;
if (mode === 'bare') {
  // A connection with ioredis' defaults, as a route written from BullMQ's README would have.
  const redis = createRedis({ url: redisUrl, cluster: false }, `${prefix}:api`);
  const app = Fastify();
  const queue = new Queue(JOBS_QUEUE, { connection: redis, prefix: hashTaggedPrefix(prefix) });
  app.post('/v1/plans', async (request, reply) => {
    const job = await queue.add('plan', request.body as object, { priority: interactivePriority() });
    return reply.status(202).send({ id: job.id });
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
} else {
  // The API's own connection, as `npm run api` opens it.
  const redis = await connectApiRedis({ url: redisUrl, cluster: false }, `${prefix}:api`);
  const { instances, defaults } = loadProviders({
    fileText: null,
    env: {},
    simulatorUrl: 'http://127.0.0.1:1/v1',
  });
  const app = await buildApi({
    redis,
    prefix,
    instances,
    coachingDefaults: defaults.coaching,
    authenticator: createAuthenticator([{ tenant: 'bench', key: new Secret(process.env.BENCH_KEY ?? '') }]),
    logger: createLogger({ level: 'silent' }),
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
}
process.stdout.write(`ready ${url}\n`);

process.on('SIGTERM', () => process.exit(0));
