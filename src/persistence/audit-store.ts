import type { Kysely, Selectable } from 'kysely';
import type { JsonValue } from '../shared/index.ts';
import { InvalidRequestError } from '../shared/index.ts';
import { fromJsonText, toJsonText } from './json-column.ts';
import type { AuditTable, Schema } from './schema.ts';
import type { AuditRecord, AuditStore } from './types.ts';
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

/**
 * The durable audit trail: append-only (no update or delete method exists). Timestamps are normalised to
 * ISO-8601 UTC on write so `since` (inclusive) / `until` (exclusive) compare as times. `list` is filtered by
 * `appId` always; newest first, ties broken by insertion id.
 */
export function createAuditStore(db: Kysely<Schema>): AuditStore {
  return {
    async append(record: AuditRecord): Promise<void> {
      checkId(record?.appId, 'audit appId');
      checkId(record.component, 'audit component');
      checkId(record.action, 'audit action');
      if (typeof record.success !== 'boolean') throw new InvalidRequestError('audit success must be a boolean');
      const event: JsonValue = record.event;
      await db
        .insertInto('audit')
        .values({
          timestamp: canonicalTimestamp(record.timestamp, 'audit timestamp'),
          app_id: record.appId,
          user_id: optionalString(record.userId, 'audit userId'),
          component: record.component,
          action: record.action,
          success: record.success,
          request_id: optionalString(record.requestId, 'audit requestId'),
          event: toJsonText(event, 'audit event'),
        })
        .execute();
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
