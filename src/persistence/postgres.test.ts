import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import pg from 'pg';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { runStoreContract } from '../../test/support/store-contract.ts';
import { ConfigError, UnavailableError } from '../shared/index.ts';
import { type Database, openDatabase } from './index.ts';
import { MIGRATION_TABLE } from './migrations.ts';

const skip = postgresSkipReason() ?? false;
let server: TestPostgres | undefined;
before(async () => {
  if (!skip) server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

const urls = new WeakMap<Database, string>();
runStoreContract(
  'postgres',
  async (deps) => {
    const url = await server!.createDatabase();
    const db = await openDatabase({ url }, deps);
    urls.set(db, url);
    return db;
  },
  {
    skip,
    reopen: async (closed, deps) => {
      const url = urls.get(closed)!;
      const db = await openDatabase({ url }, deps);
      urls.set(db, url);
      return db;
    },
  },
);

const PASSWORD = 'Sup3r-Secret-Pw';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function openError(url: string): Promise<Error> {
  const err = await openDatabase({ url }).then(
    (db) => db.close().then(() => undefined),
    (e: unknown) => e,
  );
  assert.ok(err instanceof Error, `opening ${url.replace(PASSWORD, '***')} should fail`);
  return err;
}

/** The password must not appear anywhere an error could be printed or serialised. */
function assertNoPassword(err: Error): void {
  const renderings = [err.message, String(err.stack), inspect(err, { depth: 10 }), JSON.stringify(err)];
  for (const text of renderings) assert.ok(!text.includes(PASSWORD), `password leaked in: ${text}`);
  assert.ok(!inspect(err.cause, { depth: 10 }).includes(PASSWORD));
}

describe('postgres specifics', { skip }, () => {
  test('an unreachable server is an UnavailableError naming the database, without the password', async () => {
    const port = await freePort();
    const err = await openError(`postgres://hector:${PASSWORD}@127.0.0.1:${port}/hector_db`);
    assert.ok(err instanceof UnavailableError, String(err));
    assert.match(err.message, new RegExp(`hector_db@127\\.0\\.0\\.1:${port}`));
    assert.match(err.message, /connection refused/);
    assertNoPassword(err);
  });

  test('a password in the query string is not revealed either', async () => {
    const port = await freePort();
    const err = await openError(`postgresql://hector@127.0.0.1:${port}/db?password=${PASSWORD}`);
    assert.ok(err instanceof UnavailableError);
    assertNoPassword(err);
  });

  test('malformed URLs are ConfigErrors that do not echo the URL', async () => {
    for (const url of [
      `postgres://hector:${PASSWORD}@127.0.0.1:99999/db`,
      `postgres://hector:${PASSWORD}@[::1/db`,
      `postgres://hector:${PASSWORD}%zz@127.0.0.1/db`,
      `postgres://hector:${PASSWORD}@127.0.0.1/db%zz`,
    ]) {
      const err = await openError(url);
      assert.ok(err instanceof ConfigError, `${url}: ${String(err)}`);
      assert.match(err.message, /server\.database/);
      assertNoPassword(err);
    }
  });

  test('a database that does not exist is an UnavailableError that says so', async () => {
    const u = new URL(server!.url);
    u.pathname = '/no_such_database_here';
    u.password = PASSWORD;
    const err = await openError(u.toString());
    assert.ok(err instanceof UnavailableError, String(err));
    assert.match(err.message, /does not exist/);
    assert.match(err.message, /no_such_database_here/);
    assertNoPassword(err);
  });

  test('servers starting at once on a fresh database migrate it exactly once', async () => {
    const url = await server!.createDatabase();
    const dbs = await Promise.all(Array.from({ length: 5 }, () => openDatabase({ url })));
    await Promise.all(dbs.map((d) => d.close()));
    for (let i = 0; i < 2; i++) await (await openDatabase({ url })).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const rows = await client.query(`select name from ${MIGRATION_TABLE}`);
      assert.deepEqual(
        rows.rows.map((r: { name: string }) => r.name),
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
      const tables = await client.query(
        "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
      );
      assert.deepEqual(
        tables.rows.map((r: { table_name: string }) => r.table_name),
        [
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
        ],
      );
    } finally {
      await client.end();
    }
  });

  test('a database that already has a conflicting table fails clearly and is left untouched', async () => {
    const url = await server!.createDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('create table tasks (something int)');
      const err = await openError(url);
      assert.ok(err instanceof UnavailableError, String(err));
      assert.match(err.message, /already exists/);
      const rows = await client.query(
        `select count(*)::int as n from information_schema.tables where table_name = 'sessions'`,
      );
      assert.equal(rows.rows[0].n, 0, 'the failed migration was rolled back');
    } finally {
      await client.end();
    }
  });

  test('kind and description', async () => {
    const url = await server!.createDatabase();
    const db = await openDatabase({ url });
    try {
      assert.equal(db.kind, 'postgres');
      const u = new URL(url);
      assert.equal(db.description, `postgres ${u.pathname.slice(1)}@${u.hostname}:${u.port}`);
    } finally {
      await db.close();
    }
  });
});
