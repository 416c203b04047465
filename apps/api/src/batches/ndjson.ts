import { StringDecoder } from 'node:string_decoder';
import { describeJsonSyntaxError } from '@spillway/core';
import { ApiError } from '../errors.js';
import { assertJsonDepth } from '../json-depth.js';

export interface NdjsonLimits {
  maxBytes: number;
  maxLineBytes: number;
  /** Non-blank lines allowed; one more is refused at once, without reading the rest. */
  maxLines: number;
}

export interface NdjsonLine {
  /** 1-based, blank lines included, as an editor shows it. */
  line: number;
  value?: unknown;
  /** Set instead of `value` when the line is not JSON. */
  parseError?: string;
}

/**
 * The parsed body of an `application/x-ndjson` request. The query options ride along so that an
 * Idempotency-Key hashes the whole request (the same lines with other options are another request).
 */
export class NdjsonBody {
  constructor(
    readonly lines: NdjsonLine[],
    readonly query: unknown,
  ) {}
}

/**
 * Splits a byte stream into lines as it arrives: memory holds one partial line, never the body.
 * Enforces the body and line size limits itself (fastify's bodyLimit does not apply to stream parsers).
 */
export async function* splitLines(
  stream: AsyncIterable<Buffer | string>,
  limits: Pick<NdjsonLimits, 'maxBytes' | 'maxLineBytes'>,
): AsyncGenerator<{ line: number; text: string }> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let bytes = 0;
  let line = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    if (bytes > limits.maxBytes) {
      throw new ApiError('payload_too_large', `The body is larger than ${size(limits.maxBytes)}.`);
    }
    const parts = (pending + decoder.write(buffer)).split('\n');
    pending = parts.pop() ?? '';
    for (const text of parts) yield { line: ++line, text: stripCr(text) };
    if (Buffer.byteLength(pending) > limits.maxLineBytes) throw lineTooLong(line + 1, limits.maxLineBytes);
  }
  const last = pending + decoder.end();
  if (last.length > 0) yield { line: ++line, text: stripCr(last) };
}

/** Reads NDJSON into one parsed value per non-blank line; a line that is not JSON is kept as an error to report. */
export async function readNdjson(
  stream: AsyncIterable<Buffer | string>,
  limits: NdjsonLimits,
): Promise<NdjsonLine[]> {
  const lines: NdjsonLine[] = [];
  for await (const { line, text } of splitLines(stream, limits)) {
    if (text.trim() === '') continue;
    if (Buffer.byteLength(text) > limits.maxLineBytes) throw lineTooLong(line, limits.maxLineBytes);
    if (lines.length === limits.maxLines) {
      throw new ApiError('validation_failed', `A batch holds at most ${limits.maxLines} items.`, [
        { field: `line ${line}`, message: `more than ${limits.maxLines} items` },
      ]);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      lines.push({ line, parseError: `not valid JSON: ${describeJsonSyntaxError(text)}` });
      continue;
    }
    assertJsonDepth(value, `line ${line}`);
    lines.push({ line, value });
  }
  return lines;
}

function stripCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

function lineTooLong(line: number, max: number): ApiError {
  return new ApiError('validation_failed', `line ${line} is longer than ${size(max)}.`, [
    { field: `line ${line}`, message: `longer than ${size(max)}` },
  ]);
}

function size(bytes: number): string {
  if (bytes >= 2 ** 20) return `${Math.round(bytes / 2 ** 20)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}
