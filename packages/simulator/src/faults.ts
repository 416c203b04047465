import { z } from 'zod';

export const FAULT_KINDS = [
  'server_error',
  'hang',
  'malformed_json',
  'reset',
  'capacity',
  'overloaded',
  'insufficient_quota',
  'invalid_output',
  'rate_limit',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FaultRuleSchema = z.object({
  /** Only requests for this model; every model when omitted. */
  model: z.string().optional(),
  kind: z.enum(FAULT_KINDS),
  /** Only the next N matching requests; every one when omitted. */
  count: z.number().int().nonnegative().optional(),
  /** The chance each matching request is hit, in [0, 1]; always when omitted. */
  rate: z.number().min(0).max(1).optional(),
  /** server_error only: which 5xx; each dialect has its usual one otherwise. */
  status: z.union([z.literal(500), z.literal(502), z.literal(503)]).optional(),
  /** rate_limit only: the wait the forced 429 announces. */
  retryAfterMs: z.number().nonnegative().optional(),
});
export type FaultRule = z.infer<typeof FaultRuleSchema>;
export type FaultPlan = FaultRule[];

/** The plan as `POST /__sim/faults` accepts it: one rule or a list. */
export const FaultPlanSchema = z.union([
  z.array(FaultRuleSchema),
  FaultRuleSchema.transform((rule) => [rule]),
]);

/** Decides which fault, if any, a request gets; rules are tried in order and used up by `count`. */
export class FaultInjector {
  private rules: FaultRule[] = [];

  constructor(private readonly random: () => number) {}

  set(plan: FaultPlan): void {
    this.rules = plan.map((rule) => FaultRuleSchema.parse(rule));
  }

  clear(): void {
    this.rules = [];
  }

  next(model: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.model !== undefined && rule.model !== model) continue;
      if (rule.count === 0) continue;
      if (rule.rate !== undefined && this.random() >= rule.rate) continue;
      if (rule.count !== undefined) rule.count--;
      return rule;
    }
    return undefined;
  }
}

/**
 * The `x-sim-fault` request header: a kind (`hang`), or a JSON rule for the extra fields
 * (`{"kind":"server_error","status":502}`). Undefined for an absent header; throws on a bad one.
 */
export function faultFromHeader(value: string | undefined): FaultRule | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  return FaultRuleSchema.parse(text.startsWith('{') ? JSON.parse(text) : { kind: text });
}
