import { Readable } from 'node:stream';
import {
  BatchJsonBodySchema,
  type BatchOptions,
  MAX_BATCH_ITEMS,
  PlanRequestSchema,
  toBatchView,
} from '@spillway/core';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { tenantBacklog } from '../batches/backlog.js';
import { cancelBatch } from '../batches/cancel.js';
import { enqueueBatch } from '../batches/enqueue.js';
import { newBatchId } from '../batches/ids.js';
import { NdjsonBody, readNdjson } from '../batches/ndjson.js';
import { batchResultLines } from '../batches/results.js';
import {
  assertBatchCallbackUrl,
  assertKnownCoachingModel,
  type CandidateItem,
  validateItems,
} from '../batches/validate-items.js';
import { batchViewOf, findBatch } from '../batches/views.js';
import type { ApiContext } from '../context.js';
import {
  BatchIdParams,
  BatchRequestDoc,
  BatchViewDoc,
  IdempotencyHeaders,
  responses,
  SUBMISSION_PROBLEMS,
  V1_SECURITY,
} from '../docs/schemas.js';
import { ApiError } from '../errors.js';
import { documentedOnly } from '../schema-compilers.js';
import { parseBody } from '../validation.js';

/** 10,000 items of a few KiB each, with room to spare; for this route only. */
export const MAX_BATCH_BODY_BYTES = 32 * 2 ** 20;
/** A plan request is at most ~20 KiB of description plus 8 KiB of metadata. */
const MAX_LINE_BYTES = 64 * 1024;
const NDJSON_TYPES = ['application/x-ndjson', 'application/jsonl'];

/** Batch options of an NDJSON upload, which has no envelope to carry them: `?coaching=true&callbackUrl=…`. */
export const BatchQuerySchema = z.strictObject({
  coaching: z
    .enum(['true', 'false', 'same', 'upgrade'])
    .optional()
    .describe('Coaching for every item: true (the default policy), same or upgrade'),
  callbackUrl: PlanRequestSchema.shape.callbackUrl.describe('Where batch.completed is posted'),
  priority: PlanRequestSchema.shape.priority,
});

type Params = { Params: { id: string } };

const SUBMIT_ROUTE = {
  summary: 'Submit a batch of plans',
  description:
    'Up to 10,000 plan requests, each with your `customId`: `{ "items": [...] }` as JSON, or one item per line as ' +
    '`application/x-ndjson` (batch options then go in the query). Every bad item is named (`items[3].description`, ' +
    '`line 4`) and nothing is enqueued until all are good. Follow `Location` for the counts. Accepts `Idempotency-Key`.',
  tags: ['batches'],
  security: V1_SECURITY,
  headers: IdempotencyHeaders,
  body: BatchRequestDoc,
  // The route reads the query itself: for JSON it must be empty, for NDJSON it carries the options.
  querystring: documentedOnly(BatchQuerySchema),
  response: responses({ 202: { description: 'Accepted: the batch view', schema: BatchViewDoc } }, [
    ...SUBMISSION_PROBLEMS,
    'unknown_model',
  ]),
};

const READ_ROUTE = {
  summary: 'Read a batch',
  description: 'Counts of its items by status; `Retry-After` while items are unfinished.',
  tags: ['batches'],
  security: V1_SECURITY,
  params: BatchIdParams,
  response: responses({ 200: { description: 'The batch view', schema: BatchViewDoc } }, ['not_found']),
};

const RESULTS_ROUTE = {
  summary: 'Stream a batch’s results',
  description:
    'NDJSON, one line per item in submission order: `{ customId, jobId, status, result?, error? }`; unfinished ' +
    'items show their current status.',
  tags: ['batches'],
  security: V1_SECURITY,
  params: BatchIdParams,
  response: responses({ 200: { description: 'One JSON object per line', type: 'application/x-ndjson' } }, [
    'not_found',
  ]),
};

const CANCEL_ROUTE = {
  summary: 'Cancel a batch',
  description: 'Removes the items that have not started; running ones finish (202 until they have).',
  tags: ['batches'],
  security: V1_SECURITY,
  params: BatchIdParams,
  response: responses(
    {
      200: { description: 'Cancelled: the batch view', schema: BatchViewDoc },
      202: { description: 'Cancelling: running items still finish', schema: BatchViewDoc },
    },
    ['not_found'],
  ),
};

export function registerBatchRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // A scope of its own, so the NDJSON parser and the larger body limit apply to batches only.
  app.register(async (scope) => {
    scope.addContentTypeParser(
      NDJSON_TYPES,
      async (request: FastifyRequest, payload: NodeJS.ReadableStream) => {
        const lines = await readNdjson(payload as AsyncIterable<Buffer>, {
          maxBytes: MAX_BATCH_BODY_BYTES,
          maxLineBytes: MAX_LINE_BYTES,
          maxLines: MAX_BATCH_ITEMS,
        });
        return new NdjsonBody(lines, request.query);
      },
    );
    scope.setErrorHandler((error: FastifyError) => {
      throw batchBodyError(error) ?? error;
    });

    scope.post(
      '/batches',
      { bodyLimit: MAX_BATCH_BODY_BYTES, schema: SUBMIT_ROUTE },
      async (request, reply) => {
        const started = performance.now();
        const { candidates, options } = readSubmission(request);
        if (options.callbackUrl) await assertBatchCallbackUrl(options.callbackUrl, ctx.webhookAllowPrivate);
        assertKnownCoachingModel(options.coaching, ctx.models);
        const items = await validateItems(candidates, {
          models: ctx.models,
          webhookAllowPrivate: ctx.webhookAllowPrivate,
        });
        const batchId = newBatchId(ctx.clock);
        const backlog = await tenantBacklog(ctx.redis, ctx.prefix, request.tenant);
        const { record } = await enqueueBatch(ctx, {
          batchId,
          tenant: request.tenant,
          items,
          options,
          backlog,
        });
        // The batch as written, not read back: its counts move on from here (GET shows them).
        const view = toBatchView(record, { waiting: 0, now: ctx.clock() });
        request.log.info(
          { batchId, items: items.length, backlog, acceptMs: Math.round(performance.now() - started) },
          'batch accepted',
        );
        return reply
          .status(202)
          .header('location', `/v1/batches/${batchId}`)
          .header('retry-after', '1')
          .send(view);
      },
    );

    scope.get<Params>('/batches/:id', { schema: READ_ROUTE }, async (request, reply) => {
      const record = await findBatch(ctx, request.tenant, request.params.id);
      if (!record) throw new ApiError('not_found', `No batch ${request.params.id}.`);
      if (record.finished < record.total) reply.header('retry-after', '1');
      return batchViewOf(ctx, record);
    });

    /** NDJSON, one line per item in submission order: `{ customId, jobId, status, result?, error? }`. */
    scope.get<Params>('/batches/:id/results', { schema: RESULTS_ROUTE }, async (request, reply) => {
      const record = await findBatch(ctx, request.tenant, request.params.id);
      if (!record) throw new ApiError('not_found', `No batch ${request.params.id}.`);
      return reply.type('application/x-ndjson').send(Readable.from(batchResultLines(ctx, record)));
    });

    /** Removes the items that have not started; running ones finish. 202 while some still run. */
    scope.post<Params>('/batches/:id/cancel', { schema: CANCEL_ROUTE }, async (request, reply) => {
      const record = await findBatch(ctx, request.tenant, request.params.id);
      if (!record) throw new ApiError('not_found', `No batch ${request.params.id}.`);
      const after = await cancelBatch(ctx, record);
      const view = await batchViewOf(ctx, after);
      if (view.status === 'cancelling') reply.status(202).header('retry-after', '1');
      return view;
    });
  });
}

/** The items to validate and the batch options, from either body format. */
function readSubmission(request: FastifyRequest): { candidates: CandidateItem[]; options: BatchOptions } {
  const body = request.body;
  if (body instanceof NdjsonBody) {
    const query = parseBody(BatchQuerySchema, request.query);
    if (body.lines.length === 0) {
      throw new ApiError(
        'validation_failed',
        'The batch has no items: send one JSON plan request per line.',
        [{ field: 'line 1', message: 'a batch needs at least one item' }],
      );
    }
    const candidates = body.lines.map(({ line, value, parseError }) => ({
      place: { line },
      value,
      parseError,
    }));
    return {
      candidates,
      options: {
        coaching: queryCoaching(query.coaching),
        callbackUrl: query.callbackUrl,
        priority: query.priority,
      },
    };
  }
  // JSON carries its options in the body; the query must stay empty rather than be silently ignored.
  parseBody(z.strictObject({}), request.query);
  const { items, ...options } = parseBody(BatchJsonBodySchema, body);
  return { candidates: items.map((value, index) => ({ place: { index }, value })), options };
}

function queryCoaching(value: z.output<typeof BatchQuerySchema>['coaching']): BatchOptions['coaching'] {
  switch (value) {
    case undefined:
      return undefined;
    case 'true':
      return true;
    case 'false':
      return false;
    default:
      return { policy: value };
  }
}

/** Body errors in this scope's words: its own limit and both content types it takes. */
function batchBodyError(error: FastifyError): ApiError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(
        'payload_too_large',
        `The body is larger than ${MAX_BATCH_BODY_BYTES / 2 ** 20} MiB.`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        'unsupported_media_type',
        'Send the batch as application/json ({ "items": [...] }) or application/x-ndjson (one item per line).',
      );
    default:
      return null;
  }
}
