import { describe, expect, it } from 'vitest';
import {
  type AddressResolver,
  blockedAddress,
  checkCallbackUrl,
} from '../../packages/core/src/webhooks/index.js';

/** A resolver that must not be asked: literal IPs are judged without DNS. */
const noDns: AddressResolver = async (host) => {
  throw new Error(`DNS was asked for ${host}`);
};

const resolvesTo =
  (...addresses: string[]): AddressResolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('which addresses a webhook may be sent to', () => {
  it.each([
    ['93.184.216.34'],
    ['8.8.8.8'],
    ['172.15.255.255'], // just below 172.16/12
    ['172.32.0.1'], // just above it
    ['100.63.255.255'], // just below CGNAT 100.64/10
    ['100.128.0.0'], // just above it
    ['11.0.0.1'],
    ['169.253.255.255'],
    ['2606:4700:4700::1111'],
    ['::ffff:8.8.8.8'], // a mapped public address is public
  ])('lets the public address %s through', (address) => {
    expect(blockedAddress(address)).toBeNull();
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.1.2.3', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.0.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['fd00:ec2::254', 'metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['64:ff9b::10.0.0.1', 'private'], // NAT64
    ['2002:a00:1::', 'private'], // 6to4 of 10.0.0.1
    ['::127.0.0.1', 'loopback'], // IPv4-compatible
    ['not-an-ip', 'invalid'],
  ])('refuses %s as %s', (address, kind) => {
    expect(blockedAddress(address)?.kind).toBe(kind);
  });
});

describe('checkCallbackUrl', () => {
  it('accepts an https URL whose host resolves only to public addresses, and returns them for pinning', async () => {
    const check = await checkCallbackUrl('https://hooks.example.com/spillway?token=abc', {
      allowPrivate: false,
      resolve: resolvesTo('93.184.216.34', '2606:2800:220:1::248'),
    });
    expect(check).toMatchObject({
      ok: true,
      addresses: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::248', family: 6 },
      ],
    });
  });

  it.each([
    ['http://10.0.0.1/hook', /10\.0\.0\.1 is a private address \(10\.0\.0\.0\/8\)/],
    ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a cloud metadata address/],
    ['http://[fd00:ec2::254]/', /fd00:ec2::254 is a cloud metadata address/],
    ['http://[::1]:8080/', /::1 is a loopback address/],
    ['http://[::ffff:127.0.0.1]/', /IPv4-mapped form of 127\.0\.0\.1, a loopback address/],
    ['http://[::ffff:a9fe:a9fe]/', /IPv4-mapped form of 169\.254\.169\.254, a cloud metadata address/],
    ['http://2130706433/', /127\.0\.0\.1 is a loopback address/], // the URL parser reads it as 127.0.0.1
    ['http://0x7f.1/', /127\.0\.0\.1 is a loopback address/],
    ['http://127.1/', /127\.0\.0\.1 is a loopback address/],
    ['http://0.0.0.0:3000/', /unspecified/],
    ['http://100.100.100.200/', /metadata/],
  ])('refuses the literal address in %s without asking DNS', async (url, reason) => {
    const check = await checkCallbackUrl(url, { allowPrivate: false, resolve: noDns });
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.reason).toMatch(reason);
      expect(check.retryable).toBe(false);
    }
  });

  it.each([
    ['169.254.169.254', /host metadata\.example resolves to 169\.254\.169\.254, a cloud metadata address/],
    ['10.0.0.1', /resolves to 10\.0\.0\.1, a private address/],
    ['::ffff:192.168.0.10', /IPv4-mapped form of 192\.168\.0\.10, a private address/],
  ])('refuses a host name that resolves to %s', async (address, reason) => {
    const check = await checkCallbackUrl('https://metadata.example/hook', {
      allowPrivate: false,
      resolve: resolvesTo(address),
    });
    expect(check).toMatchObject({ ok: false, retryable: false });
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it('refuses a host when any one of its addresses is private, since the connection could land there', async () => {
    const check = await checkCallbackUrl('https://mixed.example/hook', {
      allowPrivate: false,
      resolve: resolvesTo('93.184.216.34', '10.1.2.3'),
    });
    expect(check).toMatchObject({ ok: false });
    if (!check.ok) expect(check.reason).toContain('10.1.2.3');
  });

  it.each([
    ['ftp://files.example.com/x'],
    ['file:///etc/passwd'],
    ['javascript:alert(1)'],
    ['not a url'],
  ])('refuses %s: only http and https URLs', async (url) => {
    const check = await checkCallbackUrl(url, { allowPrivate: true, resolve: noDns });
    expect(check).toMatchObject({ ok: false, retryable: false });
  });

  it('lets loopback and private receivers through when allowPrivate is on (dev, tests)', async () => {
    await expect(
      checkCallbackUrl('http://127.0.0.1:9999/hook', { allowPrivate: true, resolve: noDns }),
    ).resolves.toMatchObject({
      ok: true,
      addresses: [{ address: '127.0.0.1', family: 4 }],
    });
    await expect(
      checkCallbackUrl('http://localhost:9999/hook', {
        allowPrivate: true,
        resolve: resolvesTo('::1', '127.0.0.1'),
      }),
    ).resolves.toMatchObject({ ok: true });
    await expect(
      checkCallbackUrl('http://localhost:9999/hook', { allowPrivate: false, resolve: resolvesTo('::1') }),
    ).resolves.toMatchObject({
      ok: false,
    });
  });

  it('reports a host that does not resolve as retryable, not as refused', async () => {
    const failing: AddressResolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' });
    };
    const check = await checkCallbackUrl('https://nowhere.invalid/hook', {
      allowPrivate: false,
      resolve: failing,
    });
    expect(check).toEqual({
      ok: false,
      retryable: true,
      reason: 'host nowhere.invalid does not resolve (ENOTFOUND)',
    });
    const empty = await checkCallbackUrl('https://empty.example/hook', {
      allowPrivate: false,
      resolve: resolvesTo(),
    });
    expect(empty).toMatchObject({ ok: false, retryable: true });
  });
});
