import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import type { JsonValue } from '../shared/index.ts';
import { chainHash, GENESIS_HASH, InvalidRequestError } from '../shared/index.ts';
import { fromJsonText, toJsonText } from './json-column.ts';
import type { AuditTable, Schema } from './schema.ts';
import type { AuditChainRow, AuditRecord, AuditStore, DatabaseKind } from './types.ts';
import { canonicalTimestamp, checkId, checkPageSize, checkText } from './validate.ts';

function optionalString(value: unknown, what: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new InvalidRequestError(`${what} must be a string or null`);
  checkText(value, what);
  return value;
}

function toRecord(row: Selectable<AuditTable>): AuditRecord & { id: number } {
  return {
    id: Number(row.id),
    timestamp: row.timestamp,
    appId: row.app_id,
    userId: row.user_id,
    component: row.component,
    action: row.action,
    success: row.success === true || row.success === 1,
    requestId: row.request_id,
    event: fromJsonText(row.event, 'audit event'),
  };
}

/** What an entry's hash covers: every column but the id and the chain fields, the event as parsed JSON. */
function chainContent(row: Omit<Selectable<AuditTable>, 'id' | 'seq' | 'prev_hash' | 'hash'>): JsonValue {
  return {
    timestamp: row.timestamp,
    app_id: row.app_id,
    user_id: row.user_id,
    component: row.component,
    action: row.action,
    success: row.success === true || row.success === 1,
    request_id: row.request_id,
    event: fromJsonText(row.event, 'audit event'),
  };
}

/** Any constant: the PostgreSQL advisory lock that orders appends of every replica sharing the database. */
const CHAIN_LOCK = 0x6865_6374;
/** Most audit rows written in one transaction. */
const BATCH = 500;

/**
 * The durable audit trail: append-only (no update or delete method exists) and hash-chained: each append, in
 * one transaction, reads the newest entry's `seq` and `hash` and writes `seq + 1` with the hash of its content
 * (shared/hash-chain.ts). On PostgreSQL an advisory lock orders appends of every replica; SQLite's one
 * connection runs transactions one at a time. `seq` is unique, so even without the lock the chain could not
 * fork (a second writer would fail, not branch). Timestamps are normalised to
 * ISO-8601 UTC on write so `since` (inclusive) / `until` (exclusive) compare as times. `list` is filtered by
 * `appId` always; newest first, ties broken by insertion id.
 */
export function createAuditStore(db: Kysely<Schema>, kind: DatabaseKind, key?: string): AuditStore {
  /**
   * Appends wait here and are written in batches (at most BATCH rows per transaction, in arrival order): one
   * lock, one head read and one multi-row insert per batch instead of per event, so a busy server does not
   * queue behind its own audit trail.
   */
  type Pending = { values: Insertable<AuditTable>; content: JsonValue; done: (err?: unknown) => void };
  let queue: Pending[] = [];
  let draining = false;
  const writeBatch = async (batch: Pending[]) => {
    await db.transaction().execute(async (tx) => {
      if (kind === 'postgres') await sql`select pg_advisory_xact_lock(${CHAIN_LOCK})`.execute(tx);
      // SQLite: take the write lock before reading the head (as BEGIN IMMEDIATE would), so another process
      // writing the same file waits (busy timeout) instead of both reading one head.
      else await sql`update audit set id = id where 0`.execute(tx);
      const last = await tx
        .selectFrom('audit')
        .select(['seq', 'hash'])
        .where('seq', 'is not', null)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      let seq = last ? Number(last.seq) : 0;
      let prevHash = last?.hash ?? GENESIS_HASH;
      const rows = batch.map((item) => {
        seq++;
        const hash = chainHash(seq, prevHash, item.content, key);
        const row = { ...item.values, seq, prev_hash: prevHash, hash };
        prevHash = hash;
        return row;
      });
      await tx.insertInto('audit').values(rows).execute();
    });
  };
  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, BATCH);
      queue = queue.slice(BATCH);
      let failure: unknown;
      // A batch that fails (another writer won a race the lock should have prevented, a busy database) is
      // tried again on a fresh head; its rows are never written half.
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await writeBatch(batch);
          failure = undefined;
          break;
        } catch (err) {
          failure = err;
        }
      }
      for (const item of batch) item.done(failure);
    }
    draining = false;
  };

  return {
    async append(record: AuditRecord): Promise<void> {
      checkId(record?.appId, 'audit appId');
      checkId(record.component, 'audit component');
      checkId(record.action, 'audit action');
      if (typeof record.success !== 'boolean') throw new InvalidRequestError('audit success must be a boolean');
      const event: JsonValue = record.event;
      const values = {
        timestamp: canonicalTimestamp(record.timestamp, 'audit timestamp'),
        app_id: record.appId,
        user_id: optionalString(record.userId, 'audit userId'),
        component: record.component,
        action: record.action,
        success: record.success,
        request_id: optionalString(record.requestId, 'audit requestId'),
        event: toJsonText(event, 'audit event'),
      };
      const content = chainContent(values);
      await new Promise<void>((resolve, reject) => {
        queue.push({ values, content, done: (err) => (err === undefined ? resolve() : reject(err)) });
        if (!draining) {
          draining = true;
          void drain();
        }
      });
    },

    async readChain(afterId: number, limit: number): Promise<AuditChainRow[]> {
      checkPageSize(limit, 'audit chain page size');
      const rows = await db
        .selectFrom('audit')
        .selectAll()
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        id: Number(row.id),
        seq: row.seq == null ? null : Number(row.seq),
        // (== null: a database from before the chain has no such columns at all)
        prevHash: row.prev_hash ?? null,
        hash: row.hash ?? null,
        content: chainContent(row),
      }));
    },

    async list(filter): Promise<(AuditRecord & { id: number })[]> {
      checkId(filter?.appId, 'audit filter appId');
      checkPageSize(filter.limit, 'audit list limit');
      let query = db.selectFrom('audit').selectAll().where('app_id', '=', filter.appId);
      if (filter.since !== undefined) {
        query = query.where('timestamp', '>=', canonicalTimestamp(filter.since, 'since'));
      }
      if (filter.until !== undefined) {
        query = query.where('timestamp', '<', canonicalTimestamp(filter.until, 'until'));
      }
      if (filter.component !== undefined) {
        checkId(filter.component, 'audit filter component');
        query = query.where('component', '=', filter.component);
      }
      if (filter.userId !== undefined) {
        checkId(filter.userId, 'audit filter userId');
        query = query.where('user_id', '=', filter.userId);
      }
      const rows = await query.orderBy('timestamp', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
      return rows.map(toRecord);
    },
  };
}
