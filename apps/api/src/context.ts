import type {
  CoachingPolicy,
  Instance,
  JobData,
  JobResult,
  Pool,
  ProvidersSource,
  RedisClient,
} from '@spillway/core';
import type { FlowProducer, Queue } from 'bullmq';
import type { JobWaiters } from './job-waiters.js';

// Its own module so that routes, batches and job views depend on what they are given, not on app.ts,
// which builds the context and imports them all (test/architecture/imports.test.ts keeps it so).
/** What every route handler gets: the app's dependencies, passed in (no module singletons). */
export interface ApiContext {
  queue: Queue<JobData, JobResult>;
  flows: FlowProducer;
  pool: Pool;
  providers: ProvidersSource;
  /** The instances of the providers version in force (read per use: a reload changes them). */
  readonly instances: readonly Instance[];
  readonly models: ReadonlySet<string>;
  readonly coachingDefaults: CoachingPolicy;
  clock: () => number;
  redis: RedisClient;
  /** QUEUE_PREFIX as configured (key helpers add the hash tag). */
  prefix: string;
  waiters: JobWaiters;
  webhookAllowPrivate: boolean;
  /** Per tenant, its cap on unfinished jobs (API_KEYS' third field); a tenant not here has none. */
  unfinishedCaps: ReadonlyMap<string, number>;
}
