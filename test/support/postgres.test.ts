/** The PostgreSQL test harness itself: real clusters, real cleanup, including after SIGKILL. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { postgresSkipReason, startPostgres } from './postgres.ts';

const skip = postgresSkipReason() ?? false;
const HERE = dirname(fileURLToPath(import.meta.url));

async function query(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

async function reachable(url: string): Promise<boolean> {
  try {
    await query(url, 'select 1');
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it holds; fails after `limitMs` (a safety net, not a timing assertion). */
async function eventually(check: () => Promise<boolean> | boolean, what: string, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('no PostgreSQL binaries: startPostgres fails and says how to install them', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'hector-no-pg-'));
  try {
    await assert.rejects(startPostgres({ searchDirs: [empty], ignoreEnvUrl: true }), (err: Error) => {
      assert.match(err.message, /apt-get install postgresql/);
      assert.match(err.message, /HECTOR_TEST_POSTGRES_URL/);
      assert.match(err.message, /HECTOR_TEST_SKIP_POSTGRES=1/);
      return true;
    });
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

describe('throwaway cluster', { skip }, () => {
  test('listens on 127.0.0.1 only, fsync off, socket in its temp dir; stop() removes everything', async () => {
    const server = await startPostgres({ ignoreEnvUrl: true });
    let dataDir = '';
    try {
      const u = new URL(server.url);
      assert.equal(u.hostname, '127.0.0.1');
      const settings = await query(
        server.url,
        "select name, setting from pg_settings where name in ('listen_addresses', 'fsync', 'data_directory', 'unix_socket_directories')",
      );
      const get = (name: string) => settings.find((r) => r.name === name)?.setting as string;
      assert.equal(get('listen_addresses'), '127.0.0.1');
      assert.equal(get('fsync'), 'off');
      dataDir = get('data_directory');
      assert.equal(get('unix_socket_directories'), dirname(dataDir));
      assert.match(basename(dirname(dataDir)), /^hector-pg-/);

      const a = await server.createDatabase();
      const b = await server.createDatabase();
      assert.notEqual(a, b);
      const tables = await query(
        a,
        "select count(*)::int as n from information_schema.tables where table_schema = 'public'",
      );
      assert.equal(tables[0]!.n, 0, 'a fresh database is empty');
    } finally {
      await server.stop();
    }
    assert.equal(await reachable(server.url), false, 'the cluster is stopped');
    assert.equal(existsSync(dirname(dataDir)), false, 'the temp dir is removed');
    await server.stop();
  });

  test('with HECTOR_TEST_POSTGRES_URL, databases are created on that server and stop() drops only those', async () => {
    const base = await startPostgres({ ignoreEnvUrl: true });
    const saved = process.env.HECTOR_TEST_POSTGRES_URL;
    try {
      process.env.HECTOR_TEST_POSTGRES_URL = base.url;
      const shared = await startPostgres();
      process.env.HECTOR_TEST_POSTGRES_URL = saved;
      if (saved === undefined) delete process.env.HECTOR_TEST_POSTGRES_URL;
      assert.equal(shared.url, base.url);
      const mine = await base.createDatabase();
      const theirs = [await shared.createDatabase(), await shared.createDatabase()].map((u) =>
        new URL(u).pathname.slice(1),
      );
      const names = async () => (await query(base.url, 'select datname from pg_database')).map((r) => r.datname);
      for (const name of theirs) assert.ok((await names()).includes(name));
      await shared.stop();
      for (const name of theirs) assert.ok(!(await names()).includes(name), `${name} was not dropped`);
      assert.ok((await names()).includes(new URL(mine).pathname.slice(1)), 'other databases are left alone');
      assert.equal(await reachable(base.url), true, 'the shared server keeps running');
    } finally {
      if (saved === undefined) delete process.env.HECTOR_TEST_POSTGRES_URL;
      else process.env.HECTOR_TEST_POSTGRES_URL = saved;
      await base.stop();
    }
  });

  test('the watchdog stops the cluster and removes its files when the owner is SIGKILLed', async () => {
    const child = spawn(process.execPath, [join(HERE, 'postgres-orphan.fixture.ts')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let errOut = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      errOut += d.toString();
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      await eventually(() => out.includes('\n') || child.exitCode !== null, 'the fixture to start a cluster');
      assert.ok(out.includes('\n'), `fixture failed: ${errOut}`);
      const { url, dataDir } = JSON.parse(out) as { url: string; dataDir: string };
      assert.equal(await reachable(url), true);
      child.kill('SIGKILL');
      await exited;
      await eventually(async () => !(await reachable(url)), 'the watchdog to stop the cluster');
      await eventually(() => !existsSync(dirname(dataDir)), 'the watchdog to remove the temp dir');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
