import { isIPv4, isIPv6 } from 'node:net';

/** An address as bytes: 4 for IPv4, 16 for IPv6, so ranges compare by bit prefix. */
export type IpBytes = Uint8Array;

/**
 * The bytes of an IPv4 or IPv6 address, or null for anything else. Accepts what `dns.lookup`
 * and the WHATWG URL parser produce: dotted quads, compressed IPv6, an embedded IPv4 tail
 * (`::ffff:10.0.0.1`) and a zone id (`fe80::1%eth0`, ignored: it does not change the range).
 */
export function ipBytes(address: string): IpBytes | null {
  const plain = address.replace(/%.*$/, '');
  if (isIPv4(plain)) return Uint8Array.from(plain.split('.').map(Number));
  if (!isIPv6(plain)) return null;

  let text = plain;
  const tail: number[] = [];
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    text = text.slice(0, -dotted[0].length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const words = (part: string) => (part === '' ? [] : part.split(':').map((w) => Number.parseInt(w, 16)));
  const halves = text.split('::');
  let groups: number[];
  if (halves.length === 2) {
    const left = words(halves[0]!);
    const right = words(halves[1]!);
    const zeros = 8 - tail.length - left.length - right.length;
    groups = [...left, ...new Array<number>(zeros).fill(0), ...right, ...tail];
  } else {
    groups = [...words(text), ...tail];
  }
  if (groups.length !== 8) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((word, i) => {
    bytes[i * 2] = word >> 8;
    bytes[i * 2 + 1] = word & 0xff;
  });
  return bytes;
}

/** True when the first `bits` bits of `address` equal those of `network` (same family). */
export function inPrefix(address: IpBytes, network: IpBytes, bits: number): boolean {
  if (address.length !== network.length) return false;
  for (let bit = 0; bit < bits; bit += 8) {
    const take = Math.min(8, bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    const i = bit / 8;
    if (((address[i] ?? 0) & mask) !== ((network[i] ?? 0) & mask)) return false;
  }
  return true;
}

export function formatIPv4(bytes: IpBytes): string {
  return Array.from(bytes).join('.');
}
