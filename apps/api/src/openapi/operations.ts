import { JobViewSchema, PlanRequestSchema } from '@spillway/core';
import type { z } from 'zod';
import type { ApiErrorCode } from '../errors.js';
import { JobQuerySchema } from '../routes/jobs.js';
import { PoolAnswerSchema } from './pool-schema.js';

/**
 * The schemas the docs name, by component name. They are the very schemas the routes validate
 * with (PlanRequest, the job query) or that describe what they answer.
 */
export const COMPONENT_SCHEMAS = {
  PlanRequest: { schema: PlanRequestSchema, io: 'input' },
  JobView: { schema: JobViewSchema, io: 'output' },
  PoolAnswer: { schema: PoolAnswerSchema, io: 'output' },
} as const satisfies Record<string, { schema: z.ZodType; io: 'input' | 'output' }>;

export type ComponentName = keyof typeof COMPONENT_SCHEMAS;

export interface ResponseDoc {
  description: string;
  /** A component for a JSON body; problems are added from `problems`. */
  body?: ComponentName | 'text/html' | 'openapi' | 'status';
  headers?: Array<'Location' | 'Retry-After' | 'idempotent-replayed'>;
}

export interface OperationDoc {
  summary: string;
  description?: string;
  tag: 'jobs' | 'pool' | 'operations' | 'docs';
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
};
