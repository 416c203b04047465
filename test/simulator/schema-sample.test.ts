import { sampleFromSchema, schemaProblems } from '@spillway/simulator';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/** The sampler's promise: whatever zod schema, the sample parses with that same schema. */
function roundTrips(schema: z.ZodType): unknown {
  const json = z.toJSONSchema(schema);
  const value = sampleFromSchema(json);
  expect(schemaProblems(json, value)).toEqual([]);
  return schema.parse(value);
}

describe('sampleFromSchema', () => {
  it('fills objects, arrays, enums and bounded numbers', () => {
    roundTrips(
      z.object({
        name: z.string().min(12).max(14),
        tags: z
          .array(z.enum(['a', 'b']))
          .min(4)
          .max(5),
        score: z.number().gt(10).lt(11),
        count: z.number().int().min(-5).max(-3),
        step: z.number().int().multipleOf(7).min(20),
        active: z.boolean(),
        optional: z.string().optional(),
      }),
    );
  });

  it('writes HH:MM, dates, times and the common string formats', () => {
    const value = roundTrips(
      z.object({
        at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
        day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
        isoDay: z.iso.date(),
        stamp: z.iso.datetime(),
        email: z.email(),
        link: z.url(),
        id: z.uuid(),
      }),
    ) as { at: string; day: string };
    expect(value.at).toBe('09:00');
    expect(value.day).toBe('2026-11-22');
  });

  it('handles unions, nullables, literals, tuples, records and intersections', () => {
    roundTrips(
      z.object({
        either: z.union([z.number(), z.string()]),
        maybe: z.string().nullable(),
        fixed: z.literal('exact'),
        pair: z.tuple([z.string(), z.number().int()]),
        lookup: z.record(z.string(), z.number()),
        both: z.intersection(z.object({ a: z.string() }), z.object({ b: z.number() })),
      }),
    );
  });

  it('ends recursive schemas that go through $defs', () => {
    interface Node {
      label: string;
      children: Node[];
    }
    const Node: z.ZodType<Node> = z.object({
      label: z.string(),
      get children() {
        return z.array(Node);
      },
    });
    const tree = roundTrips(z.object({ root: Node })) as { root: Node };
    expect(tree.root.children.length).toBeGreaterThan(0);
  });
});

describe('schemaProblems', () => {
  it('names missing fields, wrong types, patterns and extra keys', () => {
    const json = z.toJSONSchema(
      z.object({ at: z.string().regex(/^\d\d:\d\d$/), n: z.number().int() }).strict(),
    );
    expect(schemaProblems(json, { at: '09:00', n: 1 })).toEqual([]);
    expect(schemaProblems(json, { at: '9am' })).toEqual([
      '$.n: required',
      '$.at: must match ^\\d\\d:\\d\\d$',
    ]);
    expect(schemaProblems(json, { at: '09:00', n: 1.5 })).toEqual(['$.n: must be "integer"']);
    expect(schemaProblems(json, { at: '09:00', n: 1, extra: true })).toEqual([
      '$.extra: no value is allowed',
    ]);
  });
});
