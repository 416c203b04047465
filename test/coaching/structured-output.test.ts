import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.js';
import { finished, submit } from './helpers.js';
import { type ScriptedProvider, startScriptedProvider, userText } from './scripted-provider.js';

const overlapping = JSON.stringify({
  summary: 'A busy day.',
  items: [
    { start: '09:00', end: '11:00', task: 'Write the report', priority: 'high' },
    { start: '10:30', end: '11:30', task: 'Call the bank', priority: 'medium' },
  ],
});
const sensible = JSON.stringify({
  summary: 'Report first, then the bank.',
  items: [
    { start: '09:00', end: '11:00', task: 'Write the report', priority: 'high' },
    { start: '11:00', end: '11:30', task: 'Call the bank', priority: 'medium' },
  ],
});

describe('structured output: prompts, validation and the one repair round', () => {
  let stack: Stack | undefined;
  let provider: ScriptedProvider | undefined;
  afterEach(async () => {
    await stack?.close();
    await provider?.close();
    stack = undefined;
    provider = undefined;
  });

  /** A stack whose only provider is the scripted one. */
  async function scripted(answers: string[]): Promise<Stack> {
    provider = await startScriptedProvider(answers);
    return startStack({
      providers: {
        providers: [
          {
            id: 'rec',
            type: 'openai-compatible',
            baseUrl: provider.baseUrl,
            apiKey: 'x',
            models: ['rec-model'],
          },
        ],
      },
    });
  }

  it('makes a plan of exactly the tasks the description names, whatever else the prompt says', async () => {
    stack = await startStack();
    const accepted = await submit(stack, '/v1/plans', {
      description: 'Write the quarterly report, gym at noon, call the bank',
      date: '2026-11-23',
    });
    const plan = await finished(stack, accepted.id);
    const items = (plan.result as { items: Array<{ task: string }> }).items;
    // In the day's order: "gym at noon" keeps its stated time, after the other two.
    expect(items.map((i) => i.task)).toEqual(['Write the quarterly report', 'Call the bank', 'Gym at noon']);
  });

  it('asks for json_schema output with the date, its weekday and the description set apart', async () => {
    stack = await scripted([sensible]);
    const accepted = await submit(stack, '/v1/plans', {
      description: 'Write the report, call the bank',
      date: '2026-11-23',
    });
    expect((await finished(stack, accepted.id)).status).toBe('completed');
    const [request] = provider!.requests;
    expect(request!.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'plan', strict: true },
    });
    const user = userText(request!);
    expect(user).toContain('2026-11-23 (Monday)');
    expect(user).toContain('<description>\nWrite the report, call the bank\n</description>');
  });

  it('repairs an answer that fails the sense check once, quoting the problem and the answer', async () => {
    stack = await scripted([overlapping, sensible]);
    const accepted = await submit(stack, '/v1/plans', { description: 'Write the report, call the bank' });
    const plan = await finished(stack, accepted.id);
    expect(plan.status).toBe('completed');
    expect(plan.result).toEqual(JSON.parse(sensible));
    expect(provider!.requests).toHaveLength(2);
    const repair = userText(provider!.requests[1]!);
    expect(repair).toContain('<description>\nWrite the report, call the bank\n</description>');
    expect(repair).toContain(`Your previous answer:\n${overlapping}`);
    expect(repair).toMatch(/items\.1\.start: overlaps "Write the report" \(09:00–11:00\)/);
    expect(plan.attempts.map((a) => a.outcome)).toEqual(['error', 'ok']);
    expect(plan.attempts[0]!.note).toMatch(
      /^answer failed validation: items\.1\.start: overlaps .*; repair requested$/,
    );
  });

  it('completes after one repair when the first answer breaks the schema (simulator invalid_output once)', async () => {
    stack = await startStack();
    stack.sim.setFaults([{ kind: 'invalid_output', count: 1 }]);
    const accepted = await submit(stack, '/v1/plans', { description: 'Email, write, gym' });
    const plan = await finished(stack, accepted.id);
    expect(plan.status).toBe('completed');
    expect(plan.attempts).toEqual([
      expect.objectContaining({
        model: 'sim-small',
        outcome: 'error',
        note: expect.stringMatching(/repair requested$/),
      }),
      expect.objectContaining({ model: 'sim-small', outcome: 'ok' }),
    ]);
    expect(stack.sim.stats()['sim-small']).toMatchObject({ faults: 1, accepted: 1 });
  });

  it('fails with invalid_output and keeps the raw answer when the repair fails too', async () => {
    stack = await startStack();
    stack.sim.setFaults([{ kind: 'invalid_output', count: 2 }]);
    const accepted = await submit(stack, '/v1/plans', { description: 'Email, write, gym' });
    const plan = await finished(stack, accepted.id);
    expect(plan.status).toBe('failed');
    expect(plan.error?.code).toBe('invalid_output');
    expect(plan.error?.message).toContain('failed validation twice');
    const raw = String(plan.error?.details?.raw);
    expect(raw.length).toBeGreaterThan(0);
    expect(plan.attempts.map((a) => [a.outcome, a.note?.endsWith('no repair left')])).toEqual([
      ['error', false],
      ['error', true],
    ]);
    expect(stack.sim.stats()['sim-small']).toMatchObject({ faults: 2, accepted: 0 });
  });

  it('gives coaching the plan as JSON with the description it came from', async () => {
    stack = await scripted([
      JSON.stringify({ strengths: ['Clear'], issues: [], improvements: [], energyTips: ['Walk'] }),
    ]);
    const plan = JSON.parse(overlapping) as Record<string, unknown>;
    const accepted = await submit(stack, '/v1/coaching', { plan, description: 'Report and bank' });
    const coaching = await finished(stack, accepted.id);
    expect(coaching.status).toBe('completed');
    const [request] = provider!.requests;
    expect(request!.response_format).toMatchObject({ json_schema: { name: 'coaching', strict: true } });
    const user = userText(request!);
    expect(user).toContain('<description>\nReport and bank\n</description>');
    expect(JSON.parse(user.slice(user.indexOf('{')))).toEqual(plan);
  });
});
