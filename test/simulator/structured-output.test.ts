import { createSimulator, type Simulator } from '@spillway/simulator';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const PlanSchema = z.object({
  summary: z.string().min(1),
  items: z
    .array(
      z.object({
        start: z.string().regex(HHMM),
        end: z.string().regex(HHMM),
        task: z.string().min(1),
        priority: z.enum(['high', 'medium', 'low']),
      }),
    )
    .min(1),
});
const CoachingSchema = z.object({
  strengths: z.array(z.string().min(1)).min(1).max(3),
  issues: z.array(z.string().min(1)).min(1).max(3),
  improvements: z.array(z.string().min(1)).min(1).max(3),
  energyTips: z.array(z.string().min(1)).min(1).max(3),
});

let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function client(): Promise<OpenAI> {
  sim = await createSimulator({ models: { m: { dialect: 'openai' } } });
  return new OpenAI({ baseURL: sim.url, apiKey: 'test', maxRetries: 0 });
}

async function structured(
  c: OpenAI,
  name: string,
  schema: z.ZodType,
  user: string,
  system?: string,
): Promise<unknown> {
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: user }];
  if (system) messages.unshift({ role: 'system', content: system });
  const completion = await c.chat.completions.create({
    model: 'm',
    messages,
    response_format: {
      type: 'json_schema',
      json_schema: { name, schema: z.toJSONSchema(schema), strict: true },
    },
  });
  return JSON.parse(completion.choices[0]?.message.content ?? 'null');
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

describe('structured plan output', () => {
  it('satisfies the plan schema and schedules the described tasks back to back from 09:00', async () => {
    const c = await client();
    const plan = PlanSchema.parse(
      await structured(
        c,
        'plan',
        PlanSchema,
        'Description: I need to finish the quarterly report, call the dentist and pick up the kids. Then go for a 30 min run.',
        'You plan days. Answer with JSON only.',
      ),
    );
    expect(plan.items.map((i) => i.task)).toEqual([
      'Finish the quarterly report',
      'Call the dentist',
      'Pick up the kids',
      'Go for a 30 min run',
    ]);
    expect(plan.items[0]!.start).toBe('09:00');
    expect(plan.items[0]!.priority).toBe('high');
    expect(plan.items[3]!.end).toBe(`${plan.items[3]!.start.slice(0, 3)}30`);
    for (const [i, item] of plan.items.entries()) {
      expect(minutes(item.end)).toBeGreaterThan(minutes(item.start));
      if (i > 0) expect(item.start).toBe(plan.items[i - 1]!.end);
    }
    expect(plan.summary).toContain('finish the quarterly report');
  });

  it('keeps between three and eight items whatever the description holds', async () => {
    const c = await client();
    const short = PlanSchema.parse(await structured(c, 'plan', PlanSchema, 'Write the essay'));
    expect(short.items).toHaveLength(3);
    expect(short.items[0]!.task).toBe('Write the essay');
    const long = PlanSchema.parse(
      await structured(
        c,
        'plan',
        PlanSchema,
        'Email Ann, email Bob, call Cy, fix the bike, bake bread, walk the dog, read, tidy up, nap',
      ),
    );
    expect(long.items).toHaveLength(8);
    expect(minutes(long.items[7]!.end)).toBeLessThan(24 * 60);
  });

  it('keeps the times and durations the description states, keeps task text whole, and fits the rest around them', async () => {
    const c = await client();
    const plan = PlanSchema.parse(
      await structured(
        c,
        'plan',
        PlanSchema,
        '<description>\nWrite the quarterly report, gym at noon, 1:1 with manager, dentist at 15:00, deep work 9-11, call mum for 30 min\n</description>',
      ),
    );
    const slots = plan.items.map((i) => `${i.start}-${i.end} ${i.task}`);
    expect(slots).toEqual([
      '09:00-11:00 Deep work 9-11',
      '11:00-12:00 Write the quarterly report',
      '12:00-13:00 Gym at noon',
      '13:00-14:00 1:1 with manager',
      '14:00-14:30 Call mum for 30 min',
      '15:00-16:00 Dentist at 15:00',
    ]);
  });

  it('reads stated times as people write them: am/pm, ranges sharing pm, "until", and bare 24-hour times', async () => {
    const c = await client();
    const plan = PlanSchema.parse(
      await structured(
        c,
        'plan',
        PlanSchema,
        'Deep work until noon; team sync 2-3pm; lunch with Sam at 12:30; standup 08:45 for 15 min; gym at 6',
      ),
    );
    expect(plan.items.map((i) => `${i.start}-${i.end} ${i.task}`)).toEqual([
      '08:45-09:00 Standup 08:45 for 15 min',
      '09:00-12:00 Deep work until noon',
      '12:30-13:30 Lunch with Sam at 12:30',
      '14:00-15:00 Team sync 2-3pm',
      '18:00-19:00 Gym at 6',
    ]);
  });

  it('falls back to a generic but valid answer when the plan schema asks for more than plans carry', async () => {
    const c = await client();
    const Extended = PlanSchema.extend({ date: z.iso.date(), mood: z.enum(['calm', 'busy']) });
    const answer = Extended.parse(await structured(c, 'plan', Extended, 'Finish the report, call Sam'));
    expect(answer.mood).toBe('calm');
  });
});

describe('structured coaching output', () => {
  it('satisfies the coaching schema and mentions the tasks of the plan in the prompt', async () => {
    const c = await client();
    const plan = {
      summary: 'Two tasks',
      items: [
        { start: '09:00', end: '10:30', task: 'Draft the budget', priority: 'high' },
        { start: '10:30', end: '11:00', task: 'Reply to emails', priority: 'low' },
      ],
    };
    const coaching = CoachingSchema.parse(
      await structured(c, 'coaching', CoachingSchema, `Review this plan:\n${JSON.stringify(plan)}`),
    );
    const text = Object.values(coaching).flat().join(' ');
    expect(text).toContain('Draft the budget');
    expect(text).toContain('Reply to emails');
  });
});

describe('generic structured output', () => {
  it('is valid for any other schema name', async () => {
    const c = await client();
    const Invoice = z.object({
      id: z.uuid(),
      issued: z.iso.date(),
      lines: z
        .array(z.object({ label: z.string().max(20), cents: z.number().int().min(100).max(500) }))
        .min(3),
      status: z.union([z.literal('draft'), z.literal('sent')]),
      note: z.string().nullable(),
    });
    const invoice = Invoice.parse(await structured(c, 'invoice', Invoice, 'anything'));
    expect(invoice.lines).toHaveLength(3);
  });
});

describe('unstructured output', () => {
  it('answers plain text without a response_format, with usage counted at four characters a token', async () => {
    const c = await client();
    const completion = await c.chat.completions.create({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'How do I start?' },
      ],
    });
    const content = completion.choices[0]!.message.content!;
    expect(content).toContain('How do I start?');
    expect(() => JSON.parse(content)).toThrow();
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toEqual({
      prompt_tokens: Math.ceil('Be brief.How do I start?'.length / 4),
      completion_tokens: Math.ceil(content.length / 4),
      total_tokens: Math.ceil('Be brief.How do I start?'.length / 4) + Math.ceil(content.length / 4),
    });
  });
});
