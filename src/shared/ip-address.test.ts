/** Byte-level IP parsing: only canonical forms parse; everything else is refused, never guessed at. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cidrContains, formatIp, parseCidr, parseIp } from './ip-address.ts';

describe('parseIp', () => {
  const good: [string, string][] = [
    ['127.0.0.1', '127.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['::', '::'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1'],
    ['0:0:0:0:0:ffff:7f00:1', '::ffff:7f00:1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['fe80::', 'fe80::'],
  ];
  for (const [input, canonical] of good) {
    test(`parses ${input}`, () => {
      const ip = parseIp(input);
      assert.ok(ip, `${input} should parse`);
      assert.equal(formatIp(ip), canonical);
    });
  }

  const bad = [
    '0177.0.0.1',
    '0x7f.0.0.1',
    '127.1',
    '2130706433',
    '01.2.3.4',
    '256.0.0.1',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.4 ',
    ' 1.2.3.4',
    'fe80::1%eth0',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1::2:3:4:5:6:7:8',
    '12345::',
    ':1',
    'localhost',
    '',
    '[::1',
    '::ffff:127.0.0.01',
  ];
  for (const input of bad) {
    test(`refuses ${JSON.stringify(input)}`, () => {
      assert.equal(parseIp(input), undefined);
    });
  }
});

describe('parseCidr', () => {
  test('a bare address is a single host', () => {
    const r = parseCidr('10.1.2.3');
    assert.deepEqual(r && { family: r.family, prefix: r.prefix }, { family: 4, prefix: 32 });
  });
  test('host bits must be zero', () => {
    assert.equal(parseCidr('10.0.0.1/8'), undefined);
    assert.ok(parseCidr('10.0.0.0/8'));
  });
  test('prefix bounds and syntax', () => {
    assert.equal(parseCidr('10.0.0.0/33'), undefined);
    assert.equal(parseCidr('::/129'), undefined);
    assert.equal(parseCidr('10.0.0.0/08'), undefined);
    assert.equal(parseCidr('10.0.0.0/'), undefined);
    assert.equal(parseCidr('10.0.0.0/-1'), undefined);
    assert.equal(parseCidr('example.com/8'), undefined);
  });
  test('an IPv4-mapped IPv6 range becomes the IPv4 range', () => {
    const r = parseCidr('::ffff:127.0.0.0/104');
    assert.ok(r);
    assert.equal(r.family, 4);
    assert.equal(r.prefix, 8);
    assert.equal(cidrContains(r, parseIp('127.9.9.9')!), true);
  });
  test('containment is exact at the prefix boundary', () => {
    const r = parseCidr('172.16.0.0/12')!;
    assert.equal(cidrContains(r, parseIp('172.16.0.0')!), true);
    assert.equal(cidrContains(r, parseIp('172.31.255.255')!), true);
    assert.equal(cidrContains(r, parseIp('172.32.0.0')!), false);
    assert.equal(cidrContains(r, parseIp('172.15.255.255')!), false);
    assert.equal(cidrContains(r, parseIp('::ffff:172.16.0.1')!), false, 'families never mix');
  });
  test('/0 contains everything of its family', () => {
    assert.equal(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('8.8.8.8')!), true);
    assert.equal(cidrContains(parseCidr('::/0')!, parseIp('2001:db8::1')!), true);
  });
});
