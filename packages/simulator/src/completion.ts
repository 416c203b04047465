import { asSchema } from './json-schema.js';
import { realisticCoaching, realisticPlan } from './realistic.js';
import { schemaProblems } from './schema-check.js';
import { sampleFromSchema, sampleViolating } from './schema-sample.js';
import { contentText } from './tokens.js';

/** The parts of a Chat Completions request the simulator reads. */
export interface ChatRequest {
  model: string;
  messages: Array<{ role?: unknown; content?: unknown }>;
  response_format?: unknown;
}

/** What the assistant says: schema-valid JSON when a schema was asked for, plain text otherwise. */
export function answerFor(request: ChatRequest, valid: boolean): string {
  const userText = request.messages
    .filter((m) => m.role === 'user')
    .map((m) => contentText(m.content))
    .join('\n');
  const format = asSchema(request.response_format);
  if (format?.type === 'json_schema') {
    const spec = asSchema(format.json_schema) ?? {};
    const schema = spec.schema ?? {};
    const value = valid
      ? schemaValidAnswer(String(spec.name ?? ''), schema, userText)
      : sampleViolating(schema);
    return JSON.stringify(value);
  }
  if (format?.type === 'json_object') {
    return valid
      ? JSON.stringify({ answer: plainAnswer(userText) })
      : 'Sure! Here is the JSON you asked for:';
  }
  return valid ? plainAnswer(userText) : JSON.stringify(sampleViolating({}));
}

function schemaValidAnswer(name: string, schema: unknown, userText: string): unknown {
  const realistic =
    name === 'plan' ? realisticPlan(userText) : name === 'coaching' ? realisticCoaching(userText) : undefined;
  // A schema that has drifted from what the realistic writer knows still gets a valid, if bland, answer.
  if (realistic !== undefined && schemaProblems(schema, realistic).length === 0) return realistic;
  return sampleFromSchema(schema);
}

function plainAnswer(userText: string): string {
  const topic = userText.trim().replace(/\s+/g, ' ').slice(0, 120);
  return topic === ''
    ? 'Hello! How can I help you today?'
    : `Here is a short answer about "${topic}": break it into small steps and start with the most important one.`;
}
