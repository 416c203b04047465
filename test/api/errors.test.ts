import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.js';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: Array<{ field: string; message: string }>;
}

async function expectProblem(response: Response, status: number, code: string): Promise<Problem> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const problem = (await response.json()) as Problem;
  expect(problem).toMatchObject({ status, code, type: `/docs#problem-${code}` });
  expect(problem.detail).toEqual(expect.any(String));
  return problem;
}

describe('every mistake is answered as problem+json with a stable code', () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(async () => {
    await stack.close();
  });

  const raw = (method: string, path: string, body: string | undefined, contentType?: string) =>
    fetch(`${stack.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${stack.apiKey}`,
        ...(contentType ? { 'content-type': contentType } : {}),
      },
      body,
    });

  it('answers 405 with Allow for a known path and a wrong method, and 404 for an unknown path', async () => {
    const put = await expectProblem(
      await stack.request('PUT', '/v1/jobs/job_abcdefgh12', {}),
      405,
      'method_not_allowed',
    );
    expect(put.detail).toContain('PUT');
    const allow = (await stack.request('PATCH', '/v1/jobs/job_abcdefgh12')).headers.get('allow');
    expect(allow?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD']);

    const getPlans = await stack.request('GET', '/v1/plans');
    await expectProblem(getPlans, 405, 'method_not_allowed');
    expect(getPlans.headers.get('allow')).toBe('POST');

    const trailing = await stack.request('DELETE', '/v1/pool/');
    expect(trailing.status).toBe(405);

    await expectProblem(await stack.request('GET', '/v1/nothing-here'), 404, 'not_found');
    await expectProblem(await stack.request('GET', '/v1/jobs/job_abcdefgh12/extra'), 404, 'not_found');
  });

  it('answers 413 for a body over 256 KiB', async () => {
    const response = await stack.request('POST', '/v1/plans', { description: 'x'.repeat(300 * 1024) });
    await expectProblem(response, 413, 'payload_too_large');
  });

  it('answers 415 for a body that is not JSON', async () => {
    await expectProblem(
      await raw('POST', '/v1/plans', 'plan my day', 'text/plain'),
      415,
      'unsupported_media_type',
    );
    await expectProblem(
      await raw('POST', '/v1/plans', '<plan/>', 'application/xml'),
      415,
      'unsupported_media_type',
    );
  });

  it('answers 400 invalid_json for broken or empty JSON', async () => {
    await expectProblem(
      await raw('POST', '/v1/plans', '{"description": "a",', 'application/json'),
      400,
      'invalid_json',
    );
    await expectProblem(await raw('POST', '/v1/plans', '', 'application/json'), 400, 'invalid_json');
    // Prototype pollution attempts are refused as bad JSON, never merged into objects.
    await expectProblem(
      await raw('POST', '/v1/plans', '{"description":"a","__proto__":{"admin":true}}', 'application/json'),
      400,
      'invalid_json',
    );
  });

  it('says where a malformed JSON body goes wrong, by line and column', async () => {
    const body = '{\n  "description": "a day",\n  "deadlineSeconds": 60,,\n}';
    const problem = await expectProblem(
      await raw('POST', '/v1/plans', body, 'application/json'),
      400,
      'invalid_json',
    );
    expect(problem.detail).toBe(
      'The body is not valid JSON: unexpected character at line 3, column 25 (position 52).',
    );
    const cut = await expectProblem(
      await raw('POST', '/v1/plans', '{"description": "a",', 'application/json'),
      400,
      'invalid_json',
    );
    expect(cut.detail).toBe(
      'The body is not valid JSON: unexpected end of input at line 1, column 21 (position 20).',
    );
  });

  it('names the scheme rule for a callback URL that is not http or https', async () => {
    const ftp = await expectProblem(
      await stack.request('POST', '/v1/plans', {
        description: 'a day',
        callbackUrl: 'ftp://example.com/hook',
      }),
      400,
      'validation_failed',
    );
    expect(ftp.errors).toEqual([
      { field: 'callbackUrl', message: 'must use the http or https scheme, not ftp:' },
    ]);
    const junk = await expectProblem(
      await stack.request('POST', '/v1/plans', { description: 'a day', callbackUrl: 'not a url' }),
      400,
      'validation_failed',
    );
    expect(junk.errors).toEqual([{ field: 'callbackUrl', message: 'must be an absolute http or https URL' }]);
  });

  it('names the field for unknown fields, wrong types and bad values', async () => {
    const unknown = await expectProblem(
      await stack.request('POST', '/v1/plans', { description: 'a day', colour: 'blue' }),
      400,
      'validation_failed',
    );
    expect(unknown.errors).toEqual([expect.objectContaining({ field: 'colour' })]);

    const nested = await expectProblem(
      await stack.request('POST', '/v1/plans', {
        description: 'a day',
        coaching: { policy: 'same', tone: 'harsh' },
      }),
      400,
      'validation_failed',
    );
    expect(nested.errors?.map((e) => e.field)).toEqual(['coaching.tone']);

    const types = await expectProblem(
      await stack.request('POST', '/v1/plans', { description: 42, deadlineSeconds: 'soon' }),
      400,
      'validation_failed',
    );
    expect(types.errors?.map((e) => e.field).sort()).toEqual(['deadlineSeconds', 'description']);

    const notAnObject = await expectProblem(
      await stack.request('POST', '/v1/plans', ['a day']),
      400,
      'validation_failed',
    );
    expect(notAnObject.errors?.[0]?.field).toBe('(body)');

    const model = await expectProblem(
      await stack.request('POST', '/v1/plans', { description: 'a day', model: 'gpt-nonexistent' }),
      400,
      'unknown_model',
    );
    expect(model.errors?.[0]?.field).toBe('model');
  });

  it('validates the query string and names the parameter', async () => {
    const path = '/v1/jobs/job_abcdefgh12';
    const tooLong = await expectProblem(
      await stack.request('GET', `${path}?wait=31`),
      400,
      'validation_failed',
    );
    expect(tooLong.errors?.map((e) => e.field)).toEqual(['wait']);
    const notNumber = await expectProblem(
      await stack.request('GET', `${path}?wait=soon`),
      400,
      'validation_failed',
    );
    expect(notNumber.errors?.map((e) => e.field)).toEqual(['wait']);
    const unknown = await expectProblem(
      await stack.request('GET', `${path}?poll=1`),
      400,
      'validation_failed',
    );
    expect(unknown.errors?.map((e) => e.field)).toEqual(['poll']);
  });

  it('refuses an Idempotency-Key that is too long, naming the header', async () => {
    const response = await stack.request(
      'POST',
      '/v1/plans',
      { description: 'a day' },
      { 'idempotency-key': 'k'.repeat(256) },
    );
    const problem = await expectProblem(response, 400, 'validation_failed');
    expect(problem.errors?.map((e) => e.field)).toEqual(['Idempotency-Key']);
  });
});
