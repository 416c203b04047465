import type { FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';
import type { z } from 'zod';
import { validationError } from './validation.js';

/**
 * Body schemas that describe a route for the docs while the route validates its body itself:
 * batches (JSON or NDJSON, each item reported by its line or index) and coaching (which of its two
 * shapes was meant decides the message). Every other route schema validates.
 */
const describedOnly = new WeakSet<z.ZodType>();

export function documentedOnly<T extends z.ZodType>(schema: T): T {
  describedOnly.add(schema);
  return schema;
}

/**
 * Route schemas are zod schemas (fastify-type-provider-zod's way); they are checked here, and a
 * failure is the same 400 problem naming each field that every other validation answers.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema }) => {
  if (describedOnly.has(schema)) return (data) => ({ value: data });
  return (data) => {
    const result = schema.safeParse(data);
    return result.success ? { value: result.data } : { error: validationError(result.error) };
  };
};

/**
 * Response schemas document what a route answers; they do not reshape it (the views are built
 * from the same schemas already), so answers are plain JSON.
 */
export const jsonSerializerCompiler: FastifySerializerCompiler<z.ZodType> = () => (data) =>
  JSON.stringify(data);
