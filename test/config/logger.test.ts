import { Secret } from '@spillway/core';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../packages/core/src/logger.js';

function capture() {
  const lines: string[] = [];
  return {
    destination: { write: (line: string) => void lines.push(line) },
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => lines.join(''),
  };
}

describe('createLogger', () => {
  it('redacts every secret-bearing field before writing', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', name: 'test', destination: out.destination });
    const values = {
      apiKey: 'sk-top-level-apikey',
      key: 'tenant-key-value',
      secret: 'top-level-secret',
      webhookSecret: 'whsec_webhook_value',
      password: 'hunter2-password',
      authorization: 'Bearer top-level-bearer',
      instance: { apiKey: 'sk-nested-apikey', secret: 'nested-secret' },
      headers: { authorization: 'Bearer header-bearer' },
      req: { headers: { authorization: 'Bearer request-bearer' } },
    };
    logger.info(values, 'calling provider');
    const text = out.text();
    for (const leaked of [
      'sk-top-level-apikey',
      'tenant-key-value',
      'top-level-secret',
      'whsec_webhook_value',
      'hunter2-password',
      'top-level-bearer',
      'sk-nested-apikey',
      'nested-secret',
      'header-bearer',
      'request-bearer',
    ]) {
      expect(text).not.toContain(leaked);
    }
    const [record] = out.records();
    expect(record).toMatchObject({
      name: 'test',
      msg: 'calling provider',
      apiKey: '[redacted]',
      instance: { apiKey: '[redacted]', secret: '[redacted]' },
      req: { headers: { authorization: '[redacted]' } },
    });
  });

  it('keeps fields that are not secrets', () => {
    const out = capture();
    createLogger({ level: 'info', destination: out.destination }).info(
      { jobId: 'job-1', model: 'm-a' },
      'hello',
    );
    expect(out.records()[0]).toMatchObject({ jobId: 'job-1', model: 'm-a', msg: 'hello', level: 30 });
  });

  it('redacts in child loggers too', () => {
    const out = capture();
    const child = createLogger({ level: 'info', destination: out.destination }).child({ jobId: 'job-1' });
    child.warn({ apiKey: 'sk-child-apikey' }, 'rate limited');
    expect(out.text()).not.toContain('sk-child-apikey');
    expect(out.records()[0]).toMatchObject({ jobId: 'job-1', apiKey: '[redacted]' });
  });

  it('prints a Secret as [redacted] wherever it sits', () => {
    const out = capture();
    createLogger({ level: 'info', destination: out.destination }).info({
      config: { token: new Secret('s3cr3t-token') },
    });
    expect(out.text()).not.toContain('s3cr3t-token');
    expect(out.records()[0]).toMatchObject({ config: { token: '[redacted]' } });
  });

  it('serializes errors under err with type, message and stack', () => {
    const out = capture();
    createLogger({ level: 'info', destination: out.destination }).error(
      { err: new TypeError('boom') },
      'failed',
    );
    const err = out.records()[0]?.err as { type: string; message: string; stack: string } | undefined;
    expect(err).toMatchObject({ type: 'TypeError', message: 'boom' });
    expect(err?.stack).toContain('TypeError: boom');
  });

  it('drops records below its level', () => {
    const out = capture();
    const logger = createLogger({ level: 'warn', destination: out.destination });
    logger.info('quiet');
    logger.warn('loud');
    expect(out.records().map((record) => record.msg)).toEqual(['loud']);
  });
});
