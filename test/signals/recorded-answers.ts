import { readdirSync, readFileSync } from 'node:fs';
import type { ProviderAnswer } from '@spillway/core';

/** A provider answer recorded (or reconstructed, as `source` says) in test/fixtures/provider-answers. */
export interface RecordedAnswer {
  source: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

const directory = new URL('../fixtures/provider-answers/', import.meta.url);

export function recordedAnswerNames(): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

export function loadRecordedAnswer(name: string): RecordedAnswer {
  return JSON.parse(readFileSync(new URL(`${name}.json`, directory), 'utf8')) as RecordedAnswer;
}

export function asHttpError(recorded: RecordedAnswer): ProviderAnswer {
  return {
    kind: 'http_error',
    status: recorded.status,
    headers: recorded.headers,
    body: recorded.body,
    latencyMs: 120,
  };
}
