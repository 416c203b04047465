import { CandidateOrders, type Instance, orderCandidates } from '@spillway/core';
import { describe, expect, it } from 'vitest';
import { instance } from '../support/instances.js';

/**
 * Candidate order (DESIGN.md "Choice order"), the pure part of the choice: which instances a job may
 * use and in which tiers. No Redis: the Lua choice works on these lists (test/pool/choice-rules).
 * Instances are built inside each test, so every line of candidates.ts is reached from a test of
 * its own (Stryker then runs only the tests that reach a mutant).
 */
const idsAndTiers = (list: ReturnType<typeof orderCandidates>) => list.map((c) => [c.instance.id, c.tier]);

describe('orderCandidates', () => {
  const fleet = () => {
    const current = instance('g1', 'llama', {}, { type: 'groq', free: false });
    const sameModel = instance('g2', 'llama', {}, { type: 'groq', free: false });
    const sameType = instance('g1', 'mixtral', {}, { type: 'groq', free: false });
    const freeOther = instance('c1', 'qwen', {}, { type: 'cerebras', free: true });
    const paidOther = instance('o1', 'gpt', {}, { type: 'openai', free: false });
    return { current, sameModel, sameType, freeOther, paidOther };
  };

  it('tiers by the job current instance: same model, same type, free of another type, anything else', () => {
    const { current, sameModel, sameType, freeOther, paidOther } = fleet();
    const list = orderCandidates([paidOther, freeOther, sameType, sameModel, current], current);
    expect(idsAndTiers(list)).toEqual([
      ['g1/llama', 0],
      ['g2/llama', 0],
      ['g1/mixtral', 1],
      ['c1/qwen', 2],
      ['o1/gpt', 3],
    ]);
  });

  it('without a current instance or a pinned model, every instance is one tier, ordered by id', () => {
    const { current, sameType, freeOther, paidOther } = fleet();
    expect(idsAndTiers(orderCandidates([paidOther, current, freeOther, sameType], null))).toEqual([
      ['c1/qwen', 0],
      ['g1/llama', 0],
      ['g1/mixtral', 0],
      ['o1/gpt', 0],
    ]);
  });

  it('a pinned model anchors the tiers on its instances when the job has no current one', () => {
    const { sameModel, sameType, freeOther, paidOther } = fleet();
    const list = orderCandidates([paidOther, freeOther, sameType, sameModel], null, {
      model: 'llama',
      fallback: 'any',
    });
    expect(idsAndTiers(list)).toEqual([
      ['g2/llama', 0],
      ['g1/mixtral', 1],
      ['c1/qwen', 2],
      ['o1/gpt', 3],
    ]);
  });

  it('a pinned model keeps to its own instances, across credentials, unless fallback is any', () => {
    const { current, sameModel, sameType } = fleet();
    const all = [current, sameModel, sameType];
    expect(idsAndTiers(orderCandidates(all, null, { model: 'llama' }))).toEqual([
      ['g1/llama', 0],
      ['g2/llama', 0],
    ]);
    expect(idsAndTiers(orderCandidates(all, null, { model: 'llama', fallback: 'same-model' }))).toEqual([
      ['g1/llama', 0],
      ['g2/llama', 0],
    ]);
  });

  it('after "request too large", keeps only models with a strictly larger context window', () => {
    const small = instance('p', 'small', {}, { contextWindow: 8_000 });
    const same = instance('p', 'same', {}, { contextWindow: 32_000 });
    const large = instance('p', 'large', {}, { contextWindow: 128_000 });
    const unknown = instance('p', 'unknown');
    const list = orderCandidates([small, same, large, unknown], small, { largerThanContext: 32_000 });
    expect(list.map((c) => c.instance.id)).toEqual(['p/large']);
    // Without the routing, nobody is left out (an instance of unknown window included).
    expect(orderCandidates([small, same, large, unknown], small)).toHaveLength(4);
  });

  it('skips the instances the job cannot use', () => {
    const { current, sameModel, sameType } = fleet();
    const list = orderCandidates([current, sameModel, sameType], current, {
      exclude: new Set(['g2/llama']),
    });
    expect(list.map((c) => c.instance.id)).toEqual(['g1/llama', 'g1/mixtral']);
  });
});

describe('CandidateOrders', () => {
  const instances = (): Instance[] => [
    instance('g1', 'llama', {}, { type: 'groq', free: false, contextWindow: 8_000 }),
    instance('g1', 'mixtral', {}, { type: 'groq', free: false, contextWindow: 32_000 }),
    instance('o1', 'gpt', {}, { type: 'openai', free: false, contextWindow: 128_000 }),
  ];

  it('gives jobs routed alike the same list, worked out once', () => {
    const list = instances();
    const orders = new CandidateOrders(list);
    const first = orders.for(list[0]!, {});
    expect(orders.for(list[0]!, {})).toBe(first);
    expect(orders.for({ model: 'llama', type: 'groq' })).toBe(first);
    expect(first).toEqual(orderCandidates(list, list[0]!));
    // An empty exclusion set excludes nothing: the same shape.
    expect(orders.for(list[0]!, { exclude: new Set() })).toBe(first);
  });

  it('keeps every routing shape apart: anchor model and type, pinned model, fallback, context', () => {
    const list = instances();
    const orders = new CandidateOrders(list);
    const shapes: Array<[Parameters<CandidateOrders['for']>[0], Parameters<CandidateOrders['for']>[1]]> = [
      [null, {}],
      [{ model: 'llama', type: 'groq' }, {}],
      [{ model: 'llama', type: 'openai' }, {}],
      [{ model: 'gpt', type: 'groq' }, {}],
      [null, { model: 'mixtral' }],
      [null, { model: 'mixtral', fallback: 'any' }],
      [{ model: 'llama', type: 'groq' }, { largerThanContext: 8_000 }],
    ];
    const lists = shapes.map(([current, routing]) => orders.for(current, routing));
    for (const [index, [current, routing]] of shapes.entries()) {
      expect(lists[index], JSON.stringify([current, routing])).toEqual(
        orderCandidates(list, current, routing),
      );
      // Asked again after the others: still remembered.
      expect(orders.for(current, routing)).toBe(lists[index]);
    }
  });

  it('does not remember a list that leaves instances out for one job', () => {
    const list = instances();
    const orders = new CandidateOrders(list);
    const everyone = orders.for(null);
    const withoutGpt = orders.for(null, { exclude: new Set(['o1/gpt']) });
    expect(withoutGpt.map((c) => c.instance.id)).toEqual(['g1/llama', 'g1/mixtral']);
    expect(orders.for(null, { exclude: new Set(['o1/gpt']) })).not.toBe(withoutGpt);
    expect(orders.for(null)).toBe(everyone);
    expect(everyone).toHaveLength(3);
  });

  it('forgets every shape once it holds a thousand, so it cannot grow without end', () => {
    const list = instances();
    const orders = new CandidateOrders(list);
    const shape = (n: number) => orders.for(null, { largerThanContext: n });
    const first = shape(0);
    for (let n = 1; n < 1000; n++) shape(n);
    // A thousand shapes held: all still remembered.
    expect(shape(0)).toBe(first);
    // The thousand-and-first starts afresh: the first is worked out again (equal, not the same).
    shape(1000);
    const again = shape(0);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
