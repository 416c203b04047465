import { createHash, randomUUID } from 'node:crypto';
import { hashTaggedPrefix, type RedisClient } from '@spillway/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { canonicalJson } from '../canonical-json.js';
import { ApiError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set while this request holds an Idempotency-Key's pending claim. */
    idempotency: IdempotencyClaim | null;
  }
}

interface IdempotencyClaim {
  redisKey: string;
  token: string;
  bodyHash: string;
}

/** What Redis keeps per (tenant, key): a claim while the first request runs, then its answer. */
interface IdempotencyRecord {
  state: 'pending' | 'done';
  bodyHash: string;
  token: string;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface IdempotencyOptions {
  redis: RedisClient;
  prefix: string;
  /** How long an answer is replayed. */
  ttlSeconds?: number;
  /**
   * How long a claim lasts without an answer. Short, so that an API process dying mid-request
   * leaves the key usable again soon rather than answering 409 for a day.
   */
  pendingTtlSeconds?: number;
}

const MAX_KEY_LENGTH = 255;
/** The answer headers a replay must repeat for the client to act the same way. */
const REPLAYED_HEADERS = ['location', 'retry-after', 'content-type'] as const;

/**
 * Settles a claim only if it is still this request's (its token matches): a claim that expired
 * and was taken by a retry must not be overwritten or released by the original request.
 * KEYS[1] the record; ARGV[1] token; ARGV[2] the answer record, or '' to release; ARGV[3] TTL (s).
 * Returns 1 when settled, 0 when the claim was no longer ours.
 */
const SETTLE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, record = pcall(cjson.decode, current)
if not ok or record.token ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return 1
`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * `Idempotency-Key` on every POST: the same key and body replay the first answer (status, headers,
 * body, plus `idempotent-replayed: true`); the same key with another body is 422; a key whose first
 * request is still running is 409. A first request that fails (4xx/5xx) releases the key, so the
 * client can fix the request and retry with the same key.
 */
export function registerIdempotency(app: FastifyInstance, options: IdempotencyOptions): void {
  const { redis } = options;
  const ttlSeconds = options.ttlSeconds ?? 86_400;
  const pendingTtlSeconds = options.pendingTtlSeconds ?? 60;
  const root = `${hashTaggedPrefix(options.prefix)}:idem`;

  app.decorateRequest('idempotency', null);

  // Callback hooks around async work: nearly every request has no key, and then they cost no promise.
  app.addHook('preHandler', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (request.method !== 'POST' || request.headers['idempotency-key'] === undefined) return done();
    claimOrReplay(request, reply).then((replayed) => {
      // A replayed answer has been sent: the route must not run.
      if (!replayed) done();
    }, done);
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const claim = request.idempotency;
    if (!claim) return done(null, payload);
    request.idempotency = null;
    void settle(request, reply, claim, payload).then(() => done(null, payload));
  });

  /** Claims the key for this request, or answers for it (true) with the first request's answer. */
  async function claimOrReplay(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const key = idempotencyKeyOf(request);
    if (key === undefined) return false;
    const redisKey = `${root}:${request.tenant}:${sha256(key)}`;
    // The route is part of what is hashed: the same key sent to another endpoint is a different request.
    const bodyHash = sha256(`${request.method} ${request.routeOptions.url}\n${canonicalJson(request.body)}`);

    // A claim released between our SET and GET is simply claimed again.
    for (let round = 0; round < 3; round++) {
      const token = randomUUID();
      const pending: IdempotencyRecord = { state: 'pending', bodyHash, token };
      const claimed = await redis.set(redisKey, JSON.stringify(pending), 'EX', pendingTtlSeconds, 'NX');
      if (claimed === 'OK') {
        request.idempotency = { redisKey, token, bodyHash };
        return false;
      }
      const existing = parseRecord(await redis.get(redisKey));
      if (!existing) continue;
      if (existing.bodyHash !== bodyHash) {
        throw new ApiError(
          'idempotency_key_reused',
          'This Idempotency-Key was already used with a different request; use a new key for a new request.',
        );
      }
      if (existing.state === 'pending') {
        throw new ApiError(
          'idempotency_in_progress',
          'The first request with this Idempotency-Key has not finished; retry shortly.',
          undefined,
          { 'retry-after': '1' },
        );
      }
      replay(reply, existing);
      return true;
    }
    throw new ApiError(
      'idempotency_in_progress',
      'This Idempotency-Key is contended; retry shortly.',
      undefined,
      {
        'retry-after': '1',
      },
    );
  }

  /** Keeps the answer for replays (or releases the key after a failure), if the claim is still ours. */
  async function settle(
    request: FastifyRequest,
    reply: FastifyReply,
    claim: IdempotencyClaim,
    payload: unknown,
  ): Promise<void> {
    const succeeded = reply.statusCode < 400 && typeof payload === 'string';
    let record = '';
    if (succeeded) {
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      const done: IdempotencyRecord = {
        state: 'done',
        bodyHash: claim.bodyHash,
        token: claim.token,
        status: reply.statusCode,
        headers,
        body: payload,
      };
      record = JSON.stringify(done);
    }
    try {
      await redis.eval(SETTLE_SCRIPT, 1, claim.redisKey, claim.token, record, ttlSeconds);
    } catch (err) {
      // The request itself succeeded or failed already; the claim expires on its own shortly.
      request.log.warn({ err }, 'could not settle the Idempotency-Key');
    }
  }
}

function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header.join(', ') : header;
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !/^[\x20-\x7e]+$/.test(key)) {
    throw new ApiError(
      'validation_failed',
      `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} printable ASCII characters.`,
      [{ field: 'Idempotency-Key', message: `must be 1 to ${MAX_KEY_LENGTH} printable ASCII characters` }],
    );
  }
  return key;
}

function parseRecord(text: string | null): IdempotencyRecord | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as IdempotencyRecord;
  } catch {
    return null;
  }
}

function replay(reply: FastifyReply, record: IdempotencyRecord): FastifyReply {
  return reply
    .status(record.status ?? 200)
    .headers(record.headers ?? {})
    .header('idempotent-replayed', 'true')
    .send(record.body ?? '');
}
