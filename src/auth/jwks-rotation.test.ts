/**
 * Key rotation at a REAL OpenID provider, and what an unknown kid may cost. jose's remote JWKS refetches on an
 * unknown kid only once the 30 s cooldown after the last *successful* fetch has passed, so:
 * - a key rotated in less than 30 s after our last fetch is `unknown_key` until the cooldown ends;
 * - random kids cannot make us hammer the JWKS endpoint;
 * - a key dropped from the JWKS stays trusted until the cache (10 min) expires or a refetch happens.
 * The clock jose reads (Date) is mocked and moved forward; nothing here depends on real time passing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startOidcProvider, type TestOidcProvider } from '../../test/support/oidc.ts';
import { nowSec } from '../../test/support/oidc-tokens.ts';
import { createAuthenticator } from './index.ts';

let idp: TestOidcProvider;

before(async () => {
  idp = await startOidcProvider();
});
after(() => idp.close());

const claims = () => ({ sub: 'svc', iss: idp.issuer, aud: 'hector-api', exp: nowSec() + 3600 });

test('rotation: the new kid verifies after the cooldown; unknown kids never cause a fetch storm', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
  const auth = createAuthenticator({ jwt: { jwksUrl: idp.jwksUrl, issuer: idp.issuer }, defaultTenant: 'default' });
  const base = idp.jwksRequests();

  const oldToken = await idp.token({ tenant_id: 'a' });
  assert.equal((await auth.authenticate(`Bearer ${oldToken}`)).ok, true);
  assert.equal(idp.jwksRequests(), base + 1, 'first use fetches the JWKS once');
  assert.equal((await auth.authenticate(`Bearer ${oldToken}`)).ok, true);
  assert.equal(idp.jwksRequests(), base + 1, 'then it is cached');

  const oldKid = idp.kid();
  await idp.rotateKeys();
  assert.notEqual(idp.kid(), oldKid);
  const newToken = await idp.token({ tenant_id: 'a' });

  // Within the cooldown jose does not refetch: the new kid is unknown for now (jose semantics, not a bug here).
  assert.deepEqual(await auth.authenticate(`Bearer ${newToken}`), { ok: false, reason: 'unknown_key' });
  assert.equal(idp.jwksRequests(), base + 1);

  t.mock.timers.tick(31_000);
  const rotated = await auth.authenticate(`Bearer ${newToken}`);
  assert.ok(rotated.ok, 'after the cooldown an unknown kid triggers one refetch and the new key verifies');
  assert.equal(idp.jwksRequests(), base + 2);
  assert.equal((await auth.authenticate(`Bearer ${oldToken}`)).ok, true, 'the old key was kept in the JWKS');

  // 50 tokens with random unknown kids, one after another: no refetch inside the cooldown.
  const before50 = idp.jwksRequests();
  for (let i = 0; i < 50; i++) {
    const token = await idp.sign(claims(), { kid: randomBytes(8).toString('hex') });
    assert.deepEqual(await auth.authenticate(`Bearer ${token}`), { ok: false, reason: 'unknown_key' });
  }
  assert.ok(idp.jwksRequests() - before50 <= 1, `JWKS requests grew by ${idp.jwksRequests() - before50}`);

  // After the cooldown, 50 concurrent unknown kids share a single refetch.
  t.mock.timers.tick(31_000);
  const beforeBurst = idp.jwksRequests();
  const burst = await Promise.all(
    Array.from({ length: 50 }, async () => {
      const token = await idp.sign(claims(), { kid: randomBytes(8).toString('hex') });
      return auth.authenticate(`Bearer ${token}`);
    }),
  );
  assert.ok(burst.every((r) => !r.ok && r.reason === 'unknown_key'));
  assert.ok(idp.jwksRequests() - beforeBurst <= 1, `JWKS requests grew by ${idp.jwksRequests() - beforeBurst}`);
});

test('a key dropped from the JWKS stops verifying once the cached set is refreshed (at most 10 minutes)', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
  const auth = createAuthenticator({ jwt: { jwksUrl: idp.jwksUrl }, defaultTenant: 'default' });
  const longLived = await idp.sign({ ...claims(), exp: nowSec() + 86400 });
  assert.equal((await auth.authenticate(`Bearer ${longLived}`)).ok, true);

  await idp.rotateKeys({ keepOld: false });
  assert.equal((await auth.authenticate(`Bearer ${longLived}`)).ok, true, 'still cached: jose trusts its cache');

  t.mock.timers.tick(10 * 60_000 + 1_000);
  assert.deepEqual(await auth.authenticate(`Bearer ${longLived}`), { ok: false, reason: 'unknown_key' });
  const fresh = await idp.token();
  assert.equal((await auth.authenticate(`Bearer ${fresh}`)).ok, true);
});

test('with several keys in the JWKS a token must name its kid', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
  await idp.rotateKeys(); // now at least two RSA keys are published
  const auth = createAuthenticator({ jwt: { jwksUrl: idp.jwksUrl }, defaultTenant: 'default' });
  assert.equal((await auth.authenticate(`Bearer ${await idp.sign(claims())}`)).ok, true);
  assert.deepEqual(await auth.authenticate(`Bearer ${await idp.sign(claims(), { kid: null })}`), {
    ok: false,
    reason: 'unknown_key',
  });
});
