import { describe, expect, it } from 'vitest';
import { readNdjson, splitLines } from '../../apps/api/src/batches/ndjson.js';

const limits = { maxBytes: 1024, maxLineBytes: 64, maxLines: 3 };

async function* chunks(...parts: Array<string | Buffer>): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.isBuffer(part) ? part : Buffer.from(part);
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe('NDJSON line splitting', () => {
  it('joins lines split across chunks, including a multi-byte character cut in half, and strips CR', async () => {
    const snowman = Buffer.from('☃');
    const lines = await collect(
      splitLines(
        chunks('{"a":1}\r\n{"b":"', snowman.subarray(0, 1), snowman.subarray(1), '"}\n', '{"c":3}'),
        limits,
      ),
    );
    expect(lines).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '{"b":"☃"}' },
      { line: 3, text: '{"c":3}' },
    ]);
  });

  it('numbers lines as an editor does, blank lines included, and keeps unparsable lines as errors', async () => {
    const lines = await readNdjson(chunks('{"a":1}\n\n  \nnot json\n'), limits);
    expect(lines).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 4, parseError: expect.stringMatching(/^not valid JSON/) },
    ]);
  });

  it('stops at the body limit, the line limit and the item limit, naming the line', async () => {
    await expect(
      collect(splitLines(chunks('x\n'.repeat(300), 'y\n'.repeat(300)), limits)),
    ).rejects.toMatchObject({
      code: 'payload_too_large',
    });
    await expect(readNdjson(chunks('{}\n', 'z'.repeat(100)), limits)).rejects.toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'line 2', message: 'longer than 64 bytes' }],
    });
    await expect(readNdjson(chunks('{}\n{}\n{}\n{}\n'), limits)).rejects.toMatchObject({
      errors: [{ field: 'line 4', message: 'more than 3 items' }],
    });
  });
});
