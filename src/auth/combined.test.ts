/**
 * Secret + API keys + JWT together (the real OpenID provider): each method accepts its own credential, in the
 * order secret → API keys → JWT; failures report the most specific reason; an authenticator with nothing
 * configured never accepts anything.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { inspect } from 'node:util';
import { startOidcProvider, type TestOidcProvider } from '../../test/support/oidc.ts';
import { nowSec } from '../../test/support/oidc-tokens.ts';
import { type Authenticator, authFailureError, createAuthenticator } from './index.ts';

const SECRET = 'combined-admin-secret-0123456789';
const KEY = 'service-api-key-abcdefghijklmnop';
const JWT_SHAPED_KEY = 'aaaaaaaa.bbbbbbbb.cccccccc';

let idp: TestOidcProvider;
let auth: Authenticator;

before(async () => {
  idp = await startOidcProvider();
  auth = createAuthenticator({
    secret: SECRET,
    apiKeys: [{ key: KEY, subject: 'svc', roles: ['runner'] }, JWT_SHAPED_KEY],
    jwt: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: 'hector-api' },
    defaultTenant: 'default',
  });
});
after(() => idp.close());

test('each method accepts its own credential', async () => {
  const bySecret = await auth.authenticate(`Bearer ${SECRET}`);
  assert.ok(bySecret.ok);
  assert.equal(bySecret.principal.method, 'secret');
  assert.equal(bySecret.principal.subject, 'admin');

  const byKey = await auth.authenticate(`Bearer ${KEY}`);
  assert.ok(byKey.ok);
  assert.deepEqual(byKey.principal, { subject: 'svc', tenant: 'default', roles: ['runner'], method: 'api_key' });

  const byJwt = await auth.authenticate(`Bearer ${await idp.token({ tenant_id: 'app-1', roles: ['reader'] })}`);
  assert.ok(byJwt.ok);
  assert.deepEqual(byJwt.principal, {
    subject: 'hector-test-client',
    tenant: 'app-1',
    roles: ['reader'],
    method: 'jwt',
  });
});

test('a JWT-shaped API key is still an API key (checked before the JWT)', async () => {
  const result = await auth.authenticate(`Bearer ${JWT_SHAPED_KEY}`);
  assert.ok(result.ok);
  assert.equal(result.principal.subject, 'api-key-1');
  assert.equal(result.principal.method, 'api_key');
});

test('garbage is refused with the most specific reason', async () => {
  assert.deepEqual(await auth.authenticate('Bearer garbage-garbage-garbage'), {
    ok: false,
    reason: 'invalid_credentials',
  });
  assert.deepEqual(await auth.authenticate(`Bearer ${KEY}x`), { ok: false, reason: 'invalid_credentials' });
  assert.deepEqual(await auth.authenticate('Bearer aaaaaaaa.bbbbbbbb.ccccccc'), { ok: false, reason: 'invalid_token' });
  assert.deepEqual(await auth.authenticate('Bearer'), { ok: false, reason: 'malformed_header' });
  assert.deepEqual(await auth.authenticate(undefined), { ok: false, reason: 'missing_credentials' });
  const expired = await idp.sign({ sub: 'u', iss: idp.issuer, aud: 'hector-api', exp: nowSec() - 3600 });
  assert.deepEqual(await auth.authenticate(`Bearer ${expired}`), { ok: false, reason: 'expired_token' });
  const foreign = await idp.token({ audience: 'other-api' });
  assert.deepEqual(await auth.authenticate(`Bearer ${foreign}`), { ok: false, reason: 'wrong_audience' });
});

test('a JWT-only server reports a non-JWT token as invalid_token; without JWT it is invalid_credentials', async () => {
  const jwtOnly = createAuthenticator({ jwt: { jwksUrl: idp.jwksUrl }, defaultTenant: 'default' });
  assert.deepEqual(await jwtOnly.authenticate(`Bearer ${SECRET}`), { ok: false, reason: 'invalid_token' });
  const keysOnly = createAuthenticator({ apiKeys: [KEY], defaultTenant: 'default' });
  const jwt = await idp.token();
  assert.deepEqual(await keysOnly.authenticate(`Bearer ${jwt}`), { ok: false, reason: 'invalid_credentials' });
});

test('nothing configured: disabled, and nothing is ever accepted', async () => {
  const off = createAuthenticator({ defaultTenant: 'default' });
  assert.equal(off.enabled, false);
  assert.deepEqual(off.methods, { secret: false, api_keys: false, jwt: null });
  for (const header of [undefined, '', `Bearer ${SECRET}`, `Bearer ${KEY}`, `Bearer ${await idp.token()}`, 'junk']) {
    assert.deepEqual(await off.authenticate(header), { ok: false, reason: 'missing_credentials' });
  }
});

test('the combined authenticator shows its methods but no secret, key or hash', () => {
  const views = [
    JSON.stringify(auth),
    String(auth),
    inspect(auth, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
  ];
  for (const view of views) {
    for (const material of [SECRET, KEY, JWT_SHAPED_KEY]) assert.ok(!view.includes(material), view);
  }
  assert.deepEqual(auth.methods, {
    secret: true,
    api_keys: true,
    jwt: { jwks_url: idp.jwksUrl, issuer: idp.issuer, audience: 'hector-api' },
  });
  assert.equal(String(auth), 'Authenticator(secret, api_keys, jwt)');
});

test('authFailureError: 401 AuthenticationError for credentials, 503 UnavailableError when keys are unreachable', () => {
  assert.equal(authFailureError('expired_token').code, 'authentication_required');
  assert.match(authFailureError('expired_token').message, /expired/);
  assert.equal(authFailureError('invalid_credentials').code, 'authentication_required');
  assert.equal(authFailureError('jwks_unavailable').code, 'unavailable');
});
