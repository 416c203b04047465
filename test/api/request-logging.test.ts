import { createLogger } from '@spillway/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lazyRequestLogger } from '../../apps/api/src/request-logger.js';
import { type Stack, startStack } from '../support/stack.js';

/** A pino logger at `level` whose lines land in `lines`, parsed. */
function capturedLogger(level: 'info' | 'warn') {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level, destination: { write: (line) => lines.push(JSON.parse(line)) } });
  return { logger, lines };
}

const makeRequestLogger = (logger: ReturnType<typeof createLogger>, bindings = { reqId: 'req-7' }) =>
  // The factory is called with the server as `this`; it does not use it.
  lazyRequestLogger.call(undefined as never, logger, bindings, {}, undefined as never);

describe("a request's logger", () => {
  it('makes no pino child while nothing is written at an enabled level', () => {
    const { logger, lines } = capturedLogger('warn');
    const child = vi.spyOn(logger, 'child');
    const log = makeRequestLogger(logger);
    log.info({ x: 1 }, 'dropped');
    log.debug('dropped too');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    expect(log.level).toBe('warn');
  });

  it('writes enabled lines with the request id bound, objects first and secrets redacted', () => {
    const { logger, lines } = capturedLogger('info');
    const log = makeRequestLogger(logger);
    log.info({ authorization: 'Bearer sk-secret-0123456789' }, 'first');
    log.error({ err: new Error('boom') }, 'second');
    expect(lines).toMatchObject([
      { level: 30, reqId: 'req-7', msg: 'first', authorization: '[redacted]' },
      { level: 50, reqId: 'req-7', msg: 'second', err: { message: 'boom' } },
    ]);
  });

  it('gives children that carry the request id and their own bindings, and honours a level set on it', () => {
    const { logger, lines } = capturedLogger('info');
    const log = makeRequestLogger(logger);
    log.child({ jobId: 'job_1' }).info('from a child');
    log.level = 'error';
    log.warn('now dropped');
    expect(lines).toMatchObject([{ reqId: 'req-7', jobId: 'job_1', msg: 'from a child' }]);
    expect(lines).toHaveLength(1);
  });
});

describe("a route's own log level", () => {
  it('is honoured from the first line: such a route gets its child at once, not the lazy one', () => {
    const { logger, lines } = capturedLogger('info');
    const log = lazyRequestLogger.call(
      undefined as never,
      logger,
      { reqId: 'req-8' },
      { level: 'debug' },
      undefined as never,
    );
    log.debug('a debug line of a route at debug');
    expect(lines).toMatchObject([{ level: 20, reqId: 'req-8', msg: 'a debug line of a route at debug' }]);
  });
});

describe('request logs of the API', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('at info, name each request by its reqId, from arrival to answer', async () => {
    const lines: Array<Record<string, unknown>> = [];
    stack = await startStack({
      logLevel: 'info',
      logStream: { write: (line) => lines.push(JSON.parse(line)) },
    });
    const response = await stack.request('POST', '/v1/plans', { description: 'Logged plan' });
    expect(response.status).toBe(202);
    await expect
      .poll(() => lines.filter((l) => l.msg === 'request completed' && l.reqId).length)
      .toBeGreaterThan(0);
    const incoming = lines.find(
      (l) => l.msg === 'incoming request' && (l.req as { url?: string }).url === '/v1/plans',
    );
    expect(incoming?.reqId).toEqual(expect.any(String));
    const completed = lines.find((l) => l.msg === 'request completed' && l.reqId === incoming?.reqId);
    expect(completed).toMatchObject({ res: { statusCode: 202 } });
  });
});
