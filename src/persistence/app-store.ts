import type { Kysely, Selectable } from 'kysely';
import { type Clock, ConflictError, InvalidRequestError } from '../shared/index.ts';
import type { AppKeysTable, AppsTable, Schema } from './schema.ts';
import type { AppStore, StoredApp, StoredAppKey } from './types.ts';
import { checkId, checkText, MAX_PAGE_SIZE } from './validate.ts';

/** Longest app name, in characters. */
export const MAX_APP_NAME_LENGTH = 128;

function toApp(row: Selectable<AppsTable>): StoredApp {
  return {
    id: row.id,
    name: row.name,
    configSealed: row.config_sealed,
    hostTools: Number(row.host_tools) === 1,
    rateLimits: row.rate_limits,
    allowedRanges: row.allowed_ranges,
    maxConcurrentRuns: row.max_concurrent_runs === null ? null : Number(row.max_concurrent_runs),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toKey(row: Selectable<AppKeysTable>): StoredAppKey {
  return {
    kid: row.kid,
    appId: row.app_id,
    publicJwk: row.public_jwk,
    privateSealed: row.private_sealed,
    createdAt: row.created_at,
    ...(row.valid_until === null ? {} : { validUntil: Number(row.valid_until) }),
  };
}

/** The most runs an app may be allowed in flight at once. */
export const MAX_CONCURRENT_RUNS = 100_000;

function checkRunCap(value: unknown): void {
  if (value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CONCURRENT_RUNS) {
    throw new InvalidRequestError(`an app's run cap must be null or an integer from 1 to ${MAX_CONCURRENT_RUNS}`);
  }
}

function checkName(name: string): void {
  checkId(name, 'app name');
  if (name.length > MAX_APP_NAME_LENGTH)
    throw new InvalidRequestError(`app name is too long (at most ${MAX_APP_NAME_LENGTH} characters)`);
}

/** A unique-constraint violation, on either database. */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e?.code === '23505' || (typeof e?.message === 'string' && e.message.includes('UNIQUE constraint failed'));
}

const NAME_TAKEN = 'an app with this name already exists; choose another name';

/** Apps and their signing keys (see AppStore in types.ts). */
export function createAppStore(db: Kysely<Schema>, clock: Clock): AppStore {
  const now = () => new Date(clock.now()).toISOString();
  const checkKey = (key: { kid: string; publicJwk: string; privateSealed: string }) => {
    checkId(key.kid, 'key id');
    checkText(key.publicJwk, 'public key');
    checkText(key.privateSealed, 'private key');
  };
  return {
    async create(app, key) {
      checkId(app.id, 'app id');
      checkName(app.name);
      checkText(app.configSealed, 'app config');
      checkText(app.rateLimits, 'app rate limits');
      checkText(app.allowedRanges, 'app allowed ranges');
      checkRunCap(app.maxConcurrentRuns);
      checkKey(key);
      const at = now();
      return db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto('apps')
          .values({
            id: app.id,
            name: app.name,
            config_sealed: app.configSealed,
            host_tools: app.hostTools ? 1 : 0,
            rate_limits: app.rateLimits,
            allowed_ranges: app.allowedRanges,
            max_concurrent_runs: app.maxConcurrentRuns,
            created_at: at,
            updated_at: at,
          })
          .onConflict((oc) => oc.doNothing())
          .returningAll()
          .executeTakeFirst();
        if (!row) throw new ConflictError('an app with this id or name already exists; choose another name');
        await tx
          .insertInto('app_keys')
          .values({
            kid: key.kid,
            app_id: app.id,
            public_jwk: key.publicJwk,
            private_sealed: key.privateSealed,
            created_at: at,
            valid_until: null,
          })
          .execute();
        return toApp(row);
      });
    },
    async get(id) {
      checkId(id, 'app id');
      const row = await db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toApp(row);
    },
    async getByName(name) {
      checkId(name, 'app name');
      const row = await db.selectFrom('apps').selectAll().where('name', '=', name).executeTakeFirst();
      return row && toApp(row);
    },
    async list() {
      const rows = await db
        .selectFrom('apps')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .limit(MAX_PAGE_SIZE)
        .execute();
      return rows.map(toApp);
    },
    async update(id, change, expectedUpdatedAt) {
      checkId(id, 'app id');
      if (change.name !== undefined) checkName(change.name);
      if (change.configSealed !== undefined) checkText(change.configSealed, 'app config');
      if (change.rateLimits !== undefined) checkText(change.rateLimits, 'app rate limits');
      if (change.allowedRanges !== undefined) checkText(change.allowedRanges, 'app allowed ranges');
      if (change.maxConcurrentRuns !== undefined) checkRunCap(change.maxConcurrentRuns);
      try {
        return await db.transaction().execute(async (tx) => {
          const current = await tx.selectFrom('apps').select('updated_at').where('id', '=', id).executeTakeFirst();
          if (!current) return undefined;
          if (expectedUpdatedAt !== undefined && current.updated_at !== expectedUpdatedAt) {
            throw new ConflictError('the app was changed by another request meanwhile; read it again and retry');
          }
          // Strictly later than the version it replaces, so every version has its own updated_at.
          const at = new Date(Math.max(clock.now(), Date.parse(current.updated_at) + 1)).toISOString();
          const row = await tx
            .updateTable('apps')
            .set({
              ...(change.name === undefined ? {} : { name: change.name }),
              ...(change.configSealed === undefined ? {} : { config_sealed: change.configSealed }),
              ...(change.hostTools === undefined ? {} : { host_tools: change.hostTools ? 1 : 0 }),
              ...(change.rateLimits === undefined ? {} : { rate_limits: change.rateLimits }),
              ...(change.allowedRanges === undefined ? {} : { allowed_ranges: change.allowedRanges }),
              ...(change.maxConcurrentRuns === undefined ? {} : { max_concurrent_runs: change.maxConcurrentRuns }),
              updated_at: at,
            })
            .where('id', '=', id)
            .where('updated_at', '=', current.updated_at)
            .returningAll()
            .executeTakeFirst();
          if (!row)
            throw new ConflictError('the app was changed by another request meanwhile; read it again and retry');
          return toApp(row);
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(NAME_TAKEN);
        throw err;
      }
    },
    async delete(id) {
      checkId(id, 'app id');
      const row = await db.deleteFrom('apps').where('id', '=', id).returning('id').executeTakeFirst();
      return row !== undefined;
    },
    async rotateKey(appId, key, keepUntil) {
      checkId(appId, 'app id');
      checkKey(key);
      return db.transaction().execute(async (tx) => {
        const app = await tx.selectFrom('apps').select('id').where('id', '=', appId).executeTakeFirst();
        if (!app) return false;
        // Earlier keys: limited to keepUntil, never extended (a key already revoked stays revoked).
        await tx
          .updateTable('app_keys')
          .set({ valid_until: keepUntil })
          .where('app_id', '=', appId)
          .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', keepUntil)]))
          .execute();
        await tx
          .insertInto('app_keys')
          .values({
            kid: key.kid,
            app_id: appId,
            public_jwk: key.publicJwk,
            private_sealed: key.privateSealed,
            created_at: now(),
            valid_until: null,
          })
          .execute();
        return true;
      });
    },
    async validKeys(appId, at) {
      checkId(appId, 'app id');
      const rows = await db
        .selectFrom('app_keys')
        .selectAll()
        .where('app_id', '=', appId)
        .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', at)]))
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map(toKey);
    },
    async allValidKeys(at) {
      const rows = await db
        .selectFrom('app_keys')
        .selectAll()
        .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', at)]))
        .orderBy('app_id')
        .orderBy('created_at', 'desc')
        .limit(10 * MAX_PAGE_SIZE)
        .execute();
      return rows.map(toKey);
    },
  };
}
