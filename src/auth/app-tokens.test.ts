import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { type AppSigningKey, createAppTokenVerifier, generateAppSigningKey, signAppToken } from './app-tokens.ts';

const ISS = 'https://hector.example.com';
const AUD = 'hector';
const NOW = Date.UTC(2026, 11, 1, 12);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function world() {
  const keys = new Map<string, AppSigningKey[]>();
  const a = await generateAppSigningKey();
  const b = await generateAppSigningKey();
  keys.set('app-a', [a]);
  keys.set('app-b', [b]);
  let now = NOW;
  const verify = createAppTokenVerifier({
    issuer: ISS,
    audience: AUD,
    validKeys: async (appId) => keys.get(appId) ?? [],
    now: () => now,
  });
  const sign = (key: AppSigningKey, appId: string, extra: Partial<Parameters<typeof signAppToken>[1]> = {}) =>
    signAppToken(key, { appId, issuer: ISS, audience: AUD, ttlSeconds: 3600, now: NOW, ...extra });
  return { keys, a, b, verify, sign, setNow: (t: number) => (now = t) };
}

test('a token signed with the app key verifies as that app, with sub, roles and jti', async () => {
  const { a, verify, sign } = await world();
  const { token, expiresAt, jti } = await sign(a, 'app-a', { roles: ['admin'] });
  assert.equal(expiresAt, NOW + 3_600_000);
  const r = await verify(token);
  assert.deepEqual(r, { ok: true, appId: 'app-a', subject: 'app:app-a', roles: ['admin'], jti });
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
  assert.equal(header.alg, 'EdDSA');
  assert.equal(JSON.parse(a.publicJwk).d, undefined, 'the public JWK has no private part');
});

test('forgeries are refused: another app key, an edited tenant, a key of our own, alg none, HMAC with a secret', async () => {
  const { a, b, verify, sign } = await world();
  // Signed by app B's key but claiming app A (kid of B): B's key is not among A's keys.
  assert.deepEqual(await verify((await sign(b, 'app-a')).token), { ok: false, reason: 'unknown_key' });
  // A real token of A with tenant_id edited to B: B has no such kid.
  const real = (await sign(a, 'app-a')).token;
  const [h, p, s] = real.split('.') as [string, string, string];
  const edited = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), tenant_id: 'app-b' };
  assert.equal((await verify(`${h}.${b64(edited)}.${s}`)).ok, false);
  // Edited and re-signed with an attacker key that copies A's kid: the signature does not match A's key.
  const attacker = await generateAppSigningKey();
  const forged = await sign({ ...attacker, kid: a.kid }, 'app-a');
  assert.deepEqual(await verify(forged.token), { ok: false, reason: 'invalid_token' });
  // Payload edited (roles) without re-signing.
  const elevated = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), roles: ['admin'] };
  assert.equal((await verify(`${h}.${b64(elevated)}.${s}`)).ok, false);
  // alg none and HS256 (e.g. with the admin secret), even with A's kid.
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  assert.equal((await verify(`${b64({ alg: 'none', kid: a.kid })}.${b64(claims)}.`)).ok, false);
  const hsInput = `${b64({ alg: 'HS256', kid: a.kid, typ: 'JWT' })}.${b64(claims)}`;
  const hs = createHmac('sha256', 'admin-secret-0123456789').update(hsInput).digest('base64url');
  assert.equal((await verify(`${hsInput}.${hs}`)).ok, false);
  // An HMAC keyed with the app's public key bytes (the classic algorithm-confusion attack).
  const confused = createHmac('sha256', a.publicJwk).update(hsInput).digest('base64url');
  assert.equal((await verify(`${hsInput}.${confused}`)).ok, false);
  // Unknown app, garbage, empty.
  assert.equal((await verify((await sign(attacker, 'app-x')).token)).ok, false);
  for (const junk of ['', 'a.b.c', 'not a token', `${h}.${p}`]) assert.equal((await verify(junk)).ok, false, junk);
});

test('expiry, issuer, audience and required claims are enforced', async () => {
  const { a, verify, sign, setNow } = await world();
  const { token } = await sign(a, 'app-a', { ttlSeconds: 60 });
  setNow(NOW + 60_000 + 31_000);
  assert.deepEqual(await verify(token), { ok: false, reason: 'expired_token' });
  setNow(NOW);
  assert.deepEqual(await verify((await sign(a, 'app-a', { issuer: 'https://evil.example' })).token), {
    ok: false,
    reason: 'wrong_issuer',
  });
  assert.deepEqual(await verify((await sign(a, 'app-a', { audience: 'other' })).token), {
    ok: false,
    reason: 'wrong_audience',
  });
});

test('rotation and revocation: only the keys the store still lists verify', async () => {
  const { keys, a, verify, sign } = await world();
  const old = (await sign(a, 'app-a')).token;
  const next = await generateAppSigningKey();
  keys.set('app-a', [next, a]); // rotation window: both
  assert.equal((await verify(old)).ok, true);
  assert.equal((await verify((await sign(next, 'app-a')).token)).ok, true);
  keys.set('app-a', [next]); // window over, or revoked at once
  assert.deepEqual(await verify(old), { ok: false, reason: 'unknown_key' });
  keys.delete('app-a'); // app deleted
  assert.equal((await verify((await sign(next, 'app-a')).token)).ok, false);
});

test('the authenticator accepts app tokens as the app, keeps the other methods, and refuses forgeries', async () => {
  const { createAuthenticator } = await import('./authenticator.ts');
  const { a, b, verify, sign } = await world();
  const auth = createAuthenticator({ defaultTenant: 'default', secret: 'admin-secret-0123456789', appTokens: verify });
  const ok = await auth.authenticate(`Bearer ${(await sign(a, 'app-a')).token}`);
  assert.deepEqual(ok, {
    ok: true,
    principal: { subject: 'app:app-a', tenant: 'app-a', roles: [], method: 'app_token' },
  });
  const admin = await auth.authenticate('Bearer admin-secret-0123456789');
  assert.ok(admin.ok && admin.principal.method === 'secret' && admin.principal.tenant === 'default');
  assert.deepEqual(await auth.authenticate(`Bearer ${(await sign(b, 'app-a')).token}`), {
    ok: false,
    reason: 'unknown_key',
  });
  assert.equal((await auth.authenticate('Bearer not-a-token-at-all-xxxx')).ok, false);
});
