/**
 * JWT authentication against a REAL OpenID provider (oidc-provider issuing client-credentials access tokens
 * as RFC 9068 JWTs, RS256, JWKS over http on 127.0.0.1): claims → Principal.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startOidcProvider, type TestOidcProvider } from '../../test/support/oidc.ts';
import { nowSec } from '../../test/support/oidc-tokens.ts';
import { type Authenticator, createAuthenticator } from './index.ts';

let idp: TestOidcProvider;
let auth: Authenticator;

before(async () => {
  idp = await startOidcProvider();
  auth = createAuthenticator({
    jwt: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: 'hector-api' },
    defaultTenant: 'default',
  });
});
after(() => idp.close());

test('a token from the provider → principal with sub, tenant_id and roles (list form)', async () => {
  const token = await idp.token({ tenant_id: 'customer-support', roles: ['reader', 'writer'] });
  assert.deepEqual(await auth.authenticate(`Bearer ${token}`), {
    ok: true,
    principal: {
      subject: 'hector-test-client',
      tenant: 'customer-support',
      roles: ['reader', 'writer'],
      method: 'jwt',
    },
  });
});

test('roles as a space/comma separated string, and a single `role` claim', async () => {
  const spaced = await idp.token({ roles: 'reader writer,  admin,reader' });
  const r1 = await auth.authenticate(`Bearer ${spaced}`);
  assert.ok(r1.ok);
  assert.deepEqual(r1.principal.roles, ['reader', 'writer', 'admin']);

  const single = await idp.token({ claims: { role: 'operator' } });
  const r2 = await auth.authenticate(`Bearer ${single}`);
  assert.ok(r2.ok);
  assert.deepEqual(r2.principal.roles, ['operator']);

  const none = await idp.token();
  const r3 = await auth.authenticate(`Bearer ${none}`);
  assert.ok(r3.ok);
  assert.deepEqual(r3.principal.roles, []);
});

test('without the tenant claim the principal belongs to the default tenant', async () => {
  const token = await idp.token({ roles: ['reader'] });
  const other = createAuthenticator({ jwt: { jwksUrl: idp.jwksUrl }, defaultTenant: 'fallback-app' });
  const result = await other.authenticate(`Bearer ${token}`);
  assert.ok(result.ok);
  assert.equal(result.principal.tenant, 'fallback-app');
});

test('a custom tenant claim is read instead of tenant_id', async () => {
  const token = await idp.token({ tenant_id: 'ignored', claims: { org: 'partner-api' } });
  const byOrg = createAuthenticator({ jwt: { jwksUrl: idp.jwksUrl, tenantClaim: 'org' }, defaultTenant: 'default' });
  const result = await byOrg.authenticate(`Bearer ${token}`);
  assert.ok(result.ok);
  assert.equal(result.principal.tenant, 'partner-api');
});

test('a tenant claim that is present but not a non-empty string is refused (never routed to the default tenant)', async () => {
  for (const tenant of ['', '   ', 42, ['a', 'b'], { id: 'a' }, true, null]) {
    const token = await idp.token({ tenant_id: tenant });
    assert.deepEqual(
      await auth.authenticate(`Bearer ${token}`),
      { ok: false, reason: 'invalid_token' },
      JSON.stringify(tenant),
    );
  }
});

test('roles of the wrong shape are refused rather than guessed', async () => {
  for (const claims of [{ roles: [1, 2] }, { roles: { admin: true } }, { roles: ['a', null] }, { role: ['admin'] }]) {
    const token = await idp.token({ claims });
    assert.deepEqual(
      await auth.authenticate(`Bearer ${token}`),
      { ok: false, reason: 'invalid_token' },
      JSON.stringify(claims),
    );
  }
});

test('audience: any listed audience is accepted; issuer and audience are optional', async () => {
  const token = await idp.token();
  const listed = createAuthenticator({
    jwt: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: ['other-api', 'hector-api'] },
    defaultTenant: 'default',
  });
  assert.equal((await listed.authenticate(`Bearer ${token}`)).ok, true);
  const open = createAuthenticator({ jwt: { jwksUrl: idp.jwksUrl }, defaultTenant: 'default' });
  assert.equal((await open.authenticate(`Bearer ${await idp.token({ audience: 'anything' })}`)).ok, true);
});

test('clock tolerance: expired 10 s ago is still accepted (default 30 s), 60 s ago is not; 0 s tolerance refuses', async () => {
  const claims = { sub: 'user-1', iss: idp.issuer, aud: 'hector-api' };
  const recent = await idp.sign({ ...claims, exp: nowSec() - 10 });
  assert.equal((await auth.authenticate(`Bearer ${recent}`)).ok, true);
  const old = await idp.sign({ ...claims, exp: nowSec() - 60 });
  assert.deepEqual(await auth.authenticate(`Bearer ${old}`), { ok: false, reason: 'expired_token' });
  const strict = createAuthenticator({
    jwt: { jwksUrl: idp.jwksUrl, clockToleranceSec: 0 },
    defaultTenant: 'default',
  });
  assert.deepEqual(await strict.authenticate(`Bearer ${recent}`), { ok: false, reason: 'expired_token' });
});

test('an injected clock decides expiry (deps.now)', async () => {
  const token = await idp.token(); // 10 minutes
  const later = createAuthenticator(
    { jwt: { jwksUrl: idp.jwksUrl }, defaultTenant: 'default' },
    { now: () => Date.now() + 11 * 60_000 },
  );
  assert.deepEqual(await later.authenticate(`Bearer ${token}`), { ok: false, reason: 'expired_token' });
});

test('methods describe the JWT setup without secrets', () => {
  assert.deepEqual(auth.methods, {
    secret: false,
    api_keys: false,
    jwt: { jwks_url: idp.jwksUrl, issuer: idp.issuer, audience: 'hector-api' },
  });
  assert.equal(auth.enabled, true);
});
