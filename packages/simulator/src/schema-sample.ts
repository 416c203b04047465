import { asSchema, numberOr, primaryType, resolveRef, type Schema, schemaList } from './json-schema.js';
import { schemaProblems } from './schema-check.js';

/**
 * A value valid against a JSON Schema, built without randomness so answers are reproducible.
 * Covers what zod 4 emits: objects, arrays and tuples, strings with enum/length/pattern/format,
 * numbers with bounds, booleans, const, anyOf/oneOf (the first branch), allOf, and local `$ref`s.
 */
export function sampleFromSchema(schema: unknown): unknown {
  return sample(asSchema(schema) ?? {}, { root: schema, depth: 0, hint: 'value' });
}

/** A value that fails the schema, for the `invalid_output` fault: a valid sample with a required field removed. */
export function sampleViolating(schema: unknown): unknown {
  const valid = sampleFromSchema(schema);
  const candidates: unknown[] = [];
  const root = asSchema(schema) ?? {};
  const required = Array.isArray(root.required) ? root.required : [];
  if (valid !== null && typeof valid === 'object' && !Array.isArray(valid) && required.length > 0) {
    const { [String(required[0])]: _dropped, ...rest } = valid as Record<string, unknown>;
    candidates.push(rest);
  }
  candidates.push({ unexpected: true }, 42, 'not what was asked for', null);
  return candidates.find((c) => schemaProblems(schema, c).length > 0) ?? { unexpected: true };
}

interface Context {
  root: unknown;
  depth: number;
  /** The property name the value is for, so plain strings read as what they stand for. */
  hint: string;
}

/** Past this depth optional parts are left out, so recursive schemas end. */
const SHALLOW_DEPTH = 6;
const MAX_DEPTH = 40;

function sample(schema: Schema, ctx: Context): unknown {
  if (ctx.depth > MAX_DEPTH) return null;
  const deeper = (s: Schema, hint = ctx.hint): unknown => sample(s, { ...ctx, depth: ctx.depth + 1, hint });
  if (typeof schema.$ref === 'string') {
    const { $ref, ...siblings } = schema;
    return deeper({ ...resolveRef($ref, ctx.root), ...siblings });
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const branches = schemaList(schema.anyOf ?? schema.oneOf);
  if (branches.length > 0) return deeper(branches[0]!);
  const parts = schemaList(schema.allOf);
  if (parts.length > 0) {
    const { allOf: _allOf, ...own } = schema;
    return deeper(mergeSchemas([own, ...parts]));
  }
  switch (primaryType(schema)) {
    case 'object':
      return sampleObject(schema, ctx, deeper);
    case 'array':
      return sampleArray(schema, ctx, deeper);
    case 'integer':
      return sampleNumber(schema, true);
    case 'number':
      return sampleNumber(schema, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return sampleString(schema, ctx.hint);
  }
}

type Deeper = (schema: Schema, hint?: string) => unknown;

function sampleObject(schema: Schema, ctx: Context, deeper: Deeper): Record<string, unknown> {
  const properties = asSchema(schema.properties) ?? {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(properties)) {
    if (required.has(key) || ctx.depth < SHALLOW_DEPTH) out[key] = deeper(asSchema(sub) ?? {}, key);
  }
  const extra = asSchema(schema.additionalProperties) ?? {};
  for (const key of required) if (!(key in out)) out[key] = deeper(extra, key);
  return out;
}

function sampleArray(schema: Schema, ctx: Context, deeper: Deeper): unknown[] {
  const prefix = schemaList(schema.prefixItems);
  const min = numberOr(schema.minItems, 0);
  const max = numberOr(schema.maxItems, Number.POSITIVE_INFINITY);
  const itemSchema = schema.items === false ? undefined : (asSchema(schema.items) ?? {});
  const wanted = ctx.depth < SHALLOW_DEPTH ? Math.max(min, Math.min(2, max)) : min;
  const length = itemSchema ? Math.max(wanted, prefix.length) : prefix.length;
  const singular = ctx.hint.endsWith('s') ? ctx.hint.slice(0, -1) : ctx.hint;
  return Array.from({ length }, (_, i) => deeper(prefix[i] ?? itemSchema ?? {}, `${singular} ${i + 1}`));
}

function sampleNumber(schema: Schema, integer: boolean): number {
  const step = integer ? 1 : 0.5;
  let low = numberOr(schema.minimum, Number.NEGATIVE_INFINITY);
  if (typeof schema.exclusiveMinimum === 'number') low = Math.max(low, schema.exclusiveMinimum + step);
  let high = numberOr(schema.maximum, Number.POSITIVE_INFINITY);
  if (typeof schema.exclusiveMaximum === 'number') high = Math.min(high, schema.exclusiveMaximum - step);
  let value = Math.min(Math.max(1, low), high);
  if (integer) value = Math.ceil(value) <= high ? Math.ceil(value) : Math.floor(value);
  const multipleOf = numberOr(schema.multipleOf, 0);
  if (multipleOf > 0) value = Math.ceil(value / multipleOf) * multipleOf;
  return value;
}

/** Values for the formats zod writes; also tried, in order, against any `pattern`. */
const FORMAT_SAMPLES: Record<string, string> = {
  time: '09:00:00',
  date: '2026-11-22',
  'date-time': '2026-11-22T09:00:00Z',
  email: 'sample@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '123e4567-e89b-42d3-a456-426614174000',
  duration: 'PT1H',
  ipv4: '127.0.0.1',
  ipv6: '::1',
};
const PATTERN_CANDIDATES = ['09:00', ...Object.values(FORMAT_SAMPLES), '1', 'a', 'A', 'sample'];

function sampleString(schema: Schema, hint: string): string {
  const formatted = typeof schema.format === 'string' ? FORMAT_SAMPLES[schema.format] : undefined;
  const pattern = compilePattern(schema.pattern);
  if (pattern) {
    const fit = [formatted, ...PATTERN_CANDIDATES].find((c) => c !== undefined && pattern.test(c));
    if (fit !== undefined) return fit;
  } else if (formatted !== undefined) {
    return formatted;
  }
  return fitLength(`Sample ${hint}`, numberOr(schema.minLength, 0), numberOr(schema.maxLength, Infinity));
}

function fitLength(text: string, min: number, max: number): string {
  let out = text;
  while (out.length < min) out += ' text';
  return out.slice(0, Math.max(min, Math.min(max, out.length)));
}

function compilePattern(pattern: unknown): RegExp | undefined {
  if (typeof pattern !== 'string') return undefined;
  try {
    return new RegExp(pattern, 'u');
  } catch {
    try {
      return new RegExp(pattern);
    } catch {
      return undefined;
    }
  }
}

/** allOf as one schema: enough for zod's intersections of objects. */
function mergeSchemas(schemas: Schema[]): Schema {
  const merged: Schema = {};
  const properties: Schema = {};
  const required: unknown[] = [];
  for (const s of schemas) {
    Object.assign(merged, s);
    Object.assign(properties, asSchema(s.properties) ?? {});
    if (Array.isArray(s.required)) required.push(...s.required);
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.length > 0) merged.required = [...new Set(required)];
  return merged;
}
