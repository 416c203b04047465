import { asSchema, resolveRef, type Schema, schemaList } from './json-schema.js';

/**
 * Why a value fails a JSON Schema (empty when it passes), over the same keywords the sampler writes.
 * The simulator checks its own realistic answers with it before sending them, and proves that an
 * `invalid_output` fault really is invalid.
 */
export function schemaProblems(schema: unknown, value: unknown): string[] {
  const problems: string[] = [];
  check(schema, value, '$', schema, problems);
  return problems;
}

function check(raw: unknown, value: unknown, path: string, root: unknown, out: string[]): void {
  if (raw === false) {
    out.push(`${path}: no value is allowed`);
    return;
  }
  const schema = asSchema(raw);
  if (!schema) return;
  if (typeof schema.$ref === 'string') check(resolveRef(schema.$ref, root), value, path, root, out);
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    out.push(`${path}: must equal ${JSON.stringify(schema.const)}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    out.push(`${path}: must be one of ${JSON.stringify(schema.enum)}`);
  }
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const branches = schemaList(schema[keyword]);
    if (branches.length > 0 && !branches.some((b) => passes(b, value, path, root))) {
      out.push(`${path}: matches none of ${keyword}`);
    }
  }
  for (const part of schemaList(schema.allOf)) check(part, value, path, root, out);
  if (!hasType(schema.type, value)) {
    out.push(`${path}: must be ${JSON.stringify(schema.type)}`);
    return;
  }
  if (typeof value === 'string') checkString(schema, value, path, out);
  else if (typeof value === 'number') checkNumber(schema, value, path, out);
  else if (Array.isArray(value)) checkArray(schema, value, path, root, out);
  else if (value !== null && typeof value === 'object')
    checkObject(schema, value as Record<string, unknown>, path, root, out);
}

function passes(schema: unknown, value: unknown, path: string, root: unknown): boolean {
  const problems: string[] = [];
  check(schema, value, path, root, problems);
  return problems.length === 0;
}

function hasType(type: unknown, value: unknown): boolean {
  if (type === undefined) return true;
  const types = Array.isArray(type) ? type : [type];
  return types.some((t) => {
    switch (t) {
      case 'null':
        return value === null;
      case 'integer':
        return Number.isInteger(value);
      case 'number':
        return typeof value === 'number' && Number.isFinite(value);
      case 'array':
        return Array.isArray(value);
      case 'object':
        return value !== null && typeof value === 'object' && !Array.isArray(value);
      default:
        return typeof value === t;
    }
  });
}

function checkString(schema: Schema, value: string, path: string, out: string[]): void {
  const length = [...value].length;
  if (typeof schema.minLength === 'number' && length < schema.minLength) out.push(`${path}: too short`);
  if (typeof schema.maxLength === 'number' && length > schema.maxLength) out.push(`${path}: too long`);
  if (typeof schema.pattern === 'string' && !safeTest(schema.pattern, value)) {
    out.push(`${path}: must match ${schema.pattern}`);
  }
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    try {
      return new RegExp(pattern).test(value);
    } catch {
      return true;
    }
  }
}

function checkNumber(schema: Schema, value: number, path: string, out: string[]): void {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = schema;
  if (typeof minimum === 'number' && value < minimum) out.push(`${path}: below ${minimum}`);
  if (typeof maximum === 'number' && value > maximum) out.push(`${path}: above ${maximum}`);
  if (typeof exclusiveMinimum === 'number' && value <= exclusiveMinimum)
    out.push(`${path}: not above ${exclusiveMinimum}`);
  if (typeof exclusiveMaximum === 'number' && value >= exclusiveMaximum)
    out.push(`${path}: not below ${exclusiveMaximum}`);
  if (typeof multipleOf === 'number' && multipleOf > 0 && !Number.isInteger(value / multipleOf)) {
    out.push(`${path}: not a multiple of ${multipleOf}`);
  }
}

function checkArray(schema: Schema, value: unknown[], path: string, root: unknown, out: string[]): void {
  if (typeof schema.minItems === 'number' && value.length < schema.minItems)
    out.push(`${path}: too few items`);
  if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
    out.push(`${path}: too many items`);
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  value.forEach((item, i) => {
    check(i < prefix.length ? prefix[i] : schema.items, item, `${path}[${i}]`, root, out);
  });
}

function checkObject(
  schema: Schema,
  value: Record<string, unknown>,
  path: string,
  root: unknown,
  out: string[],
): void {
  const properties = asSchema(schema.properties) ?? {};
  if (Array.isArray(schema.required)) {
    for (const key of schema.required) if (!(String(key) in value)) out.push(`${path}.${key}: required`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (key in properties) check(properties[key], item, `${path}.${key}`, root, out);
    else if (schema.additionalProperties !== undefined)
      check(schema.additionalProperties, item, `${path}.${key}`, root, out);
  }
}
