/**
 * Static API keys: each key is its own identity (subject from the entry or its index, never from the key);
 * near misses fail; bad key lists fail at construction without printing keys; only hashes are kept, and not
 * even those are visible from outside.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { ConfigError, sha256Hex } from '../shared/index.ts';
import { createAuthenticator } from './index.ts';

const KEY_0 = 'key-abc123-0000000000000000';
const KEY_1 = 'key-def456-1111111111111111';
const KEY_2 = 'key-ghi789-2222222222222222';
const auth = createAuthenticator({
  apiKeys: [KEY_0, { key: KEY_1, subject: 'ci-bot', roles: ['deploy', 'read'] }, { key: KEY_2, roles: ['read'] }],
  defaultTenant: 'default',
});

test('each key → its own principal: subject from the entry or api-key-<index>, roles from the entry', async () => {
  assert.deepEqual(await auth.authenticate(`Bearer ${KEY_0}`), {
    ok: true,
    principal: { subject: 'api-key-0', tenant: 'default', roles: [], method: 'api_key' },
  });
  assert.deepEqual(await auth.authenticate(`Bearer ${KEY_1}`), {
    ok: true,
    principal: { subject: 'ci-bot', tenant: 'default', roles: ['deploy', 'read'], method: 'api_key' },
  });
  assert.deepEqual(await auth.authenticate(`bearer ${KEY_2}`), {
    ok: true,
    principal: { subject: 'api-key-2', tenant: 'default', roles: ['read'], method: 'api_key' },
  });
});

test('a key differing only in its last character (or case, or length) is invalid_credentials', async () => {
  for (const token of [
    `${KEY_0.slice(0, -1)}1`,
    `${KEY_1.slice(0, -1)}0`,
    `${KEY_2.slice(0, -1)}3`,
    KEY_0.toUpperCase(),
    KEY_0.slice(0, -1),
    `${KEY_0}0`,
    `${KEY_0.slice(0, 10)}${KEY_1.slice(10)}`,
  ]) {
    assert.deepEqual(await auth.authenticate(`Bearer ${token}`), { ok: false, reason: 'invalid_credentials' }, token);
  }
});

test('the stored hash of a key is not itself a key (no pass-the-hash)', async () => {
  assert.deepEqual(await auth.authenticate(`Bearer ${sha256Hex(KEY_0)}`), { ok: false, reason: 'invalid_credentials' });
});

test('every key of a long list is found, whatever its position', async () => {
  const keys = Array.from({ length: 50 }, (_, i) => `service-key-${String(i).padStart(4, '0')}-abcdefgh`);
  const many = createAuthenticator({
    apiKeys: keys.map((key, i) => (i % 2 === 0 ? key : { key, subject: `svc-${i}` })),
    defaultTenant: 't1',
  });
  for (const [i, key] of keys.entries()) {
    const result = await many.authenticate(`Bearer ${key}`);
    assert.ok(result.ok, key);
    assert.equal(result.principal.subject, i % 2 === 0 ? `api-key-${i}` : `svc-${i}`);
    assert.equal(result.principal.tenant, 't1');
  }
  assert.equal((await many.authenticate(`Bearer service-key-0050-abcdefgh`)).ok, false);
});

test('no key material (keys, hashes, prefixes) is reachable through JSON, String or util.inspect', () => {
  const views = [
    JSON.stringify(auth),
    String(auth),
    inspect(auth, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
    Object.getOwnPropertyNames(auth).join(','),
    Object.getOwnPropertySymbols(auth).map(String).join(','),
  ];
  for (const view of views) {
    for (const key of [KEY_0, KEY_1, KEY_2]) {
      assert.ok(!view.includes(key), view);
      assert.ok(!view.includes(key.slice(0, 10)), view);
      assert.ok(!view.includes(sha256Hex(key)), view);
      assert.ok(!view.includes(sha256Hex(key).slice(0, 16)), view);
    }
  }
  assert.deepEqual(JSON.parse(JSON.stringify(auth)), {
    enabled: true,
    methods: { secret: false, api_keys: true, jwt: null },
  });
});

test('a key shorter than 16 characters is refused at construction, by index, without printing it', () => {
  const short = 'short-key-123';
  assert.throws(
    () => createAuthenticator({ apiKeys: [KEY_0, short], defaultTenant: 'default' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /api_keys\[1\]/);
      assert.match(error.message, /at least 16/);
      assert.ok(!error.message.includes(short), error.message);
      assert.ok(!error.message.includes(KEY_0), error.message);
      assert.ok(!JSON.stringify(error.issues).includes(short));
      return true;
    },
  );
  assert.throws(
    () => createAuthenticator({ apiKeys: [{ key: 'tiny', subject: 'x' }], defaultTenant: 'default' }),
    (error: unknown) => error instanceof ConfigError && /api_keys\[0\]\.key/.test(error.message),
  );
  assert.throws(() => createAuthenticator({ apiKeys: [''], defaultTenant: 'default' }), ConfigError);
});

test('duplicate keys are refused at construction, naming both indexes, without printing the key', () => {
  assert.throws(
    () => createAuthenticator({ apiKeys: [KEY_0, KEY_1, { key: KEY_0, subject: 'again' }], defaultTenant: 'default' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /api_keys\[2\]: duplicates api_keys\[0\]/);
      assert.ok(!error.message.includes(KEY_0), error.message);
      return true;
    },
  );
});

test('an API key equal to the shared secret is refused (it would silently be the admin)', () => {
  assert.throws(
    () => createAuthenticator({ secret: KEY_0, apiKeys: [KEY_0], defaultTenant: 'default' }),
    (error: unknown) =>
      error instanceof ConfigError && /same as the auth secret/.test(error.message) && !error.message.includes(KEY_0),
  );
});

test('malformed entries are refused: empty subject, non-string roles, non-object entries', () => {
  const bad: unknown[] = [
    [{ key: KEY_0, subject: '' }],
    [{ key: KEY_0, subject: '   ' }],
    [{ key: KEY_0, roles: 'admin' }],
    [{ key: KEY_0, roles: [1] }],
    [{ key: KEY_0, roles: [''] }],
    [{ subject: 'no-key' }],
    [42],
    [null],
    'not-a-list',
  ];
  for (const apiKeys of bad) {
    assert.throws(
      () => createAuthenticator({ apiKeys: apiKeys as string[], defaultTenant: 'default' }),
      ConfigError,
      JSON.stringify(apiKeys),
    );
  }
});

test('principals of API keys are frozen copies: editing one does not change the next authentication', async () => {
  const first = await auth.authenticate(`Bearer ${KEY_1}`);
  assert.ok(first.ok);
  assert.throws(() => (first.principal.roles as string[]).push('admin'));
  const second = await auth.authenticate(`Bearer ${KEY_1}`);
  assert.ok(second.ok);
  assert.deepEqual(second.principal.roles, ['deploy', 'read']);
});

test('an empty key list configures nothing', async () => {
  const none = createAuthenticator({ apiKeys: [], defaultTenant: 'default' });
  assert.equal(none.enabled, false);
  assert.deepEqual(await none.authenticate(`Bearer ${KEY_0}`), { ok: false, reason: 'missing_credentials' });
});
