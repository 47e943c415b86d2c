/**
 * The shared admin secret (HECTOR_AUTH_SECRET / --auth-secret): only the exact value in a Bearer header is the
 * admin; near misses are not; the value never shows up in errors, strings, JSON or inspection.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { ConfigError } from '../shared/index.ts';
import { createAuthenticator } from './index.ts';

const SECRET = 'my-super-secret-token';
const auth = createAuthenticator({ secret: SECRET, defaultTenant: 'default' });

test('the right secret → the admin principal of the default tenant', async () => {
  assert.deepEqual(await auth.authenticate(`Bearer ${SECRET}`), {
    ok: true,
    principal: { subject: 'admin', tenant: 'default', roles: ['admin'], method: 'secret' },
  });
  const other = createAuthenticator({ secret: SECRET, defaultTenant: 'tenant-x' });
  const result = await other.authenticate(`bearer ${SECRET}`);
  assert.ok(result.ok);
  assert.equal(result.principal.tenant, 'tenant-x');
});

test('near misses are invalid_credentials: wrong, last character, case, shorter, longer, prefix/suffix', async () => {
  const misses = [
    'a-completely-wrong-token',
    `${SECRET.slice(0, -1)}m`,
    `${SECRET.slice(0, -1)}N`,
    `M${SECRET.slice(1)}`,
    SECRET.toUpperCase(),
    SECRET.slice(0, -1),
    SECRET.slice(0, 16),
    `${SECRET}n`,
    `${SECRET}${SECRET}`,
    `x${SECRET}`,
    'a',
  ];
  for (const token of misses) {
    assert.deepEqual(await auth.authenticate(`Bearer ${token}`), { ok: false, reason: 'invalid_credentials' }, token);
  }
});

test('an empty token or the secret under another scheme is refused', async () => {
  assert.deepEqual(await auth.authenticate('Bearer '), { ok: false, reason: 'malformed_header' });
  for (const header of [`Basic ${SECRET}`, `Token ${SECRET}`, `Digest ${SECRET}`, SECRET]) {
    assert.deepEqual(await auth.authenticate(header), { ok: false, reason: 'malformed_header' }, header);
  }
});

test('the returned principal cannot be edited into another identity', async () => {
  const first = await auth.authenticate(`Bearer ${SECRET}`);
  assert.ok(first.ok);
  assert.throws(() => (first.principal.roles as string[]).push('root'));
  assert.throws(() => {
    (first.principal as { tenant: string }).tenant = 'other';
  });
  const second = await auth.authenticate(`Bearer ${SECRET}`);
  assert.ok(second.ok);
  assert.deepEqual(second.principal.roles, ['admin']);
  assert.equal(second.principal.tenant, 'default');
});

test('the secret never appears in String(), JSON, util.inspect or toString of the authenticator', () => {
  const views = [
    String(auth),
    `${auth}`,
    JSON.stringify(auth),
    JSON.stringify(auth.methods),
    inspect(auth, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
    inspect(auth.methods, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    Object.keys(auth).join(','),
    Object.getOwnPropertyNames(auth).join(','),
  ];
  for (const view of views) {
    assert.ok(!view.includes(SECRET), view);
    assert.ok(!view.includes(SECRET.slice(0, 10)), view);
  }
  assert.deepEqual(auth.methods, { secret: true, api_keys: false, jwt: null });
  assert.equal(auth.enabled, true);
});

test('a secret shorter than 16 characters is refused at construction, naming where to set it, never echoing it', () => {
  for (const secret of ['admin-secret', 'x', 'fifteen-chars!!'.slice(0, 15), '']) {
    assert.throws(
      () => createAuthenticator({ secret, defaultTenant: 'default' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.code, 'config_invalid');
        assert.match(error.message, /at least 16/);
        assert.match(error.message, /HECTOR_AUTH_SECRET/);
        assert.match(error.message, /--auth-secret/);
        if (secret.length > 0) assert.ok(!error.message.includes(secret), error.message);
        assert.ok(!JSON.stringify(error.issues).includes(secret || '\u0000'));
        return true;
      },
    );
  }
  assert.doesNotThrow(() => createAuthenticator({ secret: 'a'.repeat(16), defaultTenant: 'default' }));
});

test('a secret that could never be sent in a Bearer header is refused at construction, not silently unusable', () => {
  for (const secret of [
    'my super secret token',
    'my-super-secret-tökén',
    'my-super-secret-token!',
    'tab\there-and-more-chars',
  ]) {
    assert.throws(
      () => createAuthenticator({ secret, defaultTenant: 'default' }),
      (error: unknown) =>
        error instanceof ConfigError && /Bearer header/.test(error.message) && !error.message.includes(secret),
    );
  }
});
