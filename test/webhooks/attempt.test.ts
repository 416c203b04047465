import type { AddressInfo } from 'node:net';
import { createServer, Socket } from 'node:net';
import { Secret } from '@spillway/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { attemptDelivery, USER_AGENT } from '../../apps/worker/src/webhooks/index.js';
import { type AddressResolver, checkCallbackUrl } from '../../packages/core/src/webhooks/index.js';
import { type Receiver, signatureMatches, startReceiver, verifyWithLibrary } from './receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const body = JSON.stringify({
  type: 'job.completed',
  timestamp: new Date().toISOString(),
  data: { id: 'job_1' },
});

function resolverFor(address: string) {
  const calls: string[] = [];
  const resolve: AddressResolver = async (host) => {
    calls.push(host);
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  return { resolve, calls };
}

/** Records every outgoing TCP connect; `passThrough` off turns each into an error instead. */
function spyOnConnect(passThrough: boolean) {
  const original = Socket.prototype.connect;
  return vi.spyOn(Socket.prototype, 'connect').mockImplementation(function (
    this: Socket,
    ...args: unknown[]
  ) {
    if (!passThrough) throw new Error('test: connect attempted');
    return (original as (...a: unknown[]) => Socket).apply(this, args);
  });
}

describe('one delivery attempt', () => {
  let receiver: Receiver | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await receiver?.close();
    receiver = undefined;
  });

  it.each([
    ['10.0.0.1'],
    ['169.254.169.254'],
    ['fd00:ec2::254'],
    ['::ffff:10.0.0.1'],
    ['127.0.0.1'],
  ])('refuses a name that resolves to %s before any connection is attempted', async (address) => {
    receiver = await startReceiver();
    const port = new URL(receiver.url).port;
    const { resolve } = resolverFor(address);
    const connect = spyOnConnect(false);
    const outcome = await attemptDelivery(
      { url: `http://hooks.example.test:${port}/hooks`, webhookId: 'msg_1', body, now: Date.now() },
      { secret: new Secret(SECRET), allowPrivate: false, resolve },
    );
    expect(outcome).toMatchObject({ kind: 'refused' });
    expect(connect).not.toHaveBeenCalled();
    expect(receiver.connections()).toBe(0);
  });

  it('sees a connection with the same spy when the address is allowed (the spy is live)', async () => {
    receiver = await startReceiver();
    const port = new URL(receiver.url).port;
    const { resolve } = resolverFor('127.0.0.1');
    const connect = spyOnConnect(true);
    const outcome = await attemptDelivery(
      { url: `http://hooks.example.test:${port}/hooks`, webhookId: 'msg_1', body, now: Date.now() },
      { secret: new Secret(SECRET), allowPrivate: true, resolve },
    );
    expect(outcome).toEqual({ kind: 'delivered', status: 204 });
    expect(connect).toHaveBeenCalledTimes(1);
    expect(receiver.connections()).toBe(1);
  });

  it('checks DNS again at delivery: a name accepted at submission that now resolves privately is refused', async () => {
    const answers = ['93.184.216.34', '10.0.0.7'];
    const resolve: AddressResolver = async () => [{ address: answers.shift()!, family: 4 }];
    const url = 'https://rebind.example.test/hooks';
    expect(await checkCallbackUrl(url, { allowPrivate: false, resolve })).toMatchObject({ ok: true });
    const connect = spyOnConnect(false);
    const outcome = await attemptDelivery(
      { url, webhookId: 'msg_1', body, now: Date.now() },
      { secret: new Secret(SECRET), allowPrivate: false, resolve },
    );
    expect(outcome).toMatchObject({ kind: 'refused', reason: expect.stringContaining('10.0.0.7') });
    expect(connect).not.toHaveBeenCalled();
  });

  it('connects to the vetted address instead of asking DNS again (a .invalid name only the guard can resolve)', async () => {
    receiver = await startReceiver();
    const port = new URL(receiver.url).port;
    const { resolve, calls } = resolverFor('127.0.0.1');
    const now = Date.now();
    const outcome = await attemptDelivery(
      { url: `http://receiver.invalid:${port}/hooks?token=t1`, webhookId: 'msg_pin', body, now },
      { secret: new Secret(SECRET), allowPrivate: true, resolve },
    );
    expect(outcome).toEqual({ kind: 'delivered', status: 204 });
    expect(calls).toEqual(['receiver.invalid']);
    const [request] = receiver.received;
    expect(request).toMatchObject({ path: '/hooks?token=t1', body });
    expect(request?.headers).toMatchObject({
      host: `receiver.invalid:${port}`,
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': 'msg_pin',
      'webhook-timestamp': String(Math.floor(now / 1000)),
    });
    expect(verifyWithLibrary(SECRET, request!)).toEqual(JSON.parse(body));
    expect(signatureMatches(SECRET, request!)).toBe(true);
  });

  it('gives up on a receiver that does not answer within the timeout, as a retry', async () => {
    const silent = createServer(() => {}); // accepts, never answers
    const sockets = new Set<Socket>();
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    try {
      const outcome = await attemptDelivery(
        { url: `http://127.0.0.1:${port}/`, webhookId: 'msg_1', body, now: Date.now() },
        { secret: new Secret(SECRET), allowPrivate: true, timeoutMs: 150 },
      );
      expect(outcome).toEqual({ kind: 'retry', reason: 'timeout after 150 ms' });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('retries, rather than refuses, a host that does not resolve right now', async () => {
    const resolve: AddressResolver = async () => {
      throw Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' });
    };
    const outcome = await attemptDelivery(
      { url: 'https://flaky-dns.example.test/', webhookId: 'msg_1', body, now: Date.now() },
      { secret: new Secret(SECRET), allowPrivate: false, resolve },
    );
    expect(outcome).toMatchObject({ kind: 'retry', reason: expect.stringContaining('EAI_AGAIN') });
  });

  it.each([
    [200, {}, { kind: 'delivered', status: 200 }],
    [299, {}, { kind: 'delivered', status: 299 }],
    [410, {}, { kind: 'gone', status: 410 }],
    [
      301,
      { location: 'http://127.0.0.1:1/' },
      { kind: 'retry', status: 301, reason: 'redirect (301) not followed' },
    ],
    [500, {}, { kind: 'retry', status: 500, reason: 'HTTP 500' }],
    [429, { 'retry-after': '7' }, { kind: 'retry', status: 429, retryAfterMs: 7000 }],
    [429, {}, { kind: 'retry', status: 429, reason: 'HTTP 429' }],
    [503, { 'retry-after': '2' }, { kind: 'retry', status: 503, retryAfterMs: 2000 }],
  ])('reads HTTP %i %j as %j', async (status, headers, expected) => {
    receiver = await startReceiver(() => ({ status, headers }));
    const outcome = await attemptDelivery(
      { url: receiver.url, webhookId: 'msg_1', body, now: Date.now() },
      { secret: new Secret(SECRET), allowPrivate: true },
    );
    expect(outcome).toMatchObject(expected);
  });
});
