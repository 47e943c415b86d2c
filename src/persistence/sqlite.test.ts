import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { runStoreContract } from '../../test/support/store-contract.ts';
import { ConfigError, UnavailableError } from '../shared/index.ts';
import { type Database, openDatabase } from './index.ts';
import { MIGRATION_TABLE } from './migrations.ts';

const root = mkdtempSync(join(tmpdir(), 'hector-sqlite-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshPath = () => join(root, `db-${counter++}`, 'hector.db');

const urls = new WeakMap<Database, string>();
runStoreContract(
  'sqlite file',
  async (deps) => {
    const url = `sqlite:${freshPath()}`;
    const db = await openDatabase({ url }, deps);
    urls.set(db, url);
    return db;
  },
  {
    reopen: async (closed, deps) => {
      const url = urls.get(closed)!;
      const db = await openDatabase({ url }, deps);
      urls.set(db, url);
      return db;
    },
  },
);

runStoreContract('sqlite :memory:', (deps) => openDatabase({ url: ':memory:' }, deps));

const mode = (path: string) => statSync(path).mode & 0o777;

describe('sqlite specifics', () => {
  test('leases: a final task an earlier version left a lease on holds none; a damaged row does not stop a sweep', async () => {
    const path = freshPath();
    const clock = { t: Date.parse('2026-01-01T00:00:00.000Z'), now: () => clock.t };
    const db = await openDatabase({ url: `sqlite:${path}` }, { clock });
    try {
      const scope = { appId: 'default', userId: 'u' };
      const save = (id: string, state: string) =>
        db.tasks.save(scope, { id, contextId: 'c', agent: 'a', state, task: { id }, leaseMs: 1_000 });
      await save('t-canceled', 'TASK_STATE_CANCELED');
      await save('t-working', 'TASK_STATE_WORKING');
      await save('t-damaged', 'TASK_STATE_WORKING');
      const raw = new DatabaseSync(path);
      raw.exec("UPDATE tasks SET task = '{not json' WHERE id = 't-damaged'");
      raw.exec("UPDATE tasks SET lease_until = '2025-12-31T00:00:00.000Z' WHERE id = 't-damaged'");
      raw.close();
      clock.t += 5_000;
      await db.tasks.renewLeases(['t-canceled'], 60_000);
      const expired = await db.tasks.expiredLeases(10);
      assert.deepEqual(
        expired.map((t) => [t.id, t.task]),
        [
          ['t-damaged', null],
          ['t-working', { id: 't-working' }],
        ],
      );
      assert.equal(
        await db.tasks.replaceExpired(scope, 't-canceled', { state: 'TASK_STATE_FAILED', task: {} }),
        false,
        'a canceled task is never swept',
      );
      assert.equal((await db.tasks.get(scope, 't-canceled'))?.state, 'TASK_STATE_CANCELED');
      assert.equal(await db.tasks.replaceExpired(scope, 't-damaged', { state: 'TASK_STATE_FAILED', task: {} }), true);
    } finally {
      await db.close();
    }
  });

  test('upgrading to task leases: tasks active before it get an hour-long lease, others none', async () => {
    const path = freshPath();
    await (await openDatabase({ url: `sqlite:${path}` })).close();
    const raw = new DatabaseSync(path);
    // The database as the release before 0008_task_leases left it, with a task of each kind.
    // (and of every migration after it, which the migrator would otherwise see applied out of order)
    raw.exec(`DELETE FROM ${MIGRATION_TABLE} WHERE name >= '0008'`);
    raw.exec('ALTER TABLE apps DROP COLUMN max_concurrent_runs');
    raw.exec('DROP INDEX tasks_lease_idx');
    raw.exec('ALTER TABLE tasks DROP COLUMN lease_until');
    const insert = raw.prepare(
      "INSERT INTO tasks VALUES (?, 'default', 'anonymous', 'ctx', 'assistant', ?, '{}', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')",
    );
    for (const [id, state] of [
      ['t-working', 'TASK_STATE_WORKING'],
      ['t-submitted', 'TASK_STATE_SUBMITTED'],
      ['t-done', 'TASK_STATE_COMPLETED'],
      ['t-paused', 'TASK_STATE_INPUT_REQUIRED'],
    ]) {
      insert.run(id!, state!);
    }
    raw.close();
    const db = await openDatabase({ url: `sqlite:${path}` });
    // The same file, through a clock an hour and a minute on.
    const later = await openDatabase({ url: `sqlite:${path}` }, { clock: { now: () => Date.now() + 3_660_000 } });
    try {
      assert.deepEqual(await db.tasks.expiredLeases(10), [], 'an old replica may still be running them');
      const expired = await later.tasks.expiredLeases(10);
      assert.deepEqual(expired.map((t) => t.id).sort(), ['t-submitted', 't-working']);
      assert.deepEqual(expired[0]?.scope, { appId: 'default', userId: 'anonymous' });
    } finally {
      await later.close();
      await db.close();
    }
  });

  test('creates missing directories 0700 and the database file (and its WAL files) 0600', async () => {
    const dir = join(root, 'perm', 'nested', 'deeper');
    const file = join(dir, 'hector.db');
    const db = await openDatabase({ url: `sqlite:${file}` });
    try {
      await db.sessions.append({ appId: 'a', userId: 'u' }, 'c', [{ x: 1 }]);
      assert.equal(mode(join(root, 'perm')), 0o700);
      assert.equal(mode(join(root, 'perm', 'nested')), 0o700);
      assert.equal(mode(dir), 0o700);
      assert.equal(mode(file), 0o600);
      for (const side of [`${file}-wal`, `${file}-shm`]) {
        if (existsSync(side)) assert.equal(mode(side), 0o600, side);
      }
      assert.ok(existsSync(`${file}-wal`), 'WAL mode is on');
    } finally {
      await db.close();
    }
  });

  test('an existing world-readable database file is tightened to 0600', async () => {
    const file = join(root, 'loose.db');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const db = await openDatabase({ url: file });
    await db.close();
    assert.equal(mode(file), 0o600);
  });

  test('plain paths, sqlite:PATH and sqlite:///ABS all open the same file', async () => {
    const file = join(root, 'forms', 'same.db');
    const scope = { appId: 'a', userId: 'u' };
    for (const [i, url] of [file, `sqlite:${file}`, `sqlite://${file}`].entries()) {
      const db = await openDatabase({ url });
      assert.equal(db.kind, 'sqlite');
      assert.equal(db.description, `sqlite ${file}`);
      await db.sessions.append(scope, 'c', [{ i }]);
      assert.equal((await db.sessions.history(scope, 'c')).length, i + 1);
      await db.close();
    }
  });

  test('migrations run once: reopening leaves one migration row and the same schema', async () => {
    const file = freshPath();
    for (let i = 0; i < 3; i++) await (await openDatabase({ url: file })).close();
    const raw = new DatabaseSync(file);
    try {
      const rows = raw.prepare(`select name from ${MIGRATION_TABLE}`).all();
      assert.deepEqual(
        rows.map((r) => r.name),
        [
          '0001_initial',
          '0002_approvals',
          '0003_rate_counters',
          '0004_apps',
          '0005_app_rate_limits',
          '0006_audit_chain',
          '0007_app_grants',
          '0008_task_leases',
          '0009_app_run_caps',
        ],
      );
      const tables = raw
        .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
        .all()
        .map((r) => r.name);
      assert.deepEqual(tables, [
        'app_keys',
        'approvals',
        'apps',
        'audit',
        MIGRATION_TABLE,
        `${MIGRATION_TABLE}_lock`,
        'messages',
        'paused_runs',
        'rate_counters',
        'sessions',
        'tasks',
      ]);
      assert.equal(raw.prepare('pragma journal_mode').get()?.journal_mode, 'wal');
    } finally {
      raw.close();
    }
  });

  test('a path that cannot be created is an UnavailableError naming it', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'x');
    const err = await openDatabase({ url: join(blocker, 'sub', 'hector.db') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof UnavailableError, String(err));
    assert.match(err.message, /a-file/);
  });

  test('a directory that cannot be created under /proc fails instead of looping', {
    skip: !existsSync('/proc/self'),
  }, async () => {
    await assert.rejects(openDatabase({ url: '/proc/no-such-dir/sub/hector.db' }), UnavailableError);
  });

  test('a file that is not a database is an UnavailableError', async () => {
    const file = join(root, 'not-a-db.db');
    writeFileSync(file, 'this is not sqlite '.repeat(100));
    await assert.rejects(openDatabase({ url: file }), UnavailableError);
  });

  test('empty and unsupported URLs are ConfigErrors', async () => {
    for (const url of ['', '   ', 'sqlite:', 'mysql://root:pw@localhost/db', 'http://example.com/db']) {
      const err = await openDatabase({ url }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConfigError, `${url}: ${String(err)}`);
      assert.doesNotMatch(err.message, /pw@/);
    }
  });

  test('foreign keys are enforced (a message row needs its session)', async () => {
    const file = freshPath();
    const db = await openDatabase({ url: file });
    await db.close();
    const raw = new DatabaseSync(file);
    try {
      raw.exec('PRAGMA foreign_keys = ON');
      assert.throws(() =>
        raw.exec("insert into messages values ('a', 'u', 'orphan', 0, '{}', '2025-01-01T00:00:00.000Z')"),
      );
    } finally {
      raw.close();
    }
  });
});
