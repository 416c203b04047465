import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from '@spillway/core';

export interface PinnedPost {
  url: URL;
  /** The addresses the URL guard vetted: the connection goes to one of these and nowhere else. */
  addresses: readonly ResolvedAddress[];
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export type PostResult =
  | { kind: 'answer'; status: number; headers: IncomingHttpHeaders }
  | { kind: 'error'; reason: string };

export type HttpPost = (post: PinnedPost) => Promise<PostResult>;

/**
 * A lookup that answers with the vetted addresses instead of asking DNS again, so a name that
 * rebinds to a private address between the check and the connection cannot redirect it. Node
 * asks with `all: true` when it races address families (autoSelectFamily), hence both forms.
 */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0]!;
    if (options.all) {
      const all: LookupAddress[] = addresses.map((a) => ({ address: a.address, family: a.family }));
      (callback as (err: null, addresses: LookupAddress[]) => void)(null, all);
    } else {
      callback(null, first.address, first.family);
    }
  };
}

/**
 * One POST, no redirects followed (Node's http never follows them), a fresh connection each time
 * (no agent: a pooled socket could be one opened to another address), and one deadline over the
 * whole exchange up to the response head. The body of the answer is not read: it has no meaning
 * here, and a receiver that streams one forever must not hold the sender.
 */
export const postPinned: HttpPost = (post) =>
  new Promise((resolve) => {
    const send = post.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(post.url, {
      method: 'POST',
      headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
      lookup: pinnedLookup(post.addresses),
      agent: false,
    });
    const timer = setTimeout(
      () => request.destroy(new Error(`timeout after ${post.timeoutMs} ms`)),
      post.timeoutMs,
    );
    request.on('response', (response) => {
      clearTimeout(timer);
      resolve({ kind: 'answer', status: response.statusCode ?? 0, headers: response.headers });
      response.on('error', () => {}); // the reset that destroy() causes is expected
      response.destroy();
    });
    request.on('error', (err) => {
      clearTimeout(timer);
      resolve({ kind: 'error', reason: err.message });
    });
    request.end(post.body);
  });
