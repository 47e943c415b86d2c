import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type Database, openDatabase } from '../persistence/index.ts';
import { ConfigError, createSealer } from '../shared/index.ts';
import { createAppManager } from './apps.ts';

const KEY = 'sk-ant-api03-0123456789abcdef';
const CONFIG = JSON.stringify({
  llms: { default: { provider: 'anthropic', model: 'claude-sonnet-4', api_key: KEY } },
  agents: { support: { llm: 'default', instruction: 'You are a support agent.' } },
});
const dbs: Database[] = [];
after(async () => {
  await Promise.all(dbs.map((d) => d.close()));
});

async function manager(
  start = Date.UTC(2026, 11, 1, 12),
  appsDir = '/srv/hector/.hector/apps',
  auditInDatabase = true,
) {
  const db = await openDatabase({ url: ':memory:' });
  dbs.push(db);
  let now = start;
  const clock = { now: () => now };
  const apps = createAppManager({
    db,
    sealer: createSealer({ adminSecret: 'admin-secret-0123456789' }),
    appsDir,
    issuer: 'https://hector.example.com',
    audience: 'hector',
    rateLimiting: true,
    auditInDatabase,
    clock,
  });
  return { db, apps, advance: (ms: number) => (now += ms) };
}

test('create: the app, its first token (verifiable), the config masked and sealed at rest', async () => {
  const { db, apps } = await manager();
  const created = await apps.create({ name: 'customer-support', config_json: CONFIG });
  assert.equal(created.token_type, 'bearer');
  assert.match(created.app.id, /^app_/);
  assert.equal(created.app.name, 'customer-support');
  assert.ok(!JSON.stringify(created).includes(KEY), 'no secret in the answer');
  const verified = await apps.verifyToken(created.access_token);
  assert.ok(verified.ok && verified.appId === created.app.id);
  const stored = await db.apps.get(created.app.id);
  assert.ok(stored && !stored.configSealed.includes(KEY) && !stored.configSealed.includes('support'));
  const keys = await db.apps.validKeys(created.app.id, Date.now());
  assert.ok(
    keys.every((k) => !k.privateSealed.includes('"d"')),
    'the private key is sealed',
  );
  assert.equal((await apps.jwks()).keys.length, 1);
  assert.equal((await apps.jwks()).keys[0]!.d, undefined);
  assert.deepEqual(Object.keys((await apps.config(created.app.id))!.config.agents), ['support']);
});

test('invalid input creates nothing and says what is wrong', async () => {
  const { db, apps } = await manager();
  await assert.rejects(
    apps.create({ name: 'x', config_json: '{"agents": {"a": {"tools": ["missing"]}}}' }),
    ConfigError,
  );
  await assert.rejects(apps.create({ name: 'x', config_json: CONFIG.replace('anthropic', 'anthropix') }), ConfigError);
  await assert.rejects(apps.create({ name: '', config_json: CONFIG }), /name must be/);
  await assert.rejects(apps.create({ name: 'x' }), /config_json .* is required/);
  await assert.rejects(apps.create({ name: 'x', config_json: CONFIG, config: {} }), /not both/);
  await assert.rejects(apps.create({ name: 'x', config_json: { a: 1 } }), /config_json must be a string/);
  assert.deepEqual(await db.apps.list(), []);
  await apps.create({ name: 'taken', config: JSON.parse(CONFIG) });
  await assert.rejects(apps.create({ name: 'taken', config_json: CONFIG }), { name: 'ConflictError' });
  assert.equal((await db.apps.list()).length, 1);
});

test('update validates first; a bad config changes nothing', async () => {
  const { apps } = await manager();
  const { app } = await apps.create({ name: 'one', config_json: CONFIG });
  await assert.rejects(apps.update(app.id, { config_json: '{"server": {"port": 1}}' }), /server: is not allowed/);
  const same = await apps.get(app.id);
  assert.deepEqual(same?.config, app.config);
  const renamed = await apps.update(app.id, { name: 'two' });
  assert.equal(renamed?.name, 'two');
  const changed = JSON.parse(CONFIG);
  changed.agents.billing = { llm: 'default' };
  const updated = await apps.update(app.id, { config: changed });
  assert.ok(updated);
  assert.deepEqual(Object.keys((updated.config as { agents: object }).agents), ['support', 'billing']);
  assert.equal(await apps.update('app_missing', { name: 'x' }), undefined);
});

test('a new token revokes earlier ones at once, or after the rotation window; delete revokes everything', async () => {
  const { apps, advance } = await manager();
  const first = await apps.create({ name: 'rot', config_json: CONFIG });
  const second = await apps.issueToken(first.app.id, {});
  assert.ok(second);
  assert.deepEqual(await apps.verifyToken(first.access_token), { ok: false, reason: 'unknown_key' });
  assert.equal((await apps.verifyToken(second.access_token)).ok, true);
  const third = await apps.issueToken(first.app.id, { keep_previous_seconds: 60 });
  assert.ok(third);
  assert.equal((await apps.verifyToken(second.access_token)).ok, true, 'inside the window');
  advance(61_000);
  assert.equal((await apps.verifyToken(second.access_token)).ok, false, 'after it');
  await assert.rejects(apps.issueToken(first.app.id, { keep_previous_seconds: -1 }), /keep_previous_seconds/);
  assert.equal(await apps.issueToken('app_missing', {}), undefined);
  assert.equal(await apps.delete(first.app.id), true);
  assert.equal((await apps.verifyToken(third.access_token)).ok, false, 'deleted: its tokens stop at once');
  assert.deepEqual((await apps.jwks()).keys, []);
});

test('delete removes the app directory and its data, and only for ids this manager made', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hector-apps-'));
  try {
    const { db, apps } = await manager(Date.now(), root);
    const a = await apps.create({ name: 'a', config_json: CONFIG });
    const b = await apps.create({ name: 'b', config_json: CONFIG });
    for (const id of [a.app.id, b.app.id]) {
      mkdirSync(join(root, id, 'data'), { recursive: true });
      writeFileSync(join(root, id, 'data', 'notes.txt'), 'private');
    }
    await db.sessions.append({ appId: a.app.id, userId: 'u' }, 'ctx', [{ role: 'user', content: 'hi' }]);
    assert.equal(await apps.delete(a.app.id), true);
    assert.equal(existsSync(join(root, a.app.id)), false);
    assert.equal(existsSync(join(root, b.app.id, 'data', 'notes.txt')), true, "b's files stay");
    assert.deepEqual(await db.sessions.history({ appId: a.app.id, userId: 'u' }, 'ctx', { limit: 5 }), []);
    for (const evil of ['..', '../x', '/etc', '', 'app_../../etc']) assert.equal(await apps.delete(evil), false, evil);
    assert.equal(existsSync(root), true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("another app's token and a token with an edited tenant do not verify as this app", async () => {
  const { apps } = await manager();
  const a = await apps.create({ name: 'a', config_json: CONFIG });
  const b = await apps.create({ name: 'b', config_json: CONFIG });
  const [h, p, s] = b.access_token.split('.') as [string, string, string];
  const claims = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), tenant_id: a.app.id };
  const edited = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
  assert.equal((await apps.verifyToken(edited)).ok, false);
  const own = await apps.verifyToken(b.access_token);
  assert.ok(own.ok && own.appId === b.app.id);
});

test('audit reads need the database sink; otherwise a clear 409, not an empty list', async () => {
  const { apps } = await manager(undefined, undefined, false);
  const { app } = await apps.create({ name: 'support', config: CONFIG });
  await assert.rejects(apps.auditEvents(app.id, {}), { name: 'ConflictError', message: /audit\.sink: database/ });
  assert.equal(await apps.auditEvents('app_missing', {}), undefined, 'an unknown app is still unknown');
});
