/** JWT authentication through the real CLI flags, against tokens from a real OIDC provider (oidc-provider). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc.ts';
import { decodePayload, hmacToken, nowSec, unsignedToken, withPayload } from '../support/oidc-tokens.ts';
import { legacyMessage, type Server, startServer } from './support.ts';

async function send(url: string, token: string | undefined, params: unknown, method = 'message/send') {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return { status: res.status, json: (await res.json()) as any };
}

describe('JWT via JWKS (--auth-jwks-url, --auth-issuer, --auth-audience)', () => {
  let oidc: TestOidcProvider;
  let llm: ScriptedLlm;
  let server: Server;
  let agent: string;

  before(async () => {
    oidc = await startOidcProvider();
    llm = await startScriptedLlm({ whenEmpty: 'echo' });
    server = await startServer({
      config: `version: "2"
llms:
  default: {provider: openai, model: m, base_url: "${llm.openaiBaseUrl}", max_retries: 0}
agents:
  analyst: {visibility: internal}
logger: {level: info, format: json}
`,
      extraArgs: ['--auth-jwks-url', oidc.jwksUrl, '--auth-issuer', oidc.issuer, '--auth-audience', oidc.audience],
    });
    agent = `${server.url}/agents/analyst`;
  });
  after(async () => {
    await server?.stop();
    await llm?.close();
    await oidc?.close();
  });

  test('health reports the JWT method (issuer, audience, JWKS URL) and nothing secret', async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as any;
    assert.deepEqual(health.auth.methods.jwt, { jwks_url: oidc.jwksUrl, issuer: oidc.issuer, audience: oidc.audience });
    assert.equal(health.auth.methods.secret, false);
  });

  test('a client-credentials token from the provider is accepted; claims become the principal', async () => {
    const token = await oidc.token({ tenant_id: 'acme', roles: ['analyst'] });
    const r = await send(agent, token, legacyMessage('hello'));
    assert.equal(r.status, 200);
    assert.equal(r.json.result.status.state, 'completed');
    const sub = decodePayload(token).sub;
    await server.waitForOutput(new RegExp(`"task_id":"${r.json.result.id}"`));
    const audit = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .find((e) => e.component === 'agent' && e.action === 'request' && e.task_id === r.json.result.id);
    assert.equal(audit.user, sub);
    assert.equal(audit.tenant, 'acme');
  });

  test('tasks are isolated by tenant: the same subject in another tenant cannot read them', async () => {
    const acme = await oidc.token({ tenant_id: 'acme' });
    const globex = await oidc.token({ tenant_id: 'globex' });
    assert.equal(decodePayload(acme).sub, decodePayload(globex).sub, 'same client, same subject');
    const mine = await send(agent, acme, legacyMessage('acme data'));
    const other = await send(agent, globex, { id: mine.json.result.id }, 'tasks/get');
    assert.equal(other.json.error.code, -32001);
    const again = await send(agent, acme, { id: mine.json.result.id }, 'tasks/get');
    assert.equal(again.json.result.id, mine.json.result.id);
  });

  test('forged, expired, misdirected and malformed tokens are all refused with 401', async () => {
    const good = await oidc.token({ tenant_id: 'acme' });
    const claims = decodePayload(good);
    const attacks: [string, string][] = [
      ['alg none', unsignedToken({ alg: 'none', typ: 'JWT' }, claims)],
      ['HS256 with the RSA public key', hmacToken({ alg: 'HS256', kid: oidc.kid() }, claims, oidc.publicKeyPem())],
      ['tampered payload', withPayload(good, { ...claims, sub: 'someone-else', tenant_id: 'globex' })],
      ['expired', await oidc.sign({ ...claims, iat: nowSec() - 7200, exp: nowSec() - 3600 })],
      ['not yet valid', await oidc.sign({ ...claims, nbf: nowSec() + 3600 })],
      ['wrong issuer', await oidc.sign({ ...claims, iss: 'https://evil.example.com/' })],
      ['wrong audience', await oidc.sign({ ...claims, aud: 'another-api' })],
      ['unknown kid', await oidc.sign(claims, { kid: 'no-such-kid' })],
      ['garbage', 'not.a.jwt'],
    ];
    for (const [what, token] of attacks) {
      const r = await send(agent, token, legacyMessage('x'));
      assert.equal(r.status, 401, what);
    }
    const valid = await send(agent, good, legacyMessage('still fine'));
    assert.equal(valid.status, 200);
  });

  test('without a token the internal agent does not exist; with one it does', async () => {
    const anon = (await (await fetch(`${server.url}/agents`)).json()) as any;
    assert.equal(anon.total, 0);
    const token = await oidc.token({ tenant_id: 'acme' });
    const authed = (await (
      await fetch(`${server.url}/agents`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as any;
    assert.deepEqual(
      authed.agents.map((a: any) => a.name),
      ['analyst'],
    );
  });
});
