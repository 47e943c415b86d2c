import { existsSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import type { Clock } from '../shared/index.ts';
import { systemClock, UnavailableError } from '../shared/index.ts';
import { createAppStore } from './app-store.ts';
import { createApprovalStore } from './approval-store.ts';
import { createAuditStore } from './audit-store.ts';
import { openFailure } from './connect-error.ts';
import { createCounterStore } from './counter-store.ts';
import { parseDatabaseUrl } from './database-url.ts';
import { migrateToLatest } from './migrations.ts';
import { openPostgres } from './open-postgres.ts';
import type { Schema } from './schema.ts';
import { createSessionStore } from './session-store.ts';
import { createTaskStore } from './task-store.ts';
import type { Database, DatabaseOptions } from './types.ts';
import { checkId } from './validate.ts';

/**
 * Applies pending migrations. PostgreSQL serialises concurrent migrators with Kysely's lock table; on SQLite
 * Kysely takes no lock, so two processes opening one fresh file at once can both try a migration, and the
 * loser fails ("table … already exists"). It then tries again: by then the winner has recorded the migration,
 * and the retry finds it done. A migration that keeps failing still fails, after the last attempt.
 */
async function migrateWithRetries(db: Kysely<unknown>, kind: 'sqlite' | 'postgres'): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateToLatest(db, kind);
      return;
    } catch (err) {
      if (kind !== 'sqlite' || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/**
 * Opens the database named by `options.url`, checks the connection and applies pending migrations before
 * resolving, so a bad URL, an unreachable server or a failed migration fails at startup, not on the first
 * request.
 *
 * Failures: a malformed or unsupported URL is a ConfigError; a server that cannot be reached, a failed
 * login, a missing database or a failed migration is an UnavailableError. Both name the database by its
 * credential-free description and never contain the password. Whatever was opened is closed again.
 *
 * `deps.clock` stamps `createdAt`/`updatedAt` (system clock by default).
 */
export async function openDatabase(options: DatabaseOptions, deps?: { clock?: Clock }): Promise<Database> {
  const parsed = parseDatabaseUrl(options?.url);
  const clock = deps?.clock ?? systemClock;
  const kind = parsed.kind;
  if (options.existing && parsed.kind === 'sqlite' && (parsed.memory || !existsSync(parsed.path))) {
    throw new UnavailableError(`there is no database at ${parsed.description}; check the path (nothing was created)`);
  }
  // node:sqlite is loaded only when SQLite is used (it prints an ExperimentalWarning when loaded).
  const db: Kysely<Schema> =
    parsed.kind === 'postgres'
      ? openPostgres(parsed.connectionString)
      : (await import('./open-sqlite.ts')).openSqlite(parsed.path, parsed.memory, parsed.description);
  const revealMessage = kind === 'sqlite';
  try {
    try {
      await sql`select 1`.execute(db);
    } catch (err) {
      throw openFailure(err, parsed.description, 'connect', revealMessage);
    }
    if (!options.existing) {
      try {
        await migrateWithRetries(db as Kysely<unknown>, kind);
      } catch (err) {
        throw openFailure(err, parsed.description, 'migrate', revealMessage);
      }
    }
  } catch (err) {
    await db.destroy().catch(() => {});
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    kind,
    description: parsed.description,
    sessions: createSessionStore(db, clock),
    tasks: createTaskStore(db, clock),
    audit: createAuditStore(db, kind, options.auditKey),
    approvals: createApprovalStore(db, clock),
    counters: createCounterStore(db, kind, () => clock.now()),
    apps: createAppStore(db, clock),
    async purgeApp(appId) {
      checkId(appId, 'app id');
      return db.transaction().execute(async (tx) => {
        for (const table of ['messages', 'sessions', 'approvals', 'paused_runs', 'tasks'] as const) {
          await tx.deleteFrom(table).where('app_id', '=', appId).execute();
        }
        const app = await tx.deleteFrom('apps').where('id', '=', appId).returning('id').executeTakeFirst();
        return app !== undefined;
      });
    },
    close() {
      closing ??= db.destroy();
      return closing;
    },
  };
}
