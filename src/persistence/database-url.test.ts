import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../shared/index.ts';
import { parseDatabaseUrl } from './database-url.ts';
import { describeDatabaseUrl } from './index.ts';

const SECRET = 'pa55-W0rd';

test('classifies postgres, sqlite and memory URLs', () => {
  assert.equal(parseDatabaseUrl(`postgres://u:${SECRET}@db.internal:6543/hector`).kind, 'postgres');
  assert.equal(parseDatabaseUrl('POSTGRESQL://db/hector').kind, 'postgres');
  assert.deepEqual(parseDatabaseUrl(':memory:'), {
    kind: 'sqlite',
    path: ':memory:',
    memory: true,
    description: 'sqlite :memory:',
  });
  assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), parseDatabaseUrl(':memory:'));
  for (const [url, path] of [
    ['sqlite:.hector/hector.db', '.hector/hector.db'],
    ['sqlite:///var/lib/hector.db', '/var/lib/hector.db'],
    ['./data/h.db', './data/h.db'],
    ['/abs/h.db', '/abs/h.db'],
  ] as const) {
    const parsed = parseDatabaseUrl(url);
    assert.ok(parsed.kind === 'sqlite' && !parsed.memory && parsed.path === path, url);
  }
});

test('descriptions never contain the password, wherever it is', () => {
  for (const url of [
    `postgres://hector:${SECRET}@db.internal:6543/app`,
    `postgresql://hector:${encodeURIComponent(`${SECRET}@/:?#`)}@db.internal/app`,
    `postgres://hector@db.internal/app?password=${SECRET}&sslmode=require`,
    `postgres://hector:${SECRET}@db.internal:99999/app`,
    `postgres://hector:${SECRET}@@@[not a url`,
    `postgres://hector:${SECRET}%zz@db/app`,
  ]) {
    const d = describeDatabaseUrl(url);
    assert.ok(!d.includes(SECRET) && !d.includes('hector:'), `${url} → ${d}`);
  }
  assert.equal(
    describeDatabaseUrl(`postgres://hector:${SECRET}@db.internal:6543/app`),
    'postgres app@db.internal:6543',
  );
  assert.equal(describeDatabaseUrl('postgres://db.internal/app'), 'postgres app@db.internal:5432');
  assert.equal(describeDatabaseUrl('postgres:///app?host=/run/postgresql'), 'postgres app@/run/postgresql:5432');
  assert.equal(describeDatabaseUrl(`postgres://hector:${SECRET}@[bad`), 'postgres (malformed URL)');
  assert.equal(describeDatabaseUrl('sqlite:.hector/hector.db'), 'sqlite .hector/hector.db');
  assert.equal(describeDatabaseUrl(`ftp://u:${SECRET}@x`), 'database (invalid URL)');
});

test('bad URLs are ConfigErrors on server.database with a hint, never echoing the URL', () => {
  for (const url of [
    '',
    ' ',
    'sqlite:',
    'sqlite:bad\u0000path',
    `mysql://root:${SECRET}@localhost/db`,
    `postgres://u:${SECRET}@host:70000/db`,
    `postgres://u:${SECRET}@[::1/db`,
    `postgres://u:${SECRET}%zz@host/db`,
  ]) {
    assert.throws(
      () => parseDatabaseUrl(url),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, `${url}: ${String(err)}`);
        assert.equal(err.issues[0]?.path, 'server.database');
        assert.ok(err.issues[0]?.hint);
        assert.ok(!err.message.includes(SECRET), err.message);
        assert.equal(err.cause, undefined);
        return true;
      },
    );
  }
});
