/**
 * Bad authentication options fail at construction with a ConfigError that says what is wrong and how to fix it
 * (never "auth off", never echoing a secret).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../shared/index.ts';
import { type AuthOptions, createAuthenticator, type JwtOptions } from './index.ts';

function jwt(options: Partial<JwtOptions> & Record<string, unknown>): AuthOptions {
  return {
    jwt: { jwksUrl: 'https://auth.example.com/.well-known/jwks.json', ...options } as JwtOptions,
    defaultTenant: 'default',
  };
}

function refuses(options: AuthOptions, pattern: RegExp, label = JSON.stringify(options)) {
  assert.throws(
    () => createAuthenticator(options),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, label);
      assert.equal(error.code, 'config_invalid');
      assert.match(error.message, pattern, label);
      return true;
    },
    label,
  );
}

test('jwksUrl over plain http is refused unless the host is loopback', () => {
  for (const url of [
    'http://example.com/jwks',
    'http://auth.example.com/.well-known/jwks.json',
    'http://10.0.0.1/jwks',
    'http://127.0.0.1.evil.example/jwks',
    'http://localhost.evil.example/jwks',
    'http://[::ffff:8.8.8.8]/jwks',
    'http://0.0.0.0/jwks',
  ]) {
    refuses(jwt({ jwksUrl: url }), /must use https/, url);
  }
  for (const url of [
    'https://auth.example.com/jwks',
    'http://127.0.0.1:8080/jwks',
    'http://127.5.6.7/jwks',
    'http://localhost:3000/jwks',
    'http://LOCALHOST/jwks',
    'http://[::1]:9000/jwks',
  ]) {
    assert.doesNotThrow(() => createAuthenticator(jwt({ jwksUrl: url })), url);
  }
});

test('empty, unparseable, non-http(s) or credential-bearing JWKS URLs are refused (credentials not echoed)', () => {
  refuses(jwt({ jwksUrl: '' }), /JWKS URL is empty/);
  refuses(jwt({ jwksUrl: '   ' }), /JWKS URL is empty/);
  refuses(jwt({ jwksUrl: 'not a url' }), /not a valid URL/);
  refuses(jwt({ jwksUrl: '/.well-known/jwks.json' }), /not a valid URL/);
  refuses(jwt({ jwksUrl: 'ftp://auth.example.com/jwks' }), /must be https/);
  refuses(jwt({ jwksUrl: 'file:///etc/jwks.json' }), /must be https/);
  assert.throws(
    () => createAuthenticator(jwt({ jwksUrl: 'https://user:hunter2-password@auth.example.com/jwks' })),
    (error: unknown) =>
      error instanceof ConfigError && /credentials/.test(error.message) && !error.message.includes('hunter2'),
  );
});

test('algorithms: none and HS* are refused, as are unknown names and an empty list', () => {
  refuses(jwt({ algorithms: ['RS256', 'none'] }), /must not include "none"/);
  refuses(jwt({ algorithms: ['NONE'] }), /must not include "none"/);
  refuses(jwt({ algorithms: ['HS256'] }), /HS256: HMAC/);
  refuses(jwt({ algorithms: ['RS256', 'hs512'] }), /hs512: HMAC/);
  refuses(jwt({ algorithms: ['RS256', 'RSA-OAEP'] }), /unsupported algorithm "RSA-OAEP"/);
  refuses(jwt({ algorithms: [] }), /non-empty list/);
  assert.doesNotThrow(() => createAuthenticator(jwt({ algorithms: ['ES256', 'EdDSA'] })));
});

test('audience, issuer and tenant claim must be non-empty when set', () => {
  refuses(jwt({ audience: [] }), /audience: must be a non-empty string or a non-empty list/);
  refuses(jwt({ audience: '' }), /audience/);
  refuses(jwt({ audience: ['hector-api', ''] }), /audience/);
  refuses(jwt({ issuer: '' }), /issuer: must be a non-empty string/);
  refuses(jwt({ tenantClaim: '' }), /tenant_claim/);
});

test('clock tolerance is 0..300 seconds', () => {
  refuses(jwt({ clockToleranceSec: 301 }), /at most 300/);
  refuses(jwt({ clockToleranceSec: -1 }), />= 0/);
  refuses(jwt({ clockToleranceSec: Number.NaN }), />= 0/);
  assert.doesNotThrow(() => createAuthenticator(jwt({ clockToleranceSec: 300 })));
  assert.doesNotThrow(() => createAuthenticator(jwt({ clockToleranceSec: 0 })));
});

test('a short secret is refused naming HECTOR_AUTH_SECRET and --auth-secret, without echoing it', () => {
  assert.throws(
    () => createAuthenticator({ secret: 'admin-secret', defaultTenant: 'default' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /at least 16/.test(error.message) &&
      /HECTOR_AUTH_SECRET/.test(error.message) &&
      /--auth-secret/.test(error.message) &&
      !error.message.includes('admin-secret'),
  );
});

test('every problem is reported at once', () => {
  assert.throws(
    () =>
      createAuthenticator({
        secret: 'Zq9-shortsec',
        apiKeys: ['Kx7-tinykey'],
        jwt: { jwksUrl: 'http://example.com/jwks', algorithms: ['HS256'], audience: [] },
        defaultTenant: '',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const paths = error.issues.map((i) => i.path);
      for (const path of [
        'server.auth',
        'server.auth.secret',
        'server.auth.api_keys[0]',
        'server.auth.jwks_url',
        'server.auth.algorithms',
        'server.auth.audience',
      ]) {
        assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
      }
      assert.ok(!error.message.includes('Zq9-shortsec') && !error.message.includes('Kx7-tinykey'), error.message);
      return true;
    },
  );
});

test('a missing defaultTenant is refused', () => {
  refuses({ defaultTenant: '' }, /defaultTenant/);
  refuses({ defaultTenant: undefined as unknown as string }, /defaultTenant/);
});
