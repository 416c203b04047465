import {
  type CoachingPolicy,
  fixedProviders,
  hashTaggedPrefix,
  type Instance,
  JOBS_QUEUE,
  type JobData,
  type JobResult,
  Pool,
  type ProvidersSource,
  type RedisClient,
  type Secret,
} from '@spillway/core';
import { FlowProducer, Queue } from 'bullmq';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { registerAdminRoutes } from './admin/index.js';
import type { Authenticator } from './auth.js';
import type { ApiContext } from './context.js';
import { registerDocs } from './docs/register.js';
import { JobWaiters } from './job-waiters.js';
import { createMetricsRegistry, openObservedQueues, registerMetricsRoute } from './metrics/index.js';
import { registerAuth } from './plugins/auth.js';
import { registerIdempotency } from './plugins/idempotency.js';
import { registerJsonBody } from './plugins/json-body.js';
import { answerFrameworkError, registerProblems } from './plugins/problems.js';
import { lazyRequestLogger } from './request-logger.js';
import { RouteTable } from './route-table.js';
import { registerBatchRoutes } from './routes/batches.js';
import { registerCoachingRoutes } from './routes/coaching.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerPlanRoutes } from './routes/plans.js';
import { registerPoolRoutes } from './routes/pool.js';
import { jsonSerializerCompiler, zodValidatorCompiler } from './schema-compilers.js';

export interface ApiDeps {
  /** A connection the API may share between its queue, flow producer and pool reads. */
  redis: RedisClient;
  prefix: string;
  /**
   * The providers in force, live (`npm run api`: LiveProviders, reloaded by SIGHUP and
   * POST /admin/reload). Without it, `instances` and `coachingDefaults` are a fixed configuration.
   */
  providers?: ProvidersSource;
  instances?: readonly Instance[];
  coachingDefaults?: CoachingPolicy;
  authenticator: Authenticator;
  logger: Logger;
  clock?: () => number;
  /** WEBHOOK_ALLOW_PRIVATE: accept callback URLs on loopback and private addresses. */
  webhookAllowPrivate?: boolean;
  /** Opens the admin pages (/admin/queues, /admin/pool); without it they are not served. */
  adminKey?: Secret | null;
  /** Where /metrics registers its metrics (prom-client); a fresh registry when omitted. */
  metricsRegistry?: Registry;
  /** Per tenant, the most unfinished jobs it may have (API_KEYS' third field); others have no cap. */
  unfinishedCaps?: ReadonlyMap<string, number>;
}

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const prefix = hashTaggedPrefix(deps.prefix);
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 256 * 1024,
    // Ids are ours to choose; keep the routes strict about trailing slashes and case.
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: answerFrameworkError,
    childLoggerFactory: lazyRequestLogger,
  });
  const queue = new Queue<JobData, JobResult>(JOBS_QUEUE, { connection: deps.redis, prefix });
  const flows = new FlowProducer({ connection: deps.redis, prefix });
  // While Redis is away requests answer 503 (see redis-connection.ts); the log gets the cause, not stderr.
  const logRedisError = (err: Error) => deps.logger.warn({ err }, 'Redis connection error');
  queue.on('error', logRedisError);
  flows.on('error', logRedisError);
  const providers =
    deps.providers ??
    fixedProviders({
      instances: deps.instances ?? [],
      defaults: { coaching: deps.coachingDefaults ?? { policy: 'same' } },
    });
  const ctx: ApiContext = {
    queue,
    flows,
    pool: new Pool({ redis: deps.redis, prefix: deps.prefix, clock: deps.clock }),
    providers,
    get instances() {
      return providers.current().instances;
    },
    get models() {
      return providers.current().models;
    },
    get coachingDefaults() {
      return providers.current().setup.defaults.coaching as CoachingPolicy;
    },
    clock: deps.clock ?? Date.now,
    redis: deps.redis,
    prefix: deps.prefix,
    waiters: new JobWaiters({ redis: deps.redis, prefix, eventsKey: queue.toKey('events') }),
    webhookAllowPrivate: deps.webhookAllowPrivate ?? false,
    unfinishedCaps: deps.unfinishedCaps ?? new Map(),
  };
  app.addHook('onClose', async () => {
    await ctx.waiters.close();
    await flows.close();
    await queue.close();
  });

  const routes = RouteTable.collect(app);
  registerProblems(app, routes);
  registerJsonBody(app);
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(jsonSerializerCompiler);
  await registerDocs(app);
  registerHealthRoutes(app, ctx);
  const observed = openObservedQueues(deps.redis, deps.prefix, queue);
  app.addHook('onClose', async () => observed.close());
  registerMetricsRoute(
    app,
    createMetricsRegistry({
      redis: ctx.redis,
      prefix: ctx.prefix,
      pool: ctx.pool,
      providers,
      clock: ctx.clock,
      queues: observed,
      registry: deps.metricsRegistry,
    }),
  );
  if (deps.adminKey) {
    await registerAdminRoutes(app, {
      pool: ctx.pool,
      providers,
      clock: ctx.clock,
      adminKey: deps.adminKey,
      queues: observed.all.map((q) => q.queue),
    });
  }
  await app.register(
    async (v1) => {
      registerAuth(v1, deps.authenticator);
      registerIdempotency(v1, { redis: deps.redis, prefix: deps.prefix });
      registerPlanRoutes(v1, ctx);
      registerCoachingRoutes(v1, ctx);
      registerJobRoutes(v1, ctx);
      registerPoolRoutes(v1, ctx);
      registerBatchRoutes(v1, ctx);
    },
    { prefix: '/v1' },
  );
  return app;
}
