import { CoachingRequestSchema, JobViewSchema, PlanRequestSchema } from '@spillway/core';
import type { z } from 'zod';
import { AdminPoolAnswerSchema } from '../admin/pool-answer-schema.js';
import type { ApiErrorCode } from '../errors.js';
import { JobQuerySchema } from '../routes/jobs.js';
import { PoolAnswerSchema } from './pool-schema.js';

/**
 * The schemas the docs name, by component name. They are the very schemas the routes validate
 * with (PlanRequest, the job query) or that describe what they answer.
 */
export const COMPONENT_SCHEMAS = {
  PlanRequest: { schema: PlanRequestSchema, io: 'input' },
  CoachingRequest: { schema: CoachingRequestSchema, io: 'input' },
  JobView: { schema: JobViewSchema, io: 'output' },
  PoolAnswer: { schema: PoolAnswerSchema, io: 'output' },
  AdminPoolAnswer: { schema: AdminPoolAnswerSchema, io: 'output' },
} as const satisfies Record<string, { schema: z.ZodType; io: 'input' | 'output' }>;

export type ComponentName = keyof typeof COMPONENT_SCHEMAS;

export interface ResponseDoc {
  description: string;
  /** A component for a JSON body; problems are added from `problems`. */
  body?: ComponentName | 'text/html' | 'openapi' | 'status' | 'prometheus';
  headers?: Array<'Location' | 'Retry-After' | 'idempotent-replayed'>;
}

export interface OperationDoc {
  summary: string;
  description?: string;
  tag: 'jobs' | 'pool' | 'operations' | 'docs' | 'admin';
  body?: ComponentName;
  query?: z.ZodObject;
  /** Accepts an Idempotency-Key header (every POST does). */
  idempotent?: boolean;
  responses: Record<string, ResponseDoc>;
  /** The error codes this operation may answer, beyond those every route may. */
  problems?: ApiErrorCode[];
}

/**
 * What each route does, keyed `METHOD /openapi/{path}`. A route registered without an entry here
 * still appears in the document (the route table is the source of the paths), marked undocumented.
 */
export const OPERATIONS: Record<string, OperationDoc> = {
  'POST /v1/plans': {
    summary: 'Submit a plan job',
    description:
      'Validates and enqueues a plan job (and, with `coaching`, its coaching job). Answers at once; ' +
      'follow `Location` (long-poll with `?wait=`) for the result.',
    tag: 'jobs',
    body: 'PlanRequest',
    idempotent: true,
    responses: {
      '202': { description: 'Accepted: the job view', body: 'JobView', headers: ['Location', 'Retry-After'] },
    },
    problems: [
      'validation_failed',
      'invalid_json',
      'unknown_model',
      'payload_too_large',
      'unsupported_media_type',
      'idempotency_in_progress',
      'idempotency_key_reused',
      'quota_exceeded',
    ],
  },
  'POST /v1/coaching': {
    summary: 'Submit a coaching job',
    description:
      'Coaching for a plan: `planJobId` names one of your plan jobs (a plan still running is waited for, up to ' +
      'the deadline; if it fails, coaching fails with `plan_failed`), or `plan` gives the plan itself. ' +
      '`coaching` sets the policy (`same`: start on the model that wrote the plan; `upgrade` with `model`: use ' +
      "that model when the pool has headroom for it, else the plan's at once); the providers file's " +
      '`defaults.coaching` when omitted. Answers at once; follow `Location` for the result.',
    tag: 'jobs',
    body: 'CoachingRequest',
    idempotent: true,
    responses: {
      '202': { description: 'Accepted: the job view', body: 'JobView', headers: ['Location', 'Retry-After'] },
    },
    problems: [
      'validation_failed',
      'invalid_json',
      'unknown_model',
      'not_found',
      'payload_too_large',
      'unsupported_media_type',
      'idempotency_in_progress',
      'idempotency_key_reused',
      'quota_exceeded',
    ],
  },
  'GET /v1/jobs/{id}': {
    summary: 'Read a job',
    description:
      'The job view. With `?wait=N` the answer waits up to N seconds (at most 30) for a terminal status.',
    tag: 'jobs',
    query: JobQuerySchema,
    responses: {
      '200': {
        description: 'The job view (`Retry-After` while it is not finished)',
        body: 'JobView',
        headers: ['Retry-After'],
      },
    },
    problems: ['validation_failed', 'not_found'],
  },
  'DELETE /v1/jobs/{id}': {
    summary: 'Cancel a job',
    description:
      'Cancels the job and its coaching parent or plan child. A job still in the queue is cancelled at once (200); ' +
      'a running one is stopped by its worker, which aborts the provider call (202 until then).',
    tag: 'jobs',
    responses: {
      '200': { description: 'Cancelled: the final view', body: 'JobView' },
      '202': {
        description: 'Cancellation under way: the current view',
        body: 'JobView',
        headers: ['Retry-After'],
      },
    },
    problems: ['not_found', 'job_finished'],
  },
  'GET /v1/pool': {
    summary: 'The provider pool',
    description:
      'Every instance (credential × model): its state, when a limit ends and why, and usage against limits.',
    tag: 'pool',
    responses: { '200': { description: 'Every instance', body: 'PoolAnswer' } },
  },
  'GET /healthz': {
    summary: 'Liveness',
    tag: 'operations',
    responses: { '200': { description: 'The process is up', body: 'status' } },
  },
  'GET /readyz': {
    summary: 'Readiness',
    description: 'Ready when Redis answers.',
    tag: 'operations',
    responses: { '200': { description: 'Redis answers', body: 'status' } },
    problems: ['service_unavailable'],
  },
  'GET /docs': {
    summary: 'This documentation as a page',
    tag: 'docs',
    responses: { '200': { description: 'An HTML page', body: 'text/html' } },
  },
  'GET /docs/openapi.json': {
    summary: 'This document',
    tag: 'docs',
    responses: { '200': { description: 'The OpenAPI 3.1 document', body: 'openapi' } },
  },
  'GET /metrics': {
    summary: 'Prometheus metrics',
    description:
      'Queue depths and jobs waiting for capacity, instance states, provider calls by instance and outcome, ' +
      '429s, fallbacks, provider latency, finished jobs and webhook deliveries (totals over every worker, ' +
      'kept in Redis), and this process. No key: serve it on a private network.',
    tag: 'operations',
    responses: { '200': { description: 'The Prometheus text format', body: 'prometheus' } },
  },
  'GET /admin/pool': {
    summary: 'The live pool page',
    description:
      'Every instance with its state, a countdown to the end of its limit, the reason, and usage against ' +
      'known or learned limits, updated every second. Open it in a browser with the admin key as the password.',
    tag: 'admin',
    responses: { '200': { description: 'An HTML page', body: 'text/html' } },
  },
  'GET /admin/pool.json': {
    summary: 'What the pool page shows',
    description: 'The pool as `GET /v1/pool` shows it, with the server’s time.',
    tag: 'admin',
    responses: { '200': { description: 'Every instance, and the time', body: 'AdminPoolAnswer' } },
  },
  'POST /admin/reload': {
    summary: 'Reload the providers file',
    description:
      'Re-reads PROVIDERS_FILE as SIGHUP does. A good file becomes the version every API and worker ' +
      'process runs within 5 s (`providersVersion` on /readyz and /v1/pool); a bad one is refused with ' +
      'its fields named and the version in force stays. Answers `{ providersVersion, changed, instances }`.',
    tag: 'admin',
    responses: { '200': { description: 'The version now in force' } },
    problems: ['invalid_providers_file'],
  },
  'GET /admin/queues': {
    summary: 'The queue dashboard',
    description:
      'bull-board over the jobs and webhooks queues, read-only: change jobs through the API. Its pages, ' +
      'assets and JSON under `/admin/queues/` are its own, not a stable interface.',
    tag: 'admin',
    responses: { '200': { description: 'An HTML page', body: 'text/html' } },
  },
};

/** Every route the queue dashboard (bull-board) adds under /admin/queues/: documented as one. */
export const QUEUE_DASHBOARD_ROUTE: OperationDoc = {
  summary: 'Queue dashboard internals',
  description: 'A page, asset or JSON call of the queue dashboard (bull-board); not a stable interface.',
  tag: 'admin',
  responses: { '200': { description: 'What the dashboard asked for' } },
};
