/**
 * Per-app rate limits and the admin's view of an app (usage and audit events), through the real CLI: limits an
 * admin sets on an app count for that app only, the file's per-agent limits never reach an app's agent of the
 * same name, and a config that cannot be served is refused when saved. (Windows are a month long, so that no
 * window ends in the middle of a test.)
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { adminRequest, legacyMessage, requestJson, type Server, startServer, tempDir } from './support.ts';

const ADMIN = 'admin-secret-0123456789abcdef';
const USER_KEY = 'file-user-key-0123456789abcdef';

function fileConfig(llmUrl: string, rateLimiting = 'limits: [{type: count, window: month, limit: 100, scope: app}]') {
  return `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${LLM_KEY}", base_url: "${llmUrl}", max_retries: 0}
agents:
  support:
    description: the file's support agent
    rate_limits: [{type: count, window: month, limit: 1}]
server:
  auth:
    api_keys: [{key: "\${USER_KEY}", subject: fileuser}]
  rate_limiting: {${rateLimiting}}
`;
}

function appConfig(llmUrl: string, extra: Record<string, unknown> = {}) {
  return {
    llms: { default: { provider: 'openai', model: 'm', api_key: 'sk-app-0123456789abcdef', base_url: llmUrl } },
    agents: { support: { description: 'the app support agent' } },
    ...extra,
  };
}

const json = requestJson;

const send = (server: Server, token: string, agent = 'support') =>
  json(`${server.url}/agents/${agent}`, {
    method: 'POST',
    token,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: legacyMessage('hi') }),
  });

/** Creating an app grants it loopback (the scripted LLM listens there); every other call goes as given. */
const admin = (server: Server, method: string, path: string, body?: Record<string, unknown>) => {
  const sent = method === 'POST' && path === '/admin/apps' ? { allowed_ranges: ['127.0.0.0/8'], ...body } : body;
  return adminRequest(server.url, ADMIN, method, path, sent);
};

describe('per-app rate limits, usage and audit over the Admin API', () => {
  let llm: ScriptedLlm;
  let server: Server;
  const dir = tempDir();
  const env = { LLM_KEY: 'sk-file-0123456789', USER_KEY, HECTOR_AUTH_SECRET: ADMIN };
  let alpha: { id: string; token: string };
  let beta: { id: string; token: string };

  before(async () => {
    llm = await startScriptedLlm({ whenEmpty: 'echo' });
    server = await startServer({ config: fileConfig(llm.openaiBaseUrl), env, dir });
    const created = async (name: string, body: Record<string, unknown>) => {
      const r = await admin(server, 'POST', '/admin/apps', { name, ...body });
      assert.equal(r.status, 201, r.text);
      return { id: r.body.app.id as string, token: r.body.access_token as string };
    };
    alpha = await created('alpha', {
      config: appConfig(llm.openaiBaseUrl),
      rate_limits: [{ type: 'count', window: 'month', limit: 3, scope: 'app' }],
    });
    beta = await created('beta', {
      config: appConfig(llm.openaiBaseUrl, {
        agents: {
          support: { description: 'beta support' },
          helper: { description: 'beta helper', rate_limits: [{ type: 'count', window: 'month', limit: 2 }] },
        },
      }),
    });
  });
  after(async () => {
    await server?.stop();
    await llm?.close();
  });

  test("an app's own limits count for that app only; the file's agent limits never reach an app's agent", async () => {
    assert.equal(
      (await admin(server, 'GET', `/admin/apps/${alpha.id}`)).body.app.rate_limits[0].limit,
      3,
      'the limits are part of the app',
    );
    for (let i = 0; i < 3; i++) assert.equal((await send(server, alpha.token)).status, 200, `alpha request ${i + 1}`);
    const denied = await send(server, alpha.token);
    assert.equal(denied.status, 429, denied.text);
    assert.equal(denied.body.limit, 3);
    assert.ok(Number(denied.headers.get('retry-after')) >= 1);

    // beta's support has no limit of its own: the file's `support` rule (1 per month) is not beta's.
    for (let i = 0; i < 4; i++) assert.equal((await send(server, beta.token)).status, 200, `beta request ${i + 1}`);
    // beta's helper has its own rule from beta's config.
    assert.equal((await send(server, beta.token, 'helper')).status, 200);
    assert.equal((await send(server, beta.token, 'helper')).status, 200);
    assert.equal((await send(server, beta.token, 'helper')).status, 429, "beta's agent rule holds");
    // The file's rule still holds for the file's own agent.
    assert.equal((await send(server, USER_KEY)).status, 200);
    assert.equal((await send(server, USER_KEY)).status, 429, "the file's agent rule holds for the file's agent");

    // The caller sees what is left of the app-wide limit, not how much the rest of the app used.
    const own = await json(`${server.url}/api/usage`, { token: alpha.token });
    const mine = own.body.limits.find((l: { limit: number }) => l.limit === 3);
    assert.equal(mine.remaining, 0);
    assert.equal(mine.used, undefined);
  });

  test("the admin sees an app's usage; changing its limits applies without a restart", async () => {
    const usage = await admin(server, 'GET', `/admin/apps/${alpha.id}/usage`);
    assert.equal(usage.status, 200, usage.text);
    const byLimit = Object.fromEntries(usage.body.limits.map((l: { limit: number }) => [l.limit, l]));
    assert.equal(byLimit[3].used, 3, "alpha's own limit: 3 used");
    assert.equal(byLimit[100].used, 3, "the server's app-wide rule counts alpha apart (the denied one gave back)");
    const betaUsage = await admin(server, 'GET', `/admin/apps/${beta.id}/usage`);
    // beta: 4 + 2 admitted (its helper's third request was denied and gave its unit back).
    assert.equal(betaUsage.body.limits.find((l: { limit: number }) => l.limit === 100).used, 6, "beta's own count");
    assert.equal((await admin(server, 'GET', `/admin/apps/${alpha.id}/usage?users=x`)).status, 400);
    assert.equal((await admin(server, 'GET', '/admin/apps/app_nope/usage')).status, 404);
    assert.equal((await json(`${server.url}/admin/apps/${alpha.id}/usage`, { token: alpha.token })).status, 401);

    const raised = await admin(server, 'PUT', `/admin/apps/${alpha.id}`, {
      rate_limits: [{ type: 'count', window: 'month', limit: 10, scope: 'app' }],
    });
    assert.equal(raised.status, 200, raised.text);
    assert.equal((await send(server, alpha.token)).status, 200, 'the raised limit applies at once');
  });

  test("the admin reads an app's audit events, filtered; never another app's", async () => {
    const all = await admin(server, 'GET', `/admin/apps/${alpha.id}/audit?component=ratelimit`);
    assert.equal(all.status, 200, all.text);
    assert.ok(all.body.total >= 1);
    for (const e of all.body.events) {
      assert.equal(e.component, 'ratelimit');
      assert.equal(e.event.tenant, alpha.id);
    }
    const creation = await admin(server, 'GET', `/admin/apps/${alpha.id}/audit?component=admin&limit=500`);
    assert.ok(creation.body.events.some((e: { action: string }) => e.action === 'create'));
    const betaEvents = await admin(server, 'GET', `/admin/apps/${beta.id}/audit?limit=1000`);
    assert.ok(betaEvents.body.events.every((e: { event: { tenant: string } }) => e.event.tenant === beta.id));
    const future = await admin(server, 'GET', `/admin/apps/${alpha.id}/audit?since=2999-01-01T00:00:00Z`);
    assert.equal(future.body.total, 0);
    const byUser = await admin(server, 'GET', `/admin/apps/${alpha.id}/audit?user=nobody`);
    assert.equal(byUser.body.total, 0);
    for (const bad of ['since=yesterday', 'limit=0', 'limit=abc', 'component=', 'app=other']) {
      const r = await admin(server, 'GET', `/admin/apps/${alpha.id}/audit?${bad}`);
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
    }
    assert.equal((await admin(server, 'GET', '/admin/apps/app_nope/audit')).status, 404);
    assert.equal((await json(`${server.url}/admin/apps/${alpha.id}/audit`, { token: alpha.token })).status, 401);
  });

  test("a token quota set on an app counts that app's LLM tokens only", async () => {
    const created = await admin(server, 'POST', '/admin/apps', {
      name: 'gamma',
      config: appConfig(llm.openaiBaseUrl),
      rate_limits: [{ type: 'token', window: 'month', limit: 3000, scope: 'app' }],
    });
    assert.equal(created.status, 201, created.text);
    const gamma = created.body.access_token as string;
    llm.enqueue({ text: 'a long answer', usage: { inputTokens: 2000, outputTokens: 1500 } });
    const first = await send(server, gamma);
    assert.equal(first.body.result?.status.state, 'completed', first.text);
    const spent = await send(server, gamma);
    assert.equal(spent.status, 429, `the quota is used up: ${spent.text}`);
    assert.equal(spent.body.window, 'month');
    const usage = await admin(server, 'GET', `/admin/apps/${created.body.app.id}/usage`);
    assert.equal(
      usage.body.limits.find((l: { type: string }) => l.type === 'token').used,
      3500,
      'settled to the usage',
    );
    assert.equal((await send(server, beta.token)).status, 200, 'another app is not charged');
  });

  test('invalid limits and unknown fields are refused with their path, and nothing is created', async () => {
    const before = (await admin(server, 'GET', '/admin/apps')).body.total;
    const cases: [Record<string, unknown>, string][] = [
      [{ rate_limits: [{ type: 'count', window: 'fortnight', limit: 1 }] }, 'rate_limits[0].window'],
      [{ rate_limits: [{ type: 'count', window: 'month', limit: 1, scope: 'global' }] }, 'rate_limits[0].scope'],
      [{ rate_limits: { type: 'count' } }, 'rate_limits'],
      [
        {
          config: appConfig(llm.openaiBaseUrl, {
            agents: { x: { rate_limits: [{ type: 'token', window: 'day', limit: 9, scope: 'global' }] } },
          }),
        },
        'agents.x.rate_limits[0].scope',
      ],
    ];
    for (const [body, path] of cases) {
      const r = await admin(server, 'POST', '/admin/apps', {
        name: 'delta',
        config: appConfig(llm.openaiBaseUrl),
        ...body,
      });
      assert.equal(r.status, 400, r.text);
      assert.ok(
        r.body.error.issues.some((i: { path: string }) => i.path === path),
        `${path} named: ${r.text}`,
      );
    }
    for (const body of [{ rate_limit: [] }, { host_tools: 'yes' }, { hostTools: true }]) {
      const r = await admin(server, 'POST', '/admin/apps', {
        name: 'delta',
        config: appConfig(llm.openaiBaseUrl),
        ...body,
      });
      assert.equal(r.status, 400, r.text);
      assert.match(r.body.error.message, /unknown field|host_tools must be/);
    }
    const token = await admin(server, 'POST', `/admin/apps/${alpha.id}/token`, { keep_previous: 60 });
    assert.equal(token.status, 400, 'a misspelt keep_previous_seconds is refused, not ignored');
    assert.equal((await admin(server, 'GET', '/admin/apps')).body.total, before, 'nothing was created');
  });

  test('a config whose tool directory leads out through a symbolic link is refused when saved', async () => {
    const appDir = join(dir, '.hector', 'apps', beta.id);
    mkdirSync(appDir, { recursive: true });
    // As one of the app's own command tools could have made it.
    symlinkSync('/etc', join(appDir, 'escape'));
    const withTool = appConfig(llm.openaiBaseUrl, {
      tools: { read: { type: 'function', handler: 'read_file', working_directory: 'escape' } },
    });
    (withTool.agents.support as Record<string, unknown>).tools = ['read'];
    const r = await admin(server, 'PUT', `/admin/apps/${beta.id}`, { config: withTool });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.issues[0].path, 'tools.read.working_directory');
    assert.match(r.body.error.issues[0].message, /symbolic link/);
    assert.equal((await send(server, beta.token)).status, 200, 'the app still serves its previous config');
    const kept = await admin(server, 'GET', `/admin/apps/${beta.id}`);
    assert.equal(kept.body.app.config.tools, undefined, 'the refused config was not stored');
  });
});

describe('a server with rate limiting switched off', () => {
  test('refuses app limits instead of serving the app unlimited', async () => {
    const llm = await startScriptedLlm({ whenEmpty: 'echo' });
    const server = await startServer({
      config: fileConfig(llm.openaiBaseUrl, 'enabled: false'),
      env: { LLM_KEY: 'sk-file-0123456789', USER_KEY, HECTOR_AUTH_SECRET: ADMIN },
    });
    try {
      const r = await admin(server, 'POST', '/admin/apps', {
        name: 'limited',
        config: appConfig(llm.openaiBaseUrl),
        rate_limits: [{ type: 'count', window: 'month', limit: 3, scope: 'app' }],
      });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error.issues[0].path, 'rate_limits');
      assert.match(r.body.error.issues[0].hint, /server\.rate_limiting/);
      const plain = await admin(server, 'POST', '/admin/apps', { name: 'plain', config: appConfig(llm.openaiBaseUrl) });
      assert.equal(plain.status, 201, 'an app without limits is fine');
      assert.equal((await send(server, plain.body.access_token)).status, 200);
    } finally {
      await server.stop();
      await llm.close();
    }
  });
});
