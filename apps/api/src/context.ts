import type { CoachingPolicy, Instance, JobData, JobResult, Pool, RedisClient } from '@spillway/core';
import type { FlowProducer, Queue } from 'bullmq';
import type { JobWaiters } from './job-waiters.js';

// Its own module so that routes, batches and job views depend on what they are given, not on app.ts,
// which builds the context and imports them all (test/architecture/imports.test.ts keeps it so).
/** What every route handler gets: the app's dependencies, passed in (no module singletons). */
export interface ApiContext {
  queue: Queue<JobData, JobResult>;
  flows: FlowProducer;
  pool: Pool;
  instances: readonly Instance[];
  models: ReadonlySet<string>;
  coachingDefaults: CoachingPolicy;
  clock: () => number;
  redis: RedisClient;
  /** QUEUE_PREFIX as configured (key helpers add the hash tag). */
  prefix: string;
  waiters: JobWaiters;
  webhookAllowPrivate: boolean;
}
