import { type Kysely, sql } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import type { DatabaseKind } from './types.ts';

/**
 * Schema migrations, defined in code (nothing is read from disk at run time) and applied at open by Kysely's
 * Migrator, which records them in `hector_migrations` and takes a lock (an advisory lock on PostgreSQL) so
 * that two servers starting at once do not both migrate. Each migration runs in a transaction. Never edit a
 * migration that has shipped: add a new one.
 */

export const MIGRATION_TABLE = 'hector_migrations';
export const MIGRATION_LOCK_TABLE = 'hector_migrations_lock';

function initialSchema(kind: DatabaseKind): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('sessions')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('context_id', 'text', (c) => c.notNull())
        .addColumn('next_seq', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sessions_pk', ['app_id', 'user_id', 'context_id'])
        .execute();

      await db.schema
        .createTable('messages')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('context_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        // The primary key is also the index history() reads through (scope, context, seq).
        .addPrimaryKeyConstraint('messages_pk', ['app_id', 'user_id', 'context_id', 'seq'])
        .addForeignKeyConstraint(
          'messages_session_fk',
          ['app_id', 'user_id', 'context_id'],
          'sessions',
          ['app_id', 'user_id', 'context_id'],
          (fk) => fk.onDelete('cascade'),
        )
        .execute();

      await db.schema
        .createTable('tasks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('context_id', 'text', (c) => c.notNull())
        .addColumn('agent', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('task', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // list(): newest first within a scope, optionally within a context; (created_at, id) is the page key.
      await db.schema
        .createIndex('tasks_scope_created_idx')
        .on('tasks')
        .columns(['app_id', 'user_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('tasks_scope_context_created_idx')
        .on('tasks')
        .columns(['app_id', 'user_id', 'context_id', 'created_at', 'id'])
        .execute();

      let audit = db.schema.createTable('audit');
      audit =
        kind === 'postgres'
          ? audit
              .addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey())
              .addColumn('success', 'boolean', (c) => c.notNull())
          : audit
              .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
              .addColumn('success', 'integer', (c) => c.notNull().check(sql`success in (0, 1)`));
      await audit
        .addColumn('timestamp', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('component', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('event', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_app_time_idx').on('audit').columns(['app_id', 'timestamp', 'id']).execute();
    },
  };
}

/** Human approval of tool calls: runs paused for approval, and one row per pending or decided call. */
const approvalsSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('paused_runs')
      .addColumn('app_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('context_id', 'text', (c) => c.notNull())
      .addColumn('agent', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('paused_runs_pk', ['app_id', 'task_id'])
      .execute();
    await db.schema
      .createTable('approvals')
      .addColumn('app_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('tool_call_id', 'text', (c) => c.notNull())
      .addColumn('context_id', 'text', (c) => c.notNull())
      .addColumn('agent', 'text', (c) => c.notNull())
      .addColumn('tool_name', 'text', (c) => c.notNull())
      .addColumn('arguments', 'text', (c) => c.notNull())
      .addColumn('args_hash', 'text', (c) => c.notNull())
      .addColumn('prompt', 'text', (c) => c.notNull())
      .addColumn('approvers', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('decided_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'text')
      .addPrimaryKeyConstraint('approvals_pk', ['app_id', 'task_id', 'tool_call_id'])
      .execute();
  },
};

/** Rate-limit counters shared by replicas: one row per key and window, updated atomically in place. */
function rateCountersSchema(kind: DatabaseKind): Migration {
  const big = kind === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('rate_counters')
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('window_start', big, (c) => c.notNull())
        .addColumn('used', big, (c) => c.notNull().check(sql`used >= 0`))
        .addColumn('expires_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('rate_counters_pk', ['key', 'window_start'])
        .execute();
      await db.schema.createIndex('rate_counters_expiry_idx').on('rate_counters').column('expires_at').execute();
    },
  };
}

/** Apps created over the Admin API and their signing keys; deleting an app deletes its keys. */
function appsSchema(kind: DatabaseKind): Migration {
  const big = kind === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('apps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('config_sealed', 'text', (c) => c.notNull())
        .addColumn('host_tools', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('app_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('valid_until', big)
        .execute();
      await db.schema.createIndex('app_keys_app_idx').on('app_keys').column('app_id').execute();
    },
  };
}

/** Rate limits an admin set on an app (a JSON list of rules; `[]`: none beyond the server's). */
const appLimitsSchema: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('apps')
      .addColumn('rate_limits', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
  },
};

/**
 * The audit trail becomes a hash chain: `seq` (1, 2, …; unique, so two writers can never fork the chain),
 * `prev_hash` and `hash` (see shared/hash-chain.ts). Rows written before this migration keep null there.
 */
function auditChainSchema(kind: DatabaseKind): Migration {
  const big = kind === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('audit').addColumn('seq', big).execute();
      await db.schema.alterTable('audit').addColumn('prev_hash', 'text').execute();
      await db.schema.alterTable('audit').addColumn('hash', 'text').execute();
      await db.schema.createIndex('audit_seq_idx').on('audit').column('seq').unique().execute();
    },
  };
}

/**
 * The private ranges an admin lets an app reach (a JSON list of CIDRs), and app names unique whatever their case
 * (`Support` and `support` would route the same identity-provider tokens ambiguously).
 */
const appGrantsSchema: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('apps')
      .addColumn('allowed_ranges', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
    await db.schema.createIndex('apps_name_nocase_idx').on('apps').unique().expression(sql`lower(name)`).execute();
  },
};

/**
 * Task leases: an active task (submitted or working) carries `lease_until`, which the server running it keeps
 * renewing; when a server dies, its tasks' leases run out and any server marks them failed. Tasks active when
 * the database is upgraded get an hour's lease: servers of the earlier version may still be running them (a
 * rolling upgrade) and do not renew, so they are failed only if still active an hour on.
 */
const UPGRADE_LEASE_MS = 3_600_000;
const taskLeasesSchema: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('tasks').addColumn('lease_until', 'text').execute();
    await db.schema.createIndex('tasks_lease_idx').on('tasks').column('lease_until').execute();
    const graceUntil = new Date(Date.now() + UPGRADE_LEASE_MS).toISOString();
    await sql`update tasks set lease_until = ${graceUntil}
      where state in ('TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING')`.execute(db);
  },
};

/** The cap an admin sets on an app's agent runs in flight (null: none of its own). */
const appRunCapSchema: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('apps').addColumn('max_concurrent_runs', 'integer').execute();
  },
};

/** Every migration, by name; names sort in the order they must run. */
export function migrations(kind: DatabaseKind): Record<string, Migration> {
  return {
    '0001_initial': initialSchema(kind),
    '0002_approvals': approvalsSchema,
    '0003_rate_counters': rateCountersSchema(kind),
    '0004_apps': appsSchema(kind),
    '0005_app_rate_limits': appLimitsSchema,
    '0006_audit_chain': auditChainSchema(kind),
    '0007_app_grants': appGrantsSchema,
    '0008_task_leases': taskLeasesSchema,
    '0009_app_run_caps': appRunCapSchema,
  };
}

/**
 * Applies every pending migration. Idempotent: a database that is up to date is left alone. Rejects with the
 * underlying error when a migration fails (that migration's transaction is rolled back).
 */
export async function migrateToLatest(db: Kysely<unknown>, kind: DatabaseKind): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(kind) };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
}
