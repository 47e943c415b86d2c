import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCidr } from '../shared/index.ts';
import { resolveBaseUrl } from './base-url.ts';
import { isTrustedPeer } from './rate-limit.ts';

const FALLBACK = 'http://127.0.0.1:8080';
const req = (host: string | undefined, forwardedProto: string | undefined, fromTrustedProxy: boolean) => ({
  host,
  forwardedProto,
  fromTrustedProxy,
});

test('public_url always wins, whatever the request says', () => {
  assert.equal(
    resolveBaseUrl('https://agents.example.com/', req('evil.example', 'http', true), FALLBACK),
    'https://agents.example.com',
  );
});

test('X-Forwarded-Proto from an untrusted peer is ignored (the attacker cannot pick the scheme)', () => {
  assert.equal(
    resolveBaseUrl(undefined, req('agents.example.com', 'https', false), FALLBACK),
    'http://agents.example.com',
  );
});

test('from a trusted proxy: the last entry (the nearest proxy wrote it) decides; only http or https', () => {
  const at = (proto: string) => resolveBaseUrl(undefined, req('agents.example.com', proto, true), FALLBACK);
  assert.equal(at('https'), 'https://agents.example.com');
  assert.equal(at(' HTTPS '), 'https://agents.example.com');
  assert.equal(at('https, http'), 'http://agents.example.com', 'a client-sent https in front changes nothing');
  assert.equal(at('http, https'), 'https://agents.example.com');
  assert.equal(at('javascript'), 'http://agents.example.com');
  assert.equal(at('https://evil.example'), 'http://agents.example.com');
  assert.equal(at(''), 'http://agents.example.com');
});

test('an invalid Host header falls back to the bound address, trusted proxy or not', () => {
  for (const host of ['evil.example/path', 'user@evil.example', 'a b', '', undefined]) {
    assert.equal(resolveBaseUrl(undefined, req(host, 'https', true), FALLBACK), FALLBACK, String(host));
  }
});

test('isTrustedPeer: inside a listed range only; mapped IPv4 and ports handled; no peer is never trusted', () => {
  const trusted = [parseCidr('10.0.0.0/8')!, parseCidr('fd00::/8')!];
  assert.equal(isTrustedPeer('10.1.2.3', trusted), true);
  assert.equal(isTrustedPeer('::ffff:10.1.2.3', trusted), true);
  assert.equal(isTrustedPeer('fd12::1', trusted), true);
  assert.equal(isTrustedPeer('11.0.0.1', trusted), false);
  assert.equal(isTrustedPeer('10.1.2.3', []), false);
  assert.equal(isTrustedPeer(undefined, trusted), false);
  assert.equal(isTrustedPeer('not-an-ip', trusted), false);
});
