import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { blockedAddress, describeBlocked } from './blocked-ranges.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a host name resolves to (as `dns.lookup(host, { all: true })`). Injected in tests. */
export type AddressResolver = (host: string) => Promise<ResolvedAddress[]>;

export interface UrlGuardOptions {
  /** WEBHOOK_ALLOW_PRIVATE: loopback and private receivers are fine (dev, tests). */
  allowPrivate: boolean;
  resolve?: AddressResolver;
}

export type UrlCheck =
  /** `addresses` are the vetted ones: connect to one of these, never to a fresh lookup. */
  | { ok: true; url: URL; addresses: ResolvedAddress[] }
  /** `retryable`: the host did not resolve now (DNS may recover); otherwise the URL is refused. */
  | { ok: false; reason: string; retryable: boolean };

export const systemResolver: AddressResolver = async (host) => {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

const refuse = (reason: string): UrlCheck => ({ ok: false, reason, retryable: false });

/**
 * Decides whether a callback URL may receive webhooks: http(s) only, and every address its host
 * resolves to must be public. One private answer among public ones is enough to refuse, since the
 * connection could land on any of them. Literal IPs (in any form the URL parser accepts, such as
 * `http://2130706433/` or `http://[::ffff:7f00:1]/`) are judged without DNS.
 */
export async function checkCallbackUrl(raw: string, options: UrlGuardOptions): Promise<UrlCheck> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse('must use http or https');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return refuse('has no host');

  let addresses: ResolvedAddress[];
  const family = isIP(host);
  if (family !== 0) {
    addresses = [{ address: host, family: family as 4 | 6 }];
  } else {
    try {
      addresses = await (options.resolve ?? systemResolver)(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      return { ok: false, reason: `host ${host} does not resolve (${code})`, retryable: true };
    }
    if (addresses.length === 0) return { ok: false, reason: `host ${host} has no address`, retryable: true };
  }

  if (!options.allowPrivate) {
    for (const { address } of addresses) {
      const blocked = blockedAddress(address);
      if (blocked) {
        const what = describeBlocked(blocked);
        const where = family === 0 ? `host ${host} resolves to ${address}, ${what}` : `${address} is ${what}`;
        return refuse(`${where}; callbacks must reach a public address`);
      }
    }
  }
  return { ok: true, url, addresses };
}
