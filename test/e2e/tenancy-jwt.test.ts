/**
 * Tenant routing by an identity provider's JWT (a real OIDC provider, `oidc-provider`) with the Admin API on:
 * `tenant_id` names an app by its name or id, a tenant that is no app is refused, and a token without the claim
 * reaches the file's default app only when the config allows it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc.ts';
import { legacyMessage, type Server, startServer } from './support.ts';

const ADMIN = 'admin-secret-0123456789abcdef';

function fileConfig(llmUrl: string, auth = '') {
  return `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${LLM_KEY}", base_url: "${llmUrl}", max_retries: 0}
agents:
  assistant: {description: the file's agent}
${auth}logger: {level: info, format: json}
`;
}

async function call(url: string, token: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}

const rpc = (server: Server, agent: string, token: string, method: string, params: unknown) =>
  call(`${server.url}/agents/${agent}`, token, { body: { jsonrpc: '2.0', id: 1, method, params } });

describe('JWT tenant routing with the Admin API on (real OIDC provider)', () => {
  let oidc: TestOidcProvider;
  let llm: ScriptedLlm;
  let server: Server;
  let appId: string;

  before(async () => {
    oidc = await startOidcProvider();
    llm = await startScriptedLlm({ whenEmpty: 'echo' });
    server = await startServer({
      config: fileConfig(llm.openaiBaseUrl),
      env: { LLM_KEY: 'sk-file-0123456789', HECTOR_AUTH_SECRET: ADMIN },
      extraArgs: ['--auth-jwks-url', oidc.jwksUrl, '--auth-issuer', oidc.issuer, '--auth-audience', oidc.audience],
    });
    const created = await call(`${server.url}/admin/apps`, ADMIN, {
      body: {
        name: 'customer-support',
        allowed_ranges: ['127.0.0.0/8'],
        config: {
          llms: {
            default: { provider: 'openai', model: 'm', api_key: 'sk-app-0123456789ab', base_url: llm.openaiBaseUrl },
          },
          agents: { support: { description: 'the app support agent' } },
        },
      },
    });
    assert.equal(created.status, 201, created.text);
    appId = created.body.app.id;
  });
  after(async () => {
    await server?.stop();
    await llm?.close();
    await oidc?.close();
  });

  test('tenant_id naming the app (as in the guide) routes to it; its id does too, to the same data', async () => {
    const byName = await oidc.token({ tenant_id: 'customer-support' });
    const agents = await call(`${server.url}/agents`, byName);
    assert.equal(agents.status, 200, agents.text);
    assert.deepEqual(
      agents.body.agents.map((a: { name: string }) => a.name),
      ['support'],
      "only the app's agents",
    );
    assert.equal((await rpc(server, 'assistant', byName, 'message/send', legacyMessage('hi'))).status, 404);
    const sent = await rpc(server, 'support', byName, 'message/send', legacyMessage('hello app'));
    assert.equal(sent.body.result?.status.state, 'completed', sent.text);
    const taskId = sent.body.result.id as string;

    // The data is kept under the app's id: a token naming the app by id (same subject) finds the same task.
    const byId = await oidc.token({ tenant_id: appId });
    const got = await rpc(server, 'support', byId, 'tasks/get', { id: taskId });
    assert.equal(got.body.result?.id, taskId, got.text);
    await server.waitForOutput(new RegExp(`"task_id":"${taskId}"`));
    const audit = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .find((e) => e.component === 'agent' && e.action === 'request' && e.task_id === taskId);
    assert.equal(audit.tenant, appId, "the audit event carries the app's id, not the claimed name");

    // The file's default tenant does not see it.
    const fileToken = await oidc.token({ tenant_id: 'default' });
    const fromFile = await rpc(server, 'assistant', fileToken, 'tasks/get', { id: taskId });
    assert.equal(fromFile.body.error?.code, -32001, 'another app: as if the task did not exist');
  });

  test('a tenant that is no app is refused; malformed tenants and missing tenants too', async () => {
    for (const tenant of ['customer-support-2', 'Customer-Support', 'app_00000000-0000-4000-8000-000000000000', ' ']) {
      const token = await oidc.token({ tenant_id: tenant });
      const r = await call(`${server.url}/agents`, token);
      assert.ok(r.status === 403 || r.status === 401, `${JSON.stringify(tenant)}: ${r.status} ${r.text}`);
      const sent = await rpc(server, 'support', token, 'message/send', legacyMessage('hi'));
      assert.ok(sent.status === 403 || sent.status === 401, `${JSON.stringify(tenant)}: ${sent.text}`);
    }
    for (const tenant of [42, ['customer-support'], null, '']) {
      const token = await oidc.token({ tenant_id: tenant });
      assert.equal((await call(`${server.url}/agents`, token)).status, 401, JSON.stringify(tenant));
    }
    const untenanted = await oidc.token({});
    const refused = await rpc(server, 'assistant', untenanted, 'message/send', legacyMessage('hi'));
    assert.equal(refused.status, 401, refused.text);
    assert.match(refused.body.error.message, /names no tenant/);
  });

  test('authentication is audited under the app id, and a tenant that is no app as a failed attempt', async () => {
    const auth = await call(`${server.url}/admin/apps/${appId}/audit?component=auth&limit=1000`, ADMIN);
    assert.equal(auth.status, 200, auth.text);
    assert.ok(auth.body.total > 0, 'tokens naming the app by name are audited under its id');
    assert.ok(auth.body.events.every((e: { success: boolean }) => e.success));
    const unknown = await oidc.token({ tenant_id: 'no-such-tenant-<script>' });
    assert.equal((await call(`${server.url}/agents`, unknown)).status, 403);
    await server.waitForOutput(/"claimed_tenant":"no-such-tenant-<script>"/);
    const failed = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .find((e) => e.reason === 'unknown_tenant' && e.claimed_tenant === 'no-such-tenant-<script>');
    assert.equal(failed.success, false);
    assert.equal(failed.tenant, 'default', 'a claimed tenant that is no app is not a tenant of the trail');
    assert.equal(failed.claimed_tenant, 'no-such-tenant-<script>');
  });

  test("the file's app is reached by tenant_id default; a deleted app's name stops routing at once", async () => {
    const fileToken = await oidc.token({ tenant_id: 'default' });
    const sent = await rpc(server, 'assistant', fileToken, 'message/send', legacyMessage('hello file'));
    assert.equal(sent.body.result?.status.state, 'completed', sent.text);
    const byName = await oidc.token({ tenant_id: 'customer-support' });
    assert.equal((await call(`${server.url}/admin/apps/${appId}`, ADMIN, { method: 'DELETE' })).status, 204);
    assert.equal((await call(`${server.url}/agents`, byName)).status, 403);
    // An app name that imitates an id or the default app cannot be taken.
    for (const name of ['default', 'app_x']) {
      const r = await call(`${server.url}/admin/apps`, ADMIN, { body: { name, config: { agents: { a: {} } } } });
      assert.equal(r.status, 400, `${name}: ${r.text}`);
    }
  });
});

describe('server.auth.require_tenant_claim: false with the Admin API on', () => {
  test('tokens without tenant_id reach the default app; with a tenant they still route by it', async () => {
    const oidc = await startOidcProvider();
    const llm = await startScriptedLlm({ whenEmpty: 'echo' });
    const server = await startServer({
      config: fileConfig(llm.openaiBaseUrl, 'server:\n  auth: {require_tenant_claim: false}\n'),
      env: { LLM_KEY: 'sk-file-0123456789', HECTOR_AUTH_SECRET: ADMIN },
      extraArgs: ['--auth-jwks-url', oidc.jwksUrl, '--auth-issuer', oidc.issuer, '--auth-audience', oidc.audience],
    });
    try {
      const untenanted = await oidc.token({});
      const sent = await rpc(server, 'assistant', untenanted, 'message/send', legacyMessage('hi'));
      assert.equal(sent.body.result?.status.state, 'completed', sent.text);
      const unknown = await oidc.token({ tenant_id: 'nobody' });
      assert.equal((await call(`${server.url}/agents`, unknown)).status, 403, 'an unknown tenant is still refused');
    } finally {
      await server.stop();
      await llm.close();
      await oidc.close();
    }
  });
});
