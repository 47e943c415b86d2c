/**
 * An app's admin-supplied config, tried as an attacker would (the findings of a review, each kept closed here):
 * reaching the host's private network (SSRF guard ranges, an LLM base_url, sandbox network, read-only mounts),
 * secrets shown in answers, names that imitate ids or each other, lost updates, orphaned workspaces, keys kept
 * at rest, and a stored config that no longer opens.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { adminRequest, legacyMessage, requestJson, type Server, startServer, tempDir } from './support.ts';

const ADMIN = 'admin-secret-0123456789abcdef';
const LOOPBACK = ['127.0.0.0/8'];
const FILE_CONFIG = (llmUrl: string) => `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${LLM_KEY}", base_url: "${llmUrl}", max_retries: 0}
agents:
  assistant: {}
`;

const json = requestJson;

describe('app configs cannot reach past what the admin granted', () => {
  let llm: ScriptedLlm;
  let server: Server;
  let internal: ReturnType<typeof createServer>;
  let internalUrl: string;
  let internalHits = 0;
  const dir = tempDir();
  const env = { LLM_KEY: 'sk-file-0123456789', HECTOR_AUTH_SECRET: ADMIN };
  const admin = (method: string, path: string, body?: unknown) => adminRequest(server.url, ADMIN, method, path, body);
  const llmOf = (url: string, key = 'sk-app-0123456789abcdef') => ({
    default: { provider: 'openai', model: 'm', api_key: key, base_url: url, max_retries: 0 },
  });

  before(async () => {
    llm = await startScriptedLlm({ whenEmpty: 'echo' });
    // Stands for the host's internal services (metadata endpoint, an admin API on loopback).
    internal = createServer((req, res) => {
      internalHits++;
      req.resume();
      res.end('INTERNAL-SECRET-42');
    });
    await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
    internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`;
    server = await startServer({ config: FILE_CONFIG(llm.openaiBaseUrl), env, dir });
  });
  after(async () => {
    await server?.stop();
    await llm?.close();
    await new Promise((r) => internal?.close(r));
  });

  test('an app config cannot open private ranges to itself; the admin grant must be valid CIDRs', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { web: { type: 'function', handler: 'web_request', allowed_ranges: ['0.0.0.0/0', '::/0'] } },
        'tools.web.allowed_ranges',
      ],
      [
        { meta: { type: 'mcp', url: 'http://169.254.169.254/mcp', allowed_ranges: ['169.254.0.0/16'] } },
        'tools.meta.allowed_ranges',
      ],
    ];
    for (const [tools, path] of cases) {
      const r = await admin('POST', '/admin/apps', {
        name: 'ssrf',
        config: { llms: llmOf(llm.openaiBaseUrl), tools, agents: { a: {} } },
      });
      assert.equal(r.status, 400, r.text);
      assert.ok(
        r.body.error.issues.some((i: { path: string }) => i.path === path),
        r.text,
      );
    }
    for (const grant of [['10.0.0.1/8'], ['not a cidr'], '127.0.0.0/8', [42]]) {
      const r = await admin('POST', '/admin/apps', {
        name: 'ssrf',
        config: { agents: { a: {} } },
        allowed_ranges: grant,
      });
      assert.equal(r.status, 400, `${JSON.stringify(grant)}: ${r.text}`);
      assert.match(r.body.error.message, /allowed_ranges/);
    }
  });

  test("an app's LLM base_url on a private address is refused unless granted; nothing reaches the address", async () => {
    const created = await admin('POST', '/admin/apps', {
      name: 'blind-post',
      config: { llms: llmOf(`${internalUrl}/internal/admin`), agents: { a: {} } },
    });
    assert.equal(created.status, 201, created.text);
    const sent = await json(`${server.url}/agents/a`, {
      method: 'POST',
      token: created.body.access_token,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: legacyMessage('hi') }),
    });
    assert.equal(sent.body.result?.status.state, 'failed', sent.text);
    assert.match(sent.body.result.status.message.parts[0].text, /internal address \(loopback\).*blocked/);
    assert.ok(!sent.text.includes('INTERNAL-SECRET-42'));
    assert.equal(internalHits, 0, 'the internal service got no request');

    // Granted by the admin, the same kind of address works (here: the scripted LLM on loopback).
    const granted = await admin('POST', '/admin/apps', {
      name: 'granted',
      config: { llms: llmOf(llm.openaiBaseUrl), agents: { a: {} } },
      allowed_ranges: LOOPBACK,
    });
    const ok = await json(`${server.url}/agents/a`, {
      method: 'POST',
      token: granted.body.access_token,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: legacyMessage('hi') }),
    });
    assert.equal(ok.body.result?.status.state, 'completed', ok.text);
  });

  test('sandboxed host tools of an app get no network and see no host path beyond system directories', async () => {
    const appDir = (id: string) => join(dir, '.hector', 'apps', id);
    const stdio = (extra: Record<string, unknown>) => ({
      llms: llmOf(llm.openaiBaseUrl),
      tools: { srv: { type: 'mcp', command: 'node', args: ['server.js'], ...extra } },
      agents: { a: {} },
    });
    const cases: [Record<string, unknown>, string][] = [
      [stdio({ network: true }), 'tools.srv.network'],
      [stdio({ read_only_paths: [join(dir, '.hector')] }), 'tools.srv.read_only_paths[0]'],
      [stdio({ read_only_paths: [join(dir, 'hector.db')] }), 'tools.srv.read_only_paths[0]'],
      [stdio({ read_only_paths: ['/root/.cache'] }), 'tools.srv.read_only_paths[0]'],
      [stdio({ read_only_paths: ['/usr/../home'] }), 'tools.srv.read_only_paths[0]'],
      [
        {
          llms: llmOf(llm.openaiBaseUrl),
          tools: { sh: { type: 'command', allowed_commands: ['curl'], network: true } },
          agents: { a: { tools: ['sh'] } },
        },
        'tools.sh.network',
      ],
    ];
    for (const [config, path] of cases) {
      const r = await admin('POST', '/admin/apps', {
        name: 'host',
        host_tools: true,
        config,
        allowed_ranges: LOOPBACK,
      });
      assert.equal(r.status, 400, `${path}: ${r.text}`);
      assert.ok(
        r.body.error.issues.some((i: { path: string }) => i.path === path),
        `${path}: ${r.text}`,
      );
    }
    // (Run alone, no app exists yet and neither does the apps directory.)
    const apps = join(dir, '.hector', 'apps');
    const made = existsSync(apps) ? readdirSync(apps) : [];
    assert.ok(!made.some((d) => existsSync(join(appDir(d), 'server.js'))));
  });

  test('secrets in answers are masked by field, whatever their name or length', async () => {
    const r = await admin('POST', '/admin/apps', {
      name: 'masked',
      allowed_ranges: LOOPBACK,
      config: {
        llms: llmOf(llm.openaiBaseUrl, 'k9'),
        tools: {
          remote: { type: 'mcp', url: 'https://mcp.example.com/mcp', headers: { 'X-Tenant-Auth': 'hdr-SECRET-2' } },
        },
        agents: { a: {} },
      },
    });
    assert.equal(r.status, 201, r.text);
    const shown = JSON.stringify(r.body.app.config);
    assert.ok(!shown.includes('hdr-SECRET-2'), shown);
    assert.match(shown, /"api_key":"\*\*\*"/);
    assert.match(shown, /"X-Tenant-Auth":"\*\*\*"/);
    const listed = JSON.stringify((await admin('GET', '/admin/apps')).body);
    assert.ok(!listed.includes('hdr-SECRET-2'));
  });

  test('names that imitate another app, an id or the default app are refused', async () => {
    const base = { config: { llms: llmOf(llm.openaiBaseUrl), agents: { a: {} } }, allowed_ranges: LOOPBACK };
    assert.equal((await admin('POST', '/admin/apps', { name: 'alpha', ...base })).status, 201);
    assert.equal((await admin('POST', '/admin/apps', { name: 'ALPHA', ...base })).status, 409, 'names ignore case');
    for (const name of ['alpha ', 'Default', 'APP_abc', ' alpha']) {
      assert.equal((await admin('POST', '/admin/apps', { name, ...base })).status, 400, JSON.stringify(name));
    }
  });

  test('concurrent creates of one name: one app and one workspace; concurrent updates: a 409, never a lost write', async () => {
    const base = { config: { llms: llmOf(llm.openaiBaseUrl), agents: { a: {} } }, allowed_ranges: LOOPBACK };
    const before = new Set(readdirSync(join(dir, '.hector', 'apps')));
    const results = await Promise.all(
      Array.from({ length: 6 }, () => admin('POST', '/admin/apps', { name: 'racer', ...base })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409]);
    const added = readdirSync(join(dir, '.hector', 'apps')).filter((d) => !before.has(d));
    assert.deepEqual(added, [results.find((r) => r.status === 201)!.body.app.id], 'no orphan workspace');

    const id = results.find((r) => r.status === 201)!.body.app.id as string;
    for (let round = 0; round < 5; round++) {
      const limits = [{ type: 'count', window: 'month', limit: 100 + round, scope: 'app' }];
      const [renamed, limited] = await Promise.all([
        admin('PUT', `/admin/apps/${id}`, { name: `racer-${round}` }),
        admin('PUT', `/admin/apps/${id}`, { rate_limits: limits }),
      ]);
      const now = (await admin('GET', `/admin/apps/${id}`)).body.app;
      if (renamed.status === 200) assert.equal(now.name, `racer-${round}`, `round ${round}: the rename stayed`);
      if (limited.status === 200)
        assert.equal(now.rate_limits[0]?.limit, 100 + round, `round ${round}: the limits stayed`);
      for (const r of [renamed, limited]) assert.ok(r.status === 200 || r.status === 409, r.text);
    }
  });

  test('token lifetimes can be chosen; private signing keys are not kept at rest', async () => {
    const base = { config: { llms: llmOf(llm.openaiBaseUrl), agents: { a: {} } }, allowed_ranges: LOOPBACK };
    const r = await admin('POST', '/admin/apps', { name: 'short-lived', ...base, expires_in: 600 });
    assert.equal(r.status, 201, r.text);
    const exp = JSON.parse(Buffer.from(r.body.access_token.split('.')[1], 'base64url').toString()).exp as number;
    assert.ok(Math.abs(exp - (Date.now() / 1000 + 600)) < 30, 'expires in about 10 minutes');
    for (const bad of [10, 400 * 86_400, '600']) {
      const t = await admin('POST', `/admin/apps/${r.body.app.id}/token`, { expires_in: bad });
      assert.equal(t.status, 400, JSON.stringify(bad));
    }
    const raw = new DatabaseSync(join(dir, 'hector.db'), { readOnly: true });
    try {
      const stored = raw.prepare('select distinct private_sealed from app_keys').all() as { private_sealed: string }[];
      assert.deepEqual(
        stored.map((k) => k.private_sealed),
        ['discarded'],
      );
    } finally {
      raw.close();
    }
  });

  test('an app whose stored config no longer opens is listed with the reason, not a 500', async () => {
    await server.stop();
    server = await startServer({
      config: FILE_CONFIG(llm.openaiBaseUrl),
      env: { ...env, HECTOR_AUTH_SECRET: 'another-admin-secret-0123456789' },
      dir,
    });
    const list = await json(`${server.url}/admin/apps`, { token: 'another-admin-secret-0123456789' });
    assert.equal(list.status, 200, list.text);
    assert.ok(list.body.apps.length > 0);
    for (const app of list.body.apps) {
      assert.equal(app.config, null);
      assert.match(app.config_error, /sealed with another key/);
    }
  });
});

describe("an app's runs across config changes and its deletion", () => {
  let llm: ScriptedLlm;
  let server: Server;
  const dir = tempDir();
  const admin = (method: string, path: string, body?: unknown) => adminRequest(server.url, ADMIN, method, path, body);
  const config = (description: string) => ({
    llms: {
      default: { provider: 'openai', model: 'm', api_key: 'sk-app-0123456789abcdef', base_url: llm.openaiBaseUrl },
    },
    agents: { a: { description } },
  });
  /** Starts message/stream with the app's token; resolves once the task id is announced. */
  async function startStream(token: string) {
    const res = await fetch(`${server.url}/agents/a`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'message/stream',
        params: legacyMessage('take your time'),
      }),
    });
    const reader = res.body!.getReader();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended early: ${text}`);
      text += new TextDecoder().decode(value);
      const taskId = /"kind":"task","id":"([0-9a-f-]{36})"/.exec(text)?.[1];
      if (taskId) return { taskId, reader, rest: async () => text + (await drain(reader)) };
    }
  }
  async function drain(reader: ReadableStreamDefaultReader<Uint8Array>) {
    let out = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return out;
      out += new TextDecoder().decode(value);
    }
  }
  const until = async (check: () => boolean, what: string) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(check(), what);
  };

  before(async () => {
    llm = await startScriptedLlm({ whenEmpty: 'echo' });
    server = await startServer({
      config: FILE_CONFIG(llm.openaiBaseUrl),
      env: { LLM_KEY: 'sk-file-0123456789', HECTOR_AUTH_SECRET: ADMIN },
      dir,
    });
  });
  after(async () => {
    await server?.stop();
    await llm?.close();
  });

  test('a run that started before a config change is still cancelled by tasks/cancel', async () => {
    const created = await admin('POST', '/admin/apps', {
      name: 'cancel-me',
      config: config('v1'),
      allowed_ranges: LOOPBACK,
    });
    const token = created.body.access_token as string;
    llm.enqueue({ hang: true });
    const before = llm.requests.length;
    const run = await startStream(token);
    await until(() => llm.requests.length > before, 'the LLM call started');
    const put = await admin('PUT', `/admin/apps/${created.body.app.id}`, { config: config('v2') });
    assert.equal(put.status, 200, put.text);
    const cancel = await json(`${server.url}/agents/a`, {
      method: 'POST',
      token,
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tasks/cancel', params: { id: run.taskId } }),
    });
    assert.equal(cancel.body.result?.status.state, 'canceled', cancel.text);
    await until(() => llm.requests[before]!.clientAborted, 'the LLM call of the old version was aborted');
    await run.reader.cancel();
  });

  test('an approval whose agent a config change removed answers 409 saying so, not a 500', async () => {
    const withTool = (agent: string) => ({
      ...config('v1'),
      tools: { write_file: { type: 'function', handler: 'write_file', working_directory: 'files' } },
      agents: { [agent]: { tools: ['write_file'] } },
    });
    const created = await admin('POST', '/admin/apps', {
      name: 'approve-me',
      config: withTool('a'),
      allowed_ranges: LOOPBACK,
    });
    const token = created.body.access_token as string;
    // Only the tool call: the run never continues (the decision is refused), so no later turn is left queued.
    llm.enqueue({ toolCalls: [{ id: 'w1', name: 'write_file', args: { path: 'n.txt', content: 'x' } }] });
    const paused = await json(`${server.url}/agents/a`, {
      method: 'POST',
      token,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: legacyMessage('write') }),
    });
    assert.equal(paused.body.result?.status.state, 'input-required', paused.text);
    assert.equal((await admin('PUT', `/admin/apps/${created.body.app.id}`, { config: withTool('b') })).status, 200);
    const decided = await json(`${server.url}/api/tasks/${paused.body.result.id}/approvals/w1`, {
      method: 'POST',
      token,
      body: JSON.stringify({ decision: 'approve' }),
    });
    assert.equal(decided.status, 409, decided.text);
    assert.match(decided.body.error.message, /agent "a" is no longer in the config/);
  });

  test('deleting an app stops its runs first; nothing of it is written after the purge', async () => {
    const created = await admin('POST', '/admin/apps', {
      name: 'delete-me',
      config: config('v1'),
      allowed_ranges: LOOPBACK,
    });
    const id = created.body.app.id as string;
    llm.enqueue({ hang: true });
    const before = llm.requests.length;
    const run = await startStream(created.body.access_token);
    await until(() => llm.requests.length > before, 'the LLM call started');
    assert.equal((await admin('DELETE', `/admin/apps/${id}`)).status, 204);
    const rest = await run.rest();
    assert.match(rest, /"state":"failed"/);
    assert.match(rest, /app of this task was deleted/);
    assert.ok(llm.requests[before]!.clientAborted, 'its LLM call was aborted');
    assert.equal(llm.requests.length, before + 1, 'no further LLM call was made for the deleted app');
    await new Promise((r) => setTimeout(r, 200));
    const raw = new DatabaseSync(join(dir, 'hector.db'), { readOnly: true });
    try {
      for (const table of ['sessions', 'messages', 'tasks', 'approvals', 'paused_runs']) {
        const row = raw.prepare(`select count(*) as n from ${table} where app_id = ?`).get(id) as { n: number };
        assert.equal(row.n, 0, `no ${table} row of the deleted app`);
      }
    } finally {
      raw.close();
    }
  });
});

describe("metrics of an app's agents", () => {
  test('are counted under the fixed label "app": app-chosen names never become label values', async () => {
    const llm = await startScriptedLlm({ whenEmpty: 'echo' });
    const server = await startServer({
      config: FILE_CONFIG(llm.openaiBaseUrl),
      env: { LLM_KEY: 'sk-file-0123456789', HECTOR_AUTH_SECRET: ADMIN },
      extraArgs: ['--metrics'],
    });
    try {
      const created = await json(`${server.url}/admin/apps`, {
        method: 'POST',
        token: ADMIN,
        body: JSON.stringify({
          name: 'labels',
          allowed_ranges: LOOPBACK,
          config: {
            llms: {
              default: { provider: 'openai', model: 'm', api_key: 'sk-app-0123456789ab', base_url: llm.openaiBaseUrl },
            },
            agents: { tenant_chosen_name_1: {} },
          },
        }),
      });
      assert.equal(created.status, 201, created.text);
      const sent = await json(`${server.url}/agents/tenant_chosen_name_1`, {
        method: 'POST',
        token: created.body.access_token,
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: legacyMessage('hi') }),
      });
      assert.equal(sent.body.result?.status.state, 'completed', sent.text);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /hector_llm_calls_total\{[^}]*agent="app"/);
      assert.ok(!metrics.includes('tenant_chosen_name_1'), 'the app-chosen name is no label value');
    } finally {
      await server.stop();
      await llm.close();
    }
  });
});
