/**
 * A real PostgreSQL for tests.
 *
 * - `HECTOR_TEST_POSTGRES_URL` set (by the user, or by test/support/global-setup.ts for the whole run): that
 *   server is used; `createDatabase()` creates uniquely named databases on it and `stop()` drops only those.
 * - Otherwise a throwaway cluster is created with initdb in a fresh temp dir and started with pg_ctl on
 *   127.0.0.1 (a free port, trust auth, its unix socket inside the temp dir, fsync off). As root it runs as the
 *   `postgres` user (postgres refuses to run as root): spawned with that uid/gid, argv arrays only, no shell.
 *   A detached watchdog (postgres-watchdog.ts) stops it and removes the temp dir when this process dies
 *   without calling `stop()`, or after WATCHDOG_MAX_MS at the latest.
 * - No PostgreSQL binaries: startPostgres() throws an Error that says how to install them. Tests fail; they
 *   are skipped only when `HECTOR_TEST_SKIP_POSTGRES=1` (use `postgresSkipReason()` as the `skip` option).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  appendFileSync,
  chownSync,
  constants,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export interface TestPostgres {
  /** Superuser URL of the server (its maintenance database). */
  url: string;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Drops what this handle created; stops and deletes the cluster if this handle started one. */
  stop(): Promise<void>;
}

/** The longest a throwaway cluster may live, even if its owner never stops it. */
export const WATCHDOG_MAX_MS = 45 * 60 * 1000;

const INSTALL_HINT =
  'PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql/*/bin. ' +
  'Install them (Debian/Ubuntu: apt-get install postgresql), or set HECTOR_TEST_POSTGRES_URL=postgres://… to use ' +
  'an existing server, or set HECTOR_TEST_SKIP_POSTGRES=1 to skip the PostgreSQL tests.';

/** The skip message when the PostgreSQL tests are switched off with HECTOR_TEST_SKIP_POSTGRES=1. */
export function postgresSkipReason(): string | undefined {
  return process.env.HECTOR_TEST_SKIP_POSTGRES === '1'
    ? 'PostgreSQL tests skipped: HECTOR_TEST_SKIP_POSTGRES=1'
    : undefined;
}

export interface StartPostgresOptions {
  /** Where to look for initdb/pg_ctl instead of PATH and /usr/lib/postgresql/VERSION/bin (harness self-tests). */
  searchDirs?: string[];
  /** Start a throwaway cluster even when HECTOR_TEST_POSTGRES_URL is set (harness self-tests). */
  ignoreEnvUrl?: boolean;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<TestPostgres> {
  const external = options.ignoreEnvUrl ? undefined : process.env.HECTOR_TEST_POSTGRES_URL;
  if (external) return useServer(external, { dropOnStop: true, shutdown: async () => {} });
  return startCluster(options.searchDirs);
}

// ---------------------------------------------------------------------------------------------------------
// Databases on a server

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

function useServer(url: string, how: { dropOnStop: boolean; shutdown: () => Promise<void> }): TestPostgres {
  const created: string[] = [];
  let stopped = false;
  return {
    url,
    async createDatabase() {
      if (stopped) throw new Error('startPostgres: createDatabase() after stop()');
      const name = `hector_test_${randomBytes(8).toString('hex')}`;
      // Concurrent CREATE DATABASE can hit "template1 is being accessed by other users" (55006): retry.
      for (let attempt = 1; ; attempt++) {
        try {
          await withClient(url, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
          break;
        } catch (err) {
          if ((err as { code?: string }).code !== '55006' || attempt >= 10) throw err;
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
      created.push(name);
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (how.dropOnStop && created.length > 0) {
        await withClient(url, async (c) => {
          for (const name of created.splice(0)) {
            await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).catch(async () => {
              await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`).catch(() => {});
            });
          }
        }).catch(() => {});
      }
      await how.shutdown();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Binaries and the postgres user

interface Binaries {
  initdb: string;
  pgCtl: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function binariesIn(dir: string): Binaries | undefined {
  const initdb = join(dir, 'initdb');
  if (!isExecutable(initdb)) return undefined;
  // initdb on PATH is often a symlink (or Debian's wrapper dir): use the real directory for both tools.
  const realDir = dirname(realpathSync(initdb));
  const pgCtl = [join(realDir, 'pg_ctl'), join(dir, 'pg_ctl')].find(isExecutable);
  return pgCtl ? { initdb: join(realDir, 'initdb'), pgCtl } : undefined;
}

function versionDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    .map((v) => join(root, v, 'bin'));
}

export function findPostgresBinaries(searchDirs?: string[]): Binaries | undefined {
  const dirs = searchDirs ?? [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...versionDirs()];
  for (const dir of dirs) {
    const found = binariesIn(dir);
    if (found) return found;
  }
  return undefined;
}

interface RunAs {
  uid: number;
  gid: number;
}

function postgresUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => {
    const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    return r.status === 0 ? Number.parseInt(r.stdout.trim(), 10) : Number.NaN;
  };
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new Error(
      'running as root, but there is no `postgres` user to run the test cluster as (postgres refuses to run as ' +
        'root). Create one (useradd --system postgres, or apt-get install postgresql), or set ' +
        'HECTOR_TEST_POSTGRES_URL.',
    );
  }
  return { uid, gid };
}

function run(
  cmd: string,
  args: string[],
  runAs: RunAs | undefined,
  cwd: string,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
      ...(runAs ?? {}),
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// A throwaway cluster

const WATCHDOG = join(dirname(fileURLToPath(import.meta.url)), 'postgres-watchdog.ts');

function tail(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

async function startCluster(searchDirs: string[] | undefined): Promise<TestPostgres> {
  const bins = findPostgresBinaries(searchDirs);
  if (!bins) throw new Error(INSTALL_HINT);
  const runAs = postgresUser();

  // The postgres user must be able to reach the dir, and the socket path must stay under ~100 bytes.
  const base = runAs || tmpdir().length > 60 ? '/tmp' : tmpdir();
  const dir = mkdtempSync(join(base, 'hector-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);

  // From here on, anything that goes wrong removes the temp dir (and the watchdog covers a crash).
  const watchdog = spawn(
    process.execPath,
    [
      WATCHDOG,
      JSON.stringify({ parentPid: process.pid, pgCtl: bins.pgCtl, dataDir, dir, runAs, maxMs: WATCHDOG_MAX_MS }),
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  const killWatchdog = () => {
    try {
      if (watchdog.pid !== undefined) process.kill(watchdog.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };

  const stopCluster = async () => {
    if (existsSync(join(dataDir, 'postmaster.pid'))) {
      await run(bins.pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop'], runAs, dir).catch(() => {});
    }
    killWatchdog();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const init = await run(
      bins.initdb,
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
      runAs,
      dir,
    );
    if (init.code !== 0) throw new Error(`initdb failed (exit ${init.code}):\n${tail(init.output)}`);

    let lastError = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      // Settings go in postgresql.conf (pg_ctl -o would be handed to a shell).
      appendFileSync(
        join(dataDir, 'postgresql.conf'),
        [
          '',
          '# hector test cluster',
          "listen_addresses = '127.0.0.1'",
          `port = ${port}`,
          `unix_socket_directories = '${dir}'`,
          'fsync = off',
          'synchronous_commit = off',
          'full_page_writes = off',
          'max_connections = 300',
          '',
        ].join('\n'),
      );
      const start = await run(bins.pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start'], runAs, dir);
      if (start.code === 0) {
        const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
        // The whole cluster is deleted on stop, so its databases need no dropping.
        return useServer(url, { dropOnStop: false, shutdown: stopCluster });
      }
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      lastError = `pg_ctl start failed (exit ${start.code}):\n${tail(start.output)}\n${tail(log)}`;
    }
    throw new Error(lastError);
  } catch (err) {
    await stopCluster();
    throw err;
  }
}
