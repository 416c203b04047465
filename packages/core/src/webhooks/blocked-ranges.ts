import { formatIPv4, inPrefix, ipBytes } from './ip-address.js';

export type BlockedKind =
  | 'metadata'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'shared'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'invalid';

export interface BlockedAddress {
  kind: BlockedKind;
  /** The range that matched, e.g. `10.0.0.0/8`. */
  range: string;
  /** Says why an IPv6 address was judged by an IPv4 one, e.g. `IPv4-mapped form of 10.0.0.1`. */
  via?: string;
}

interface Range {
  cidr: string;
  kind: BlockedKind;
}

// Metadata first: it sits inside link-local / unique-local, and its own name explains more.
const IPV4_RANGES: readonly Range[] = [
  { cidr: '169.254.169.254/32', kind: 'metadata' },
  { cidr: '100.100.100.200/32', kind: 'metadata' }, // Alibaba Cloud
  { cidr: '0.0.0.0/8', kind: 'unspecified' }, // Linux connects 0.0.0.0 to the local host
  { cidr: '127.0.0.0/8', kind: 'loopback' },
  { cidr: '10.0.0.0/8', kind: 'private' },
  { cidr: '172.16.0.0/12', kind: 'private' },
  { cidr: '192.168.0.0/16', kind: 'private' },
  { cidr: '169.254.0.0/16', kind: 'link-local' },
  { cidr: '100.64.0.0/10', kind: 'shared' },
  { cidr: '192.0.0.0/24', kind: 'reserved' },
  { cidr: '198.18.0.0/15', kind: 'reserved' },
  { cidr: '224.0.0.0/4', kind: 'multicast' },
  { cidr: '240.0.0.0/4', kind: 'reserved' }, // with 255.255.255.255, broadcast
];

const IPV6_RANGES: readonly Range[] = [
  { cidr: 'fd00:ec2::254/128', kind: 'metadata' }, // AWS over IPv6
  { cidr: '::/128', kind: 'unspecified' },
  { cidr: '::1/128', kind: 'loopback' },
  { cidr: 'fc00::/7', kind: 'private' },
  { cidr: 'fe80::/10', kind: 'link-local' },
  { cidr: 'fec0::/10', kind: 'private' }, // deprecated site-local, still routed inside some networks
  { cidr: 'ff00::/8', kind: 'multicast' },
];

/** IPv6 forms that carry an IPv4 address a packet may end up at; that address decides. */
const EMBEDDED_IPV4: ReadonlyArray<{ cidr: string; offset: number; form: string }> = [
  { cidr: '::ffff:0:0/96', offset: 12, form: 'IPv4-mapped' },
  { cidr: '64:ff9b::/96', offset: 12, form: 'NAT64' },
  { cidr: '::/96', offset: 12, form: 'IPv4-compatible' },
  { cidr: '2002::/16', offset: 2, form: '6to4' },
];

function matches(bytes: Uint8Array, cidr: string): boolean {
  const [network, bits] = cidr.split('/') as [string, string];
  const networkBytes = ipBytes(network);
  return networkBytes !== null && inPrefix(bytes, networkBytes, Number(bits));
}

function firstRange(bytes: Uint8Array, ranges: readonly Range[]): Range | undefined {
  return ranges.find((range) => matches(bytes, range.cidr));
}

/**
 * Why a webhook must not be sent to this address, or null when it is a public unicast address.
 * Something that is not an IP address at all is refused too: it cannot be vetted.
 */
export function blockedAddress(address: string): BlockedAddress | null {
  const bytes = ipBytes(address);
  if (!bytes) return { kind: 'invalid', range: address };
  if (bytes.length === 4) {
    const range = firstRange(bytes, IPV4_RANGES);
    return range ? { kind: range.kind, range: range.cidr } : null;
  }
  const direct = firstRange(bytes, IPV6_RANGES);
  if (direct) return { kind: direct.kind, range: direct.cidr };
  for (const embedded of EMBEDDED_IPV4) {
    if (!matches(bytes, embedded.cidr)) continue;
    const ipv4 = bytes.slice(embedded.offset, embedded.offset + 4);
    const range = firstRange(ipv4, IPV4_RANGES);
    if (range)
      return { kind: range.kind, range: range.cidr, via: `${embedded.form} form of ${formatIPv4(ipv4)}` };
  }
  return null;
}

const KIND_WORDS: Record<BlockedKind, string> = {
  metadata: 'a cloud metadata address',
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  shared: 'a carrier-grade NAT (shared) address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  invalid: 'not an IP address',
};

/** `a private address (10.0.0.0/8)`: what the address is, for a refusal a user can act on. */
export function describeBlocked(blocked: BlockedAddress): string {
  if (blocked.kind === 'invalid') return 'not an IP address';
  const what = `${KIND_WORDS[blocked.kind]} (${blocked.range})`;
  return blocked.via ? `the ${blocked.via}, ${what}` : what;
}
