import { z } from 'zod';
import { API_ERRORS, type ApiErrorCode, problemType } from '../errors.js';
import type { RouteEntry } from '../route-table.js';
import {
  COMPONENT_SCHEMAS,
  OPERATIONS,
  type OperationDoc,
  QUEUE_DASHBOARD_ROUTE,
  type ResponseDoc,
} from './operations.js';

type JsonObject = Record<string, unknown>;

/** Codes any route may answer (auth on /v1, limits, our own failures). */
const COMMON_PROBLEMS: ApiErrorCode[] = ['internal_error', 'service_unavailable'];
const V1_PROBLEMS: ApiErrorCode[] = ['unauthorized', 'method_not_allowed'];

/** `/v1/jobs/:id` → `/v1/jobs/{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonObject;
  return rest;
}

function problemSchema(): JsonObject {
  const codes = Object.keys(API_ERRORS) as ApiErrorCode[];
  return {
    type: 'object',
    description:
      'RFC 9457 problem details. Branch on `code`: it is stable; `title` and `detail` are for people.',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: { type: 'string', description: 'Where this code is explained: `/docs#problem-<code>`' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      code: {
        type: 'string',
        enum: codes,
        description: codes
          .map((code) => `\`${code}\` (${API_ERRORS[code].status}): ${API_ERRORS[code].title}`)
          .join('\n'),
      },
      instance: { type: 'string', description: 'The request path' },
      errors: {
        type: 'array',
        description: 'For validation: every field at fault',
        items: {
          type: 'object',
          required: ['field', 'message'],
          properties: { field: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  };
}

const HEADERS: Record<string, JsonObject> = {
  Location: { description: 'The job’s URL', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before polling again', schema: { type: 'integer' } },
  'idempotent-replayed': {
    description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
};

function responseOf(doc: ResponseDoc, idempotent: boolean): JsonObject {
  const response: JsonObject = { description: doc.description };
  const headers = [...(doc.headers ?? []), ...(idempotent ? (['idempotent-replayed'] as const) : [])];
  if (headers.length > 0) response.headers = Object.fromEntries(headers.map((h) => [h, HEADERS[h]]));
  switch (doc.body) {
    case undefined:
      break;
    case 'text/html':
      response.content = { 'text/html': { schema: { type: 'string' } } };
      break;
    case 'openapi':
      response.content = { 'application/json': { schema: { type: 'object' } } };
      break;
    case 'prometheus':
      response.content = { 'text/plain; version=0.0.4': { schema: { type: 'string' } } };
      break;
    case 'status':
      response.content = {
        'application/json': {
          schema: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              providersVersion: { type: 'string', description: 'On /readyz: the providers version in force' },
            },
          },
        },
      };
      break;
    default:
      response.content = { 'application/json': { schema: { $ref: `#/components/schemas/${doc.body}` } } };
  }
  return response;
}

function problemResponses(codes: ApiErrorCode[]): Record<string, JsonObject> {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = API_ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, JsonObject> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: `Problem: ${list.map((code) => `\`${code}\``).join(', ')}`,
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  return responses;
}

function queryParameters(query: z.ZodObject | undefined): JsonObject[] {
  if (!query) return [];
  const schema = jsonSchemaOf(query, 'input') as {
    properties?: Record<string, JsonObject>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: 'query',
      required: schema.required?.includes(name) ?? false,
      description,
      schema: rest,
    };
  });
}

function operationOf(route: RouteEntry, path: string): JsonObject {
  const key = `${route.method === 'HEAD' ? 'GET' : route.method} ${path}`;
  const isAdmin = path.startsWith('/admin/');
  const undocumented: OperationDoc = path.startsWith('/admin/queues/')
    ? QUEUE_DASHBOARD_ROUTE
    : { summary: 'Undocumented route', tag: 'operations', responses: { '200': { description: 'Success' } } };
  const doc: OperationDoc = OPERATIONS[key] ?? undocumented;
  const isV1 = path.startsWith('/v1/');
  const head = route.method === 'HEAD';
  const operation: JsonObject = {
    operationId: `${route.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: head ? `Headers only: ${doc.summary}` : doc.summary,
    tags: [doc.tag],
  };
  if (doc.description) operation.description = doc.description;
  const parameters = [
    ...[...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    })),
    ...queryParameters(doc.query),
    ...(doc.idempotent
      ? [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description:
              'Repeat a request safely: the same key and body replay the first answer for 24 h; another body is 422.',
            schema: { type: 'string', minLength: 1, maxLength: 255 },
          },
        ]
      : []),
  ];
  if (parameters.length > 0) operation.parameters = parameters;
  if (doc.body && !head) {
    operation.requestBody = {
      required: true,
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${doc.body}` } } },
    };
  }
  const responses: Record<string, JsonObject> = {};
  for (const [status, response] of Object.entries(doc.responses)) {
    const shown = head ? { ...response, body: undefined } : response;
    responses[status] = responseOf(shown, doc.idempotent ?? false);
  }
  const codes = [
    ...(doc.problems ?? []),
    ...(isV1 ? V1_PROBLEMS : ['method_not_allowed' as const]),
    ...(isAdmin ? ['unauthorized' as const] : []),
    ...COMMON_PROBLEMS,
  ];
  Object.assign(responses, problemResponses(codes));
  operation.responses = responses;
  operation.security = isV1 ? [{ bearer: [] }] : isAdmin ? [{ adminBasic: [] }, { adminBearer: [] }] : [];
  return operation;
}

/**
 * The OpenAPI 3.1 document: paths from the route table (every registered route, nothing made up),
 * bodies from the same zod schemas the routes validate with, and every problem code of the registry.
 */
export function buildOpenApiDocument(routes: readonly RouteEntry[]): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of [...routes].sort(
    (a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method),
  )) {
    const path = openApiPath(route.url);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operationOf(route, path);
  }
  const schemas: Record<string, JsonObject> = { Problem: problemSchema() };
  for (const [name, { schema, io }] of Object.entries(COMPONENT_SCHEMAS))
    schemas[name] = jsonSchemaOf(schema, io);

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Spillway',
      version: '1',
      description:
        'LLM plan and coaching jobs over a rate-limit-aware pool of providers. Submit a job (202 + Location), ' +
        'then read it, long-polling with `?wait=`. Every error is `application/problem+json` with a stable `code`.',
    },
    tags: [
      { name: 'jobs', description: 'Submit, read and cancel jobs' },
      { name: 'pool', description: 'Provider instances and their limits' },
      { name: 'operations', description: 'Health and readiness' },
      { name: 'docs', description: 'This documentation' },
      { name: 'admin', description: 'Admin pages (ADMIN_KEY): queue dashboard, live pool page' },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>`' },
        adminBasic: {
          type: 'http',
          scheme: 'basic',
          description: 'Any user name, the admin key as password',
        },
        adminBearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'The admin key: `Authorization: Bearer <key>`',
        },
      },
    },
    'x-problem-codes': (Object.keys(API_ERRORS) as ApiErrorCode[]).map((code) => ({
      code,
      status: API_ERRORS[code].status,
      title: API_ERRORS[code].title,
      type: problemType(code),
    })),
  };
}
