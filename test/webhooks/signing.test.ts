import { Secret } from '@spillway/core';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  generateWebhookSecret,
  signWebhook,
  webhookHeaders,
  webhookId,
  webhookPayload,
} from '../../packages/core/src/webhooks/index.js';

// The example from the Standard Webhooks specification and its reference libraries.
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SPEC_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const SPEC_TIMESTAMP = 1614265330;
const SPEC_BODY = '{"test": 2432232314}';
const SPEC_SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

describe('webhook signing', () => {
  it('produces the signature of the Standard Webhooks example', () => {
    expect(signWebhook(new Secret(SPEC_SECRET), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)).toBe(SPEC_SIGNATURE);
  });

  it('signs what the official library verifies, and the library refuses a changed body', () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify(webhookPayload('job.completed', { id: 'job_abc' }, Date.now()));
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders(secret, 'msg_job_abc_job_completed', now, body);
    expect(new Webhook(secret.reveal()).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() =>
      new Webhook(secret.reveal()).verify(body.replace('job_abc', 'job_xyz'), { ...headers }),
    ).toThrow();
  });

  it('generates whsec_ secrets of 32 random bytes that never print', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a.reveal()).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a.reveal().slice(6), 'base64')).toHaveLength(32);
    expect(a.reveal()).not.toBe(b.reveal());
    expect(JSON.stringify({ a })).not.toContain(a.reveal());
    expect(`${a}`).toBe('[redacted]');
  });

  it('names a webhook by subject and event, so retries and duplicates share one id', () => {
    expect(webhookId('job_abc', 'job.completed')).toBe('msg_job_abc_job_completed');
    expect(webhookId('job_abc', 'job.failed')).toBe('msg_job_abc_job_failed');
    expect(webhookId('batch_1', 'batch.completed')).toBe('msg_batch_1_batch_completed');
  });

  it('builds the documented body: type, ISO timestamp of the event, data', () => {
    expect(webhookPayload('job.failed', { id: 'job_1' }, Date.UTC(2026, 0, 2, 3, 4, 5))).toEqual({
      type: 'job.failed',
      timestamp: '2026-01-02T03:04:05.000Z',
      data: { id: 'job_1' },
    });
  });
});
