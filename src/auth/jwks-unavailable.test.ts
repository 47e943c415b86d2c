/**
 * The JWKS endpoint failing — down, hanging, erroring, redirecting, oversized, not JSON — is always
 * `jwks_unavailable`, never a success; failures are not retried on every request (5 s backoff); the algorithm
 * allowlist is enforced even for keys the JWKS does publish. JWKS servers here are tiny local ones.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import {
  closedPort,
  newTestKey,
  nowSec,
  startHttpServer,
  startJwksServer,
  type TestHttpServer,
  type TestKey,
} from '../../test/support/oidc-tokens.ts';
import { createAuthenticator } from './index.ts';

const servers: TestHttpServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(server: Promise<TestHttpServer>): Promise<TestHttpServer> {
  const started = await server;
  servers.push(started);
  return started;
}

const claims = () => ({ sub: 'user-1', exp: nowSec() + 600 });
let key: TestKey;
async function signed(): Promise<string> {
  key ??= await newTestKey('k1');
  return key.sign(claims());
}

test('JWKS on a closed port → jwks_unavailable, every time, never ok', async () => {
  const port = await closedPort();
  let now = Date.now();
  const auth = createAuthenticator(
    { jwt: { jwksUrl: `http://127.0.0.1:${port}/jwks` }, defaultTenant: 'default' },
    { now: () => now },
  );
  const token = await signed();
  for (let i = 0; i < 5; i++) {
    assert.deepEqual(await auth.authenticate(`Bearer ${token}`), { ok: false, reason: 'jwks_unavailable' });
    now += 10_000; // past the failure backoff, so each round really tries the network again
  }
});

test('a JWKS endpoint that never answers → jwks_unavailable once the 5 s timeout fires', async () => {
  const hanging = await serve(startHttpServer(() => {}));
  const auth = createAuthenticator({ jwt: { jwksUrl: `${hanging.url}/jwks` }, defaultTenant: 'default' });
  assert.deepEqual(await auth.authenticate(`Bearer ${await signed()}`), { ok: false, reason: 'jwks_unavailable' });
  assert.equal(hanging.requests(), 1);
});

test('after a failed download no request is made for 5 s; then it is retried and recovers', async () => {
  key ??= await newTestKey('k1');
  let failing = true;
  const jwks = await serve(
    startHttpServer((_req, res) => {
      if (failing) {
        res.statusCode = 500;
        res.end('boom');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [key.publicJwk] }));
    }),
  );
  let now = Date.now();
  const auth = createAuthenticator(
    { jwt: { jwksUrl: `${jwks.url}/jwks` }, defaultTenant: 'default' },
    { now: () => now },
  );
  const token = await signed();
  assert.deepEqual(await auth.authenticate(`Bearer ${token}`), { ok: false, reason: 'jwks_unavailable' });
  assert.equal(jwks.requests(), 1);
  for (let i = 0; i < 20; i++) {
    assert.deepEqual(await auth.authenticate(`Bearer ${token}`), { ok: false, reason: 'jwks_unavailable' });
  }
  assert.equal(jwks.requests(), 1, 'no request per incoming token while the endpoint is failing');

  failing = false;
  now += 4_000;
  assert.deepEqual(await auth.authenticate(`Bearer ${token}`), { ok: false, reason: 'jwks_unavailable' });
  assert.equal(jwks.requests(), 1);
  now += 1_500;
  const recovered = await auth.authenticate(`Bearer ${token}`);
  assert.ok(recovered.ok, 'retried after the backoff');
  assert.equal(recovered.principal.subject, 'user-1');
  assert.equal(jwks.requests(), 2);
});

test('error statuses, redirects, non-JSON, non-JWKS JSON and oversized bodies are jwks_unavailable', async () => {
  key ??= await newTestKey('k1');
  const good = await serve(startJwksServer(() => [key.publicJwk]));
  const bodies: [string, (res: import('node:http').ServerResponse) => void][] = [
    [
      '404',
      (res) => {
        res.statusCode = 404;
        res.end();
      },
    ],
    [
      '503',
      (res) => {
        res.statusCode = 503;
        res.end('{"keys":[]}');
      },
    ],
    [
      '302 to a valid JWKS',
      (res) => {
        res.statusCode = 302;
        res.setHeader('location', `${good.url}/jwks`);
        res.end();
      },
    ],
    [
      'html',
      (res) => {
        res.setHeader('content-type', 'text/html');
        res.end('<html>login</html>');
      },
    ],
    [
      'json without keys',
      (res) => {
        res.end('{"jwks":[]}');
      },
    ],
    [
      'keys not a list',
      (res) => {
        res.end('{"keys":{}}');
      },
    ],
    [
      'oversized (600 KiB of valid JSON)',
      (res) => {
        res.end(JSON.stringify({ keys: [key.publicJwk], padding: 'x'.repeat(600 * 1024) }));
      },
    ],
    [
      'oversized, chunked without content-length',
      (res) => {
        res.write('{"keys":[],"p":"');
        for (let i = 0; i < 700; i++) res.write('x'.repeat(1024));
        res.end('"}');
      },
    ],
  ];
  for (const [label, respond] of bodies) {
    const bad = await serve(startHttpServer((_req, res) => respond(res)));
    const auth = createAuthenticator({ jwt: { jwksUrl: `${bad.url}/jwks` }, defaultTenant: 'default' });
    assert.deepEqual(
      await auth.authenticate(`Bearer ${await signed()}`),
      { ok: false, reason: 'jwks_unavailable' },
      label,
    );
  }
  assert.equal(good.requests(), 0, 'redirects are not followed');
});

test('a JWKS that publishes a private key is refused, not used', async () => {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid: 'priv', alg: 'RS256' };
  const leaky = await serve(startJwksServer(() => [privateJwk]));
  const auth = createAuthenticator({ jwt: { jwksUrl: `${leaky.url}/jwks` }, defaultTenant: 'default' });
  const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'priv' }).sign(privateKey);
  assert.deepEqual(await auth.authenticate(`Bearer ${token}`), { ok: false, reason: 'jwks_unavailable' });
});

test('the algorithm allowlist holds even for a key the JWKS publishes (ES256 key, only RS256 allowed)', async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const ecJwk: JWK = { ...(await exportJWK(publicKey)), kid: 'ec', use: 'sig' };
  const jwks = await serve(startJwksServer(() => [ecJwk]));
  const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'ec' }).sign(privateKey);
  const any = createAuthenticator({ jwt: { jwksUrl: `${jwks.url}/jwks` }, defaultTenant: 'default' });
  assert.equal((await any.authenticate(`Bearer ${token}`)).ok, true, 'control: ES256 is accepted by default');
  const rsOnly = createAuthenticator({
    jwt: { jwksUrl: `${jwks.url}/jwks`, algorithms: ['RS256'] },
    defaultTenant: 'default',
  });
  assert.deepEqual(await rsOnly.authenticate(`Bearer ${token}`), { ok: false, reason: 'invalid_token' });
});
