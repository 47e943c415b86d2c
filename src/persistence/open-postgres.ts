import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Schema } from './schema.ts';

/** Connections per process. Small: each store call is a short statement or transaction. */
export const POSTGRES_POOL_SIZE = 5;
/** How long to wait for a connection (TCP + auth), in milliseconds. */
export const POSTGRES_CONNECT_TIMEOUT_MS = 5000;

/**
 * A Kysely instance on a pg Pool. The connection string goes to pg as is (so `?sslmode=…` and friends work)
 * and is never logged. Errors of idle pooled connections (server restart, network drop) are absorbed: pg
 * drops that connection and the next query opens a new one; without a listener they would crash the process.
 */
export function openPostgres(connectionString: string): Kysely<Schema> {
  const pool = new pg.Pool({
    connectionString,
    max: POSTGRES_POOL_SIZE,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    application_name: 'hector',
  });
  pool.on('error', () => {});
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}
