/** The slice of JSON Schema (2020-12, as zod 4's `z.toJSONSchema` writes it) the simulator reads. */
export type Schema = { [keyword: string]: unknown };

export function asSchema(value: unknown): Schema | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Schema) : undefined;
}

export function schemaList(value: unknown): Schema[] {
  return Array.isArray(value) ? value.map(asSchema).filter((s): s is Schema => s !== undefined) : [];
}

/** Follows a local `$ref` such as `#/$defs/Item`; anything else resolves to the empty schema. */
export function resolveRef(ref: string, root: unknown): Schema {
  if (!ref.startsWith('#')) return {};
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    node = asSchema(node)?.[key];
  }
  return asSchema(node) ?? {};
}

/** The one type a sample should have: the first listed (skipping null when there is a choice), or inferred. */
export function primaryType(schema: Schema): string | undefined {
  const { type } = schema;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return (type.find((t) => t !== 'null') ?? type[0]) as string | undefined;
  if (schema.properties || schema.required || schema.additionalProperties !== undefined) return 'object';
  if (schema.items !== undefined || schema.prefixItems) return 'array';
  return undefined;
}

export function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
