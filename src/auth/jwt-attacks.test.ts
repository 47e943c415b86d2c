/**
 * Attacks on JWT verification, each refused with the right reason: unsigned (`alg: none`), RS256→HS256 key
 * confusion, tampered payloads, expired / not-yet-valid, foreign issuer / audience, unknown or spoofed keys,
 * embedded keys (`jwk`, `jku`), missing `exp` / `sub`, garbage and oversized tokens.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startOidcProvider, type TestOidcProvider } from '../../test/support/oidc.ts';
import {
  b64url,
  decodePayload,
  hmacToken,
  newTestKey,
  nowSec,
  startJwksServer,
  type TestHttpServer,
  unsignedToken,
  withPayload,
} from '../../test/support/oidc-tokens.ts';
import { type Authenticator, type AuthFailureReason, createAuthenticator } from './index.ts';

let idp: TestOidcProvider;
let auth: Authenticator;
let attackerJwks: TestHttpServer;
let valid: string;

before(async () => {
  idp = await startOidcProvider();
  attackerJwks = await startJwksServer(() => []);
  auth = createAuthenticator({
    jwt: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: 'hector-api' },
    defaultTenant: 'default',
  });
  valid = await idp.token({ tenant_id: 'tenant-a', roles: ['reader'] });
  const warm = await auth.authenticate(`Bearer ${valid}`);
  assert.ok(warm.ok, 'a genuine token must verify (the attacks below are measured against a working setup)');
});
after(async () => {
  await idp.close();
  await attackerJwks.close();
});

function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: 'attacker', iss: idp.issuer, aud: 'hector-api', iat: nowSec(), exp: nowSec() + 600, ...extra };
}

async function refused(token: string, reason: AuthFailureReason, label = token.slice(0, 40)) {
  const result = await auth.authenticate(`Bearer ${token}`);
  assert.deepEqual(result, { ok: false, reason }, label);
}

function coldAuthenticator(): Authenticator {
  return createAuthenticator({
    jwt: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: 'hector-api' },
    defaultTenant: 'default',
  });
}

test('alg "none" (any spelling), with or without a signature, is invalid_token and fetches no keys', async () => {
  const cold = coldAuthenticator();
  const before = idp.jwksRequests();
  const realSignature = valid.split('.')[2]!;
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    for (const token of [
      unsignedToken({ alg, typ: 'JWT' }, claims()),
      unsignedToken({ alg, kid: idp.kid() }, claims()),
      unsignedToken({ alg }, claims(), realSignature),
    ]) {
      await refused(token, 'invalid_token', alg);
      assert.deepEqual(await cold.authenticate(`Bearer ${token}`), { ok: false, reason: 'invalid_token' });
    }
  }
  await refused(unsignedToken({ typ: 'JWT' }, claims()), 'invalid_token', 'no alg at all');
  assert.equal(idp.jwksRequests(), before, 'refused before any key lookup');
});

test('HS256 signed with the RSA public key as HMAC secret (key confusion) is invalid_token, before any key lookup', async () => {
  const cold = coldAuthenticator();
  const pem = idp.publicKeyPem();
  const jwks = await (await fetch(idp.jwksUrl)).text();
  const before = idp.jwksRequests();
  for (const secret of [pem, pem.trim(), jwks]) {
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      for (const token of [
        hmacToken({ alg, typ: 'JWT', kid: idp.kid() }, claims(), secret),
        hmacToken({ alg, typ: 'JWT' }, claims(), secret),
      ]) {
        await refused(token, 'invalid_token', alg);
        assert.deepEqual(await cold.authenticate(`Bearer ${token}`), { ok: false, reason: 'invalid_token' });
      }
    }
  }
  assert.equal(idp.jwksRequests(), before, 'the cold authenticator never needed the JWKS to refuse them');
});

test('a tampered payload (other sub, tenant, roles, exp) with the original signature is invalid_token', async () => {
  const payload = decodePayload(valid);
  for (const change of [
    { sub: 'admin' },
    { tenant_id: 'tenant-b' },
    { roles: ['reader', 'admin'] },
    { exp: nowSec() + 365 * 86400 },
    { aud: 'hector-api', extra: 1 },
  ]) {
    await refused(withPayload(valid, { ...payload, ...change }), 'invalid_token', JSON.stringify(change));
  }
  // Re-encoding the same JSON differently (padding, other key order) also breaks the signature.
  await refused(withPayload(valid, Object.fromEntries(Object.entries(payload).reverse())), 'invalid_token');
  const [h, p, s] = valid.split('.');
  await refused(
    `${h}.${p}.${s!.slice(0, -2)}${s!.endsWith('AA') ? 'BB' : 'AA'}`,
    'invalid_token',
    'signature bit flip',
  );
  await refused(`${h}.${p}.`, 'invalid_token', 'signature stripped');
});

test('expired and not-yet-valid tokens', async () => {
  await refused(await idp.sign(claims({ iat: nowSec() - 7200, exp: nowSec() - 3600 })), 'expired_token');
  await refused(await idp.sign(claims({ exp: 0 })), 'expired_token');
  await refused(await idp.sign(claims({ nbf: nowSec() + 3600 })), 'token_not_yet_valid');
  await refused(await idp.sign(claims({ exp: '9999999999' })), 'invalid_token', 'exp as a string');
  await refused(await idp.sign(claims({ nbf: 'later' })), 'invalid_token', 'nbf as a string');
});

test('a foreign or missing issuer is wrong_issuer', async () => {
  await refused(await idp.sign(claims({ iss: 'https://evil.example' })), 'wrong_issuer');
  await refused(await idp.sign(claims({ iss: `${idp.issuer}/` })), 'wrong_issuer');
  await refused(await idp.sign(claims({ iss: idp.issuer.toUpperCase() })), 'wrong_issuer');
  const { iss: _, ...noIss } = claims();
  await refused(await idp.sign(noIss), 'wrong_issuer');
  // A genuine token of this provider, checked against another expected issuer.
  const elsewhere = createAuthenticator({
    jwt: { jwksUrl: idp.jwksUrl, issuer: 'https://auth.example.com/' },
    defaultTenant: 'default',
  });
  assert.deepEqual(await elsewhere.authenticate(`Bearer ${valid}`), { ok: false, reason: 'wrong_issuer' });
});

test('a token for another audience (issued by the real provider) or without aud is wrong_audience', async () => {
  await refused(await idp.token({ audience: 'other-api' }), 'wrong_audience');
  await refused(await idp.token({ audience: 'hector-api-2' }), 'wrong_audience');
  await refused(await idp.sign(claims({ aud: ['other-api', 'billing'] })), 'wrong_audience');
  const { aud: _, ...noAud } = claims();
  await refused(await idp.sign(noAud), 'wrong_audience');
});

test('an unknown kid is unknown_key', async () => {
  await refused(await idp.sign(claims(), { kid: 'no-such-kid' }), 'unknown_key');
});

test('a token signed by another key that claims the trusted kid is invalid_token', async () => {
  const impostor = await newTestKey(idp.kid());
  await refused(await impostor.sign(claims()), 'invalid_token');
  await refused(await impostor.sign(claims(), { typ: 'at+jwt' }), 'invalid_token');
});

test('embedded keys are ignored: header jwk / jku / x5u never supply the verification key', async () => {
  const attacker = await newTestKey('attacker-kid');
  const jku = `${attackerJwks.url}/jwks`;
  await refused(
    await attacker.sign(claims(), { jwk: attacker.publicJwk, jku, x5u: jku }),
    'unknown_key',
    'attacker kid + embedded jwk',
  );
  await refused(
    await attacker.sign(claims(), { kid: idp.kid(), jwk: attacker.publicJwk, jku }),
    'invalid_token',
    'trusted kid + embedded attacker jwk',
  );
  assert.equal(attackerJwks.requests(), 0, 'the jku URL is never fetched');
});

test('a token without exp, or without / with an empty or non-string sub, is invalid_token', async () => {
  const { exp: _e, ...noExp } = claims();
  await refused(await idp.sign(noExp), 'invalid_token', 'no exp');
  const { sub: _s, ...noSub } = claims();
  await refused(await idp.sign(noSub), 'invalid_token', 'no sub');
  await refused(await idp.sign(claims({ sub: '' })), 'invalid_token', 'empty sub');
  await refused(await idp.sign(claims({ sub: '  ' })), 'invalid_token', 'blank sub');
  await refused(await idp.sign(claims({ sub: 42 })), 'invalid_token', 'numeric sub');
  await refused(await idp.sign(claims({ sub: ['a'] })), 'invalid_token', 'list sub');
});

test('unknown critical header parameters are invalid_token', async () => {
  const [, payload, signature] = (await idp.sign(claims())).split('.');
  const header = { alg: 'RS256', kid: idp.kid(), crit: ['x-must-understand'], 'x-must-understand': true };
  await refused(`${b64url(JSON.stringify(header))}.${payload}.${signature}`, 'invalid_token');
});

test('garbage, non-JWT, JWE-shaped, empty and oversized tokens are refused', async () => {
  for (const token of [
    'abc.def.ghi',
    'not-a-jwt-at-all-1234567890',
    'a.b',
    'a.b.c.d',
    'a.b.c.d.e',
    `${b64url('{"alg":"RS256"')}.${b64url('{}')}.AAAA`,
    `${b64url('[]')}.${b64url('{}')}.AAAA`,
    `${b64url(JSON.stringify({ alg: 'RS256', kid: idp.kid() }))}.${b64url('not json')}.AAAA`,
    `${b64url(JSON.stringify({ alg: 'RS256', kid: idp.kid() }))}.${b64url('[1,2]')}.AAAA`,
    '...',
    `${valid}.${valid}`,
  ]) {
    await refused(token, 'invalid_token', token.slice(0, 60));
  }
  assert.deepEqual(await auth.authenticate('Bearer '), { ok: false, reason: 'malformed_header' });
  assert.deepEqual(await auth.authenticate('Bearer'), { ok: false, reason: 'malformed_header' });
  const huge = await idp.sign(claims({ padding: 'x'.repeat(20 * 1024) }));
  assert.ok(huge.length > 20 * 1024);
  assert.deepEqual(await auth.authenticate(`Bearer ${huge}`), { ok: false, reason: 'malformed_header' });
});

test('the genuine token still verifies after all the attacks (nothing was poisoned)', async () => {
  const result = await auth.authenticate(`Bearer ${valid}`);
  assert.ok(result.ok);
  assert.equal(result.principal.tenant, 'tenant-a');
});
