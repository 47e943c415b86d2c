/** Every internal address category is blocked, including its IPv6 embeddings; allowed ranges open exactly them. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Cidr, parseCidr, parseIp } from '../../shared/index.ts';
import { checkAddress } from './address-policy.ts';

function verdict(address: string, allowed: readonly string[] = []) {
  const ip = parseIp(address);
  assert.ok(ip, `test address ${address} must parse`);
  const ranges = allowed.map((r) => parseCidr(r)).filter((r): r is Cidr => r !== undefined);
  return checkAddress(ip, ranges);
}

describe('blocked addresses', () => {
  const blocked: [string, RegExp][] = [
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['10.0.0.1', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /link-local \(cloud metadata\)/],
    ['169.254.0.1', /link-local/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.100.100.200', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['192.0.0.192', /IETF/],
    ['192.0.2.1', /documentation/],
    ['198.51.100.7', /documentation/],
    ['203.0.113.9', /documentation/],
    ['192.88.99.1', /6to4 relay/],
    ['198.18.0.1', /benchmarking/],
    ['198.19.255.255', /benchmarking/],
    ['168.63.129.16', /Azure/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['240.0.0.1', /reserved/],
    ['255.255.255.255', /broadcast/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:169.254.169.254', /link-local/],
    ['::ffff:10.0.0.1', /private/],
    ['::127.0.0.1', /IPv4-compatible/],
    ['::8.8.8.8', /IPv4-compatible/],
    ['::ffff:0:7f00:1', /IPv4-translated/],
    ['64:ff9b::127.0.0.1', /NAT64 address embedding a loopback/],
    ['64:ff9b::a9fe:a9fe', /NAT64 address embedding a link-local/],
    ['64:ff9b:1::1', /local-use NAT64/],
    ['2002:7f00:1::', /6to4 address embedding a loopback/],
    ['2002:a9fe:a9fe::1', /6to4 address embedding a link-local/],
    ['2002:c0a8:101::1', /6to4 address embedding a private/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
    ['2001:2::1', /benchmarking/],
    ['2001:db8::1', /documentation/],
    ['3fff::1', /documentation/],
    ['2001:10::1', /ORCHID/],
    ['100::1', /discard/],
    ['fc00::1', /unique local/],
    ['fd00:ec2::254', /unique local/],
    ['fe80::1', /link-local/],
    ['febf::1', /link-local/],
    ['fec0::1', /site-local/],
    ['ff02::1', /multicast/],
    ['4000::1', /not global unicast/],
    ['1::1', /not global unicast/],
  ];
  for (const [address, category] of blocked) {
    test(`${address} is blocked`, () => {
      const v = verdict(address);
      assert.equal(v.allowed, false);
      assert.match(v.allowed ? '' : v.category, category);
    });
  }
});

describe('public addresses', () => {
  for (const address of [
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '169.255.0.1',
    '::ffff:8.8.8.8',
    '2606:4700:4700::1111',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ]) {
    test(`${address} is allowed`, () => assert.deepEqual(verdict(address), { allowed: true }));
  }
});

describe('allowed ranges', () => {
  test('open exactly the listed range', () => {
    assert.deepEqual(verdict('127.0.0.2', ['127.0.0.2/32']), { allowed: true });
    assert.equal(verdict('127.0.0.3', ['127.0.0.2/32']).allowed, false);
    assert.equal(verdict('127.0.0.1', ['127.0.0.2/32']).allowed, false);
  });
  test('an IPv4 range also covers the IPv4-mapped spelling of the same address', () => {
    assert.deepEqual(verdict('::ffff:127.0.0.2', ['127.0.0.2/32']), { allowed: true });
    assert.deepEqual(verdict('127.0.0.2', ['::ffff:127.0.0.2/128']), { allowed: true });
  });
  test('an IPv4 range does not open NAT64 or 6to4 addresses embedding it', () => {
    assert.equal(verdict('64:ff9b::127.0.0.2', ['127.0.0.2/32']).allowed, false);
    assert.equal(verdict('2002:7f00:2::', ['127.0.0.2/32']).allowed, false);
  });
  test('IPv6 ranges open IPv6 internal addresses', () => {
    assert.deepEqual(verdict('fd12:3456::1', ['fd12:3456::/32']), { allowed: true });
    assert.equal(verdict('fd12:3457::1', ['fd12:3456::/32']).allowed, false);
  });
});
