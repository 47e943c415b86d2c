/**
 * The Admin API routes over the real app manager and a real (in-memory SQLite) database, tested as an
 * attacker would. Not mounted by the server yet (issue 9 in progress).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Hono } from 'hono';
import { createAdminRoutes } from '../src/http/index.ts';
import type { AuditInput } from '../src/observability/index.ts';
import { type Database, openDatabase } from '../src/persistence/index.ts';
import { createAppManager } from '../src/server/apps.ts';
import { createSealer } from '../src/shared/index.ts';

const SECRET = 'admin-secret-0123456789abcdef';
const KEY = 'sk-ant-api03-0123456789abcdef';
const CONFIG = JSON.stringify({
  llms: { default: { provider: 'anthropic', model: 'claude-sonnet-4', api_key: KEY } },
  agents: { support: { llm: 'default', instruction: 'You are a support agent.' } },
});

let db: Database;
let app: Hono<{ Variables: { requestId: string } }>;
let manager: ReturnType<typeof createAppManager>;
const events: AuditInput[] = [];

before(async () => {
  db = await openDatabase({ url: ':memory:' });
  manager = createAppManager({
    db,
    sealer: createSealer({ adminSecret: SECRET }),
    appsDir: '/srv/hector/.hector/apps',
    issuer: 'https://hector.example.com',
    audience: 'hector',
    rateLimiting: true,
    auditInDatabase: true,
    clock: { now: () => Date.now() },
  });
  app = new Hono<{ Variables: { requestId: string } }>();
  app.use('*', async (c, next) => {
    c.set('requestId', 'req-test');
    await next();
  });
  app.route(
    '/',
    createAdminRoutes({
      // Usage needs a runtime (tested end to end); here only its routing: unknown apps are 404.
      apps: { ...manager, usage: async (id) => ((await manager.get(id)) ? [] : undefined) },
      adminSecret: SECRET,
      audit: { emit: (e) => events.push(e), flush: async () => {} },
      maxBodyBytes: 1_048_576,
    }),
  );
});
after(async () => {
  await db.close();
});

async function call(method: string, path: string, body?: unknown, token: string | null = SECRET) {
  const res = await app.request(path, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

test('the guide walk-through: create, list, get, update, regenerate the token, delete', async () => {
  const created = await call('POST', '/admin/apps', { name: 'customer-support', config_json: CONFIG });
  assert.equal(created.status, 201);
  assert.equal(created.json.token_type, 'bearer');
  assert.equal(created.json.app.name, 'customer-support');
  assert.ok(!created.text.includes(KEY), 'no secret in any answer');
  const id = created.json.app.id as string;
  assert.equal((await manager.verifyToken(created.json.access_token)).ok, true);

  const list = await call('GET', '/admin/apps');
  assert.equal(list.json.total, 1);
  assert.ok(!list.text.includes(KEY));
  assert.equal((await call('GET', `/admin/apps/${id}`)).json.app.id, id);

  const changed = JSON.parse(CONFIG);
  changed.agents.billing = { llm: 'default' };
  const updated = await call('PUT', `/admin/apps/${id}`, { config_json: JSON.stringify(changed) });
  assert.equal(updated.status, 200);
  assert.deepEqual(Object.keys(updated.json.app.config.agents), ['support', 'billing']);

  const token = await call('POST', `/admin/apps/${id}/token`);
  assert.equal(token.status, 200);
  assert.equal((await manager.verifyToken(created.json.access_token)).ok, false, 'the earlier token stopped');
  assert.equal((await manager.verifyToken(token.json.access_token)).ok, true);

  const jwks = await call('GET', '/admin/jwks', undefined, null);
  assert.equal(jwks.status, 200, 'the JWKS is public');
  assert.equal(jwks.json.keys.length, 1);
  assert.ok(jwks.json.keys.every((k: Record<string, unknown>) => k.d === undefined));

  assert.equal((await call('DELETE', `/admin/apps/${id}`)).status, 204);
  assert.equal((await call('DELETE', `/admin/apps/${id}`)).status, 404);
  assert.equal((await call('GET', `/admin/apps/${id}`)).status, 404);
  assert.equal((await manager.verifyToken(token.json.access_token)).ok, false, 'deleted: tokens stop at once');
  const actions = events.filter((e) => e.component === 'admin').map((e) => `${e.action}:${e.success}`);
  assert.deepEqual(actions.slice(0, 7), [
    'create:true',
    'list:true',
    'get:true',
    'update:true',
    'token:true',
    'delete:true',
    'delete:false',
  ]);
  assert.ok(events.every((e) => !JSON.stringify(e).includes(KEY) && !JSON.stringify(e).includes(SECRET)));
  assert.equal(events.find((e) => e.action === 'create')?.app_id, id);
});

test('without the admin secret nothing is reachable: no header, wrong secret, an app token, other schemes', async () => {
  const { json } = await call('POST', '/admin/apps', { name: 'victim', config_json: CONFIG });
  const appToken = json.access_token as string;
  const before = events.length;
  for (const token of [null, 'wrong', `${SECRET}x`, SECRET.slice(0, -1), appToken, `${SECRET} ${SECRET}`]) {
    for (const [method, path] of [
      ['GET', '/admin/apps'],
      ['POST', '/admin/apps'],
      ['DELETE', `/admin/apps/${json.app.id}`],
      ['POST', `/admin/apps/${json.app.id}/token`],
    ] as const) {
      const r = await call(method, path, method === 'POST' ? { name: 'x', config_json: CONFIG } : undefined, token);
      assert.equal(r.status, 401, `${method} ${path} with ${String(token).slice(0, 12)}`);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="hector-admin"');
    }
  }
  const basic = await app.request('/admin/apps', { headers: { authorization: `Basic ${btoa(`admin:${SECRET}`)}` } });
  assert.equal(basic.status, 401);
  assert.equal((await call('GET', `/admin/apps/${json.app.id}`)).status, 200, 'still there');
  assert.ok(events.slice(before).some((e) => e.action === 'authenticate' && e.success === false));
});

test('invalid input is a clear 4xx and leaves nothing behind', async () => {
  const count = (await call('GET', '/admin/apps')).json.total;
  const bad = await call('POST', '/admin/apps', {
    name: 'bad',
    config_json: CONFIG.replace('"llm":"default"', '"llm":"nope"'),
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'config_invalid');
  assert.ok(bad.json.error.issues.some((i: { path: string }) => i.path === 'agents.support.llm'));
  const host = await call('POST', '/admin/apps', {
    name: 'host',
    config: {
      ...JSON.parse(CONFIG),
      tools: { rd: { type: 'function', handler: 'read_file', working_directory: '/etc' } },
    },
  });
  assert.equal(host.status, 400);
  assert.match(JSON.stringify(host.json.error.issues), /must be inside the app's own directory/);
  assert.equal((await call('POST', '/admin/apps', '{"name": ')).status, 400);
  const proto = await call(
    'POST',
    '/admin/apps',
    `{"name":"p","config_json":${JSON.stringify(CONFIG)},"__proto__":{"host_tools":true}}`,
  );
  assert.equal(proto.status, 400, 'a __proto__ key in the body is refused, not dropped');
  assert.match(proto.json.error.message, /__proto__/);
  assert.equal((await call('POST', '/admin/apps', { name: '../../x', config_json: CONFIG })).status, 400);
  const wrongType = await app.request('/admin/apps', {
    method: 'POST',
    headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'text/plain' },
    body: JSON.stringify({ name: 'x', config_json: CONFIG }),
  });
  assert.equal(wrongType.status, 415);
  await call('POST', '/admin/apps', { name: 'twin', config_json: CONFIG });
  assert.equal((await call('POST', '/admin/apps', { name: 'twin', config_json: CONFIG })).status, 409);
  assert.equal((await call('GET', '/admin/apps')).json.total, count + 1, 'only the valid one was created');
  assert.equal((await call('PUT', '/admin/apps/app_missing', { name: 'x' })).status, 404);
  assert.equal((await call('POST', '/admin/apps/app_missing/token')).status, 404);
});
