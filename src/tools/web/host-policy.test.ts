/** Domain list entries and their matching: label-wise, after normalisation, never by substring. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchesAllowed, matchesDenied, normaliseHost, parseHostPattern } from './host-policy.ts';

function allowed(pattern: string, host: string): boolean {
  const p = parseHostPattern(pattern);
  assert.ok(p, `pattern ${pattern} must parse`);
  return matchesAllowed(p, normaliseHost(host)!);
}
function denied(pattern: string, host: string): boolean {
  const p = parseHostPattern(pattern);
  assert.ok(p, `pattern ${pattern} must parse`);
  return matchesDenied(p, normaliseHost(host)!);
}

describe('allowed_domains matching', () => {
  const cases: [string, string, boolean][] = [
    ['example.com', 'example.com', true],
    ['example.com', 'EXAMPLE.com', true],
    ['example.com', 'example.com.', true],
    ['example.com', 'sub.example.com', false],
    ['example.com', 'example.com.evil.com', false],
    ['example.com', 'evilexample.com', false],
    ['*.example.com', 'sub.example.com', true],
    ['*.example.com', 'a.b.example.com', true],
    ['*.example.com', 'SUB.Example.COM.', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'example.com.evil.com', false],
    ['*.example.com', 'sub.example.com.evil.com', false],
    ['*.example.com', 'evilexample.com', false],
    ['*.example.com', 'subexample.com', false],
    ['bücher.example', 'xn--bcher-kva.example', true],
    ['xn--bcher-kva.example', 'bücher.example', true],
    ['10.1.2.3', '10.1.2.3', true],
    ['10.1.2.3', '0x0a.1.2.3', true],
    ['10.1.2.3', '10.1.2.4', false],
    ['[2001:db8::1]', '[2001:DB8:0::1]', true],
  ];
  for (const [pattern, host, expected] of cases) {
    test(`${pattern} ${expected ? 'matches' : 'does not match'} ${host}`, () => {
      assert.equal(allowed(pattern, host), expected);
    });
  }
});

describe('denied_domains matching', () => {
  const cases: [string, string, boolean][] = [
    ['example.com', 'example.com', true],
    ['example.com', 'sub.example.com', true],
    ['example.com', 'a.b.example.com.', true],
    ['example.com', 'example.com.evil.com', false],
    ['example.com', 'notexample.com', false],
    ['*.example.com', 'sub.example.com', true],
    ['*.example.com', 'example.com', false],
  ];
  for (const [pattern, host, expected] of cases) {
    test(`denied ${pattern} ${expected ? 'covers' : 'does not cover'} ${host}`, () => {
      assert.equal(denied(pattern, host), expected);
    });
  }
});

describe('list entries', () => {
  for (const bad of [
    '',
    '*',
    '*.com',
    'a.*.example.com',
    '*example.com',
    '**.example.com',
    'http://example.com',
    'example.com/path',
    'example.com:443',
    'user@example.com',
    '*.10.0.0.1',
    'exa mple.com',
    'a..b.com',
    '.example.com',
  ]) {
    test(`refuses entry ${JSON.stringify(bad)}`, () => assert.equal(parseHostPattern(bad), undefined));
  }
});
