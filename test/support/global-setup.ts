/**
 * Global setup for `node --test --test-global-setup=test/support/global-setup.ts` (Node 24): starts ONE
 * PostgreSQL cluster for the whole run and exports its URL as HECTOR_TEST_POSTGRES_URL. The runner evaluates
 * this module in its own process before spawning the test files, and each test process inherits the runner's
 * environment at spawn time, so every `startPostgres()` then reuses this server (one database per test).
 *
 * - HECTOR_TEST_POSTGRES_URL already set: nothing is started; that server is used.
 * - HECTOR_TEST_SKIP_POSTGRES=1: nothing is started; PostgreSQL tests skip themselves.
 * - Binaries missing: the setup throws (with install instructions) and the run fails.
 * The cluster is stopped in globalTeardown, and by its watchdog if the runner is killed.
 */
import { postgresSkipReason, startPostgres, type TestPostgres } from './postgres.ts';

let cluster: TestPostgres | undefined;

export async function globalSetup(): Promise<void> {
  if (process.env.HECTOR_TEST_POSTGRES_URL || postgresSkipReason()) return;
  cluster = await startPostgres();
  process.env.HECTOR_TEST_POSTGRES_URL = cluster.url;
}

export async function globalTeardown(): Promise<void> {
  if (!cluster) return;
  await cluster.stop();
  delete process.env.HECTOR_TEST_POSTGRES_URL;
  cluster = undefined;
}
