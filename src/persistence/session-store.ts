import type { Kysely } from 'kysely';
import type { Clock, JsonValue, Scope } from '../shared/index.ts';
import { InvalidRequestError } from '../shared/index.ts';
import { fromJsonText, toJsonText } from './json-column.ts';
import type { MessagesTable, Schema } from './schema.ts';
import type { SessionStore, StoredMessage } from './types.ts';
import { checkId, checkScope } from './validate.ts';

/** Rows per INSERT statement, well under both engines' bound-parameter limits. */
const INSERT_CHUNK = 500;

/**
 * Conversation histories, keyed by (app_id, user_id, context_id): the same context id in two scopes is two
 * unrelated histories, and every statement filters by the full scope.
 *
 * Ordering under concurrency: `append` runs in one transaction that first reserves a range of seq numbers
 * with a single upsert on the context's `sessions` row (`next_seq = next_seq + n … RETURNING`). On PostgreSQL
 * that row lock serialises concurrent appends to one context until commit; on SQLite the connection is
 * serialised and the write lock is taken by that first statement. A rolled-back append releases its
 * reservation, so seqs stay gap-free. An empty append is a no-op.
 */
export function createSessionStore(db: Kysely<Schema>, clock: Clock): SessionStore {
  return {
    async append(scope: Scope, contextId: string, messages: JsonValue[]): Promise<void> {
      checkScope(scope);
      checkId(contextId, 'contextId');
      if (!Array.isArray(messages)) throw new InvalidRequestError('messages must be an array');
      if (messages.length === 0) return;
      const texts = messages.map((m, i) => toJsonText(m, `messages[${i}]`));
      const now = new Date(clock.now()).toISOString();
      const n = texts.length;
      await db.transaction().execute(async (trx) => {
        const reserved = await trx
          .insertInto('sessions')
          .values({
            app_id: scope.appId,
            user_id: scope.userId,
            context_id: contextId,
            next_seq: n,
            created_at: now,
            updated_at: now,
          })
          .onConflict((oc) =>
            oc.columns(['app_id', 'user_id', 'context_id']).doUpdateSet((eb) => ({
              next_seq: eb('sessions.next_seq', '+', n),
              updated_at: now,
            })),
          )
          .returning('next_seq')
          .executeTakeFirstOrThrow();
        const first = Number(reserved.next_seq) - n;
        const rows: MessagesTable[] = texts.map((message, i) => ({
          app_id: scope.appId,
          user_id: scope.userId,
          context_id: contextId,
          seq: first + i,
          message,
          created_at: now,
        }));
        for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
          await trx
            .insertInto('messages')
            .values(rows.slice(i, i + INSERT_CHUNK))
            .execute();
        }
      });
    },

    async history(scope: Scope, contextId: string, options?: { limit?: number }): Promise<StoredMessage[]> {
      checkScope(scope);
      checkId(contextId, 'contextId');
      const limit = options?.limit;
      if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)) {
        throw new InvalidRequestError('history limit must be a non-negative integer');
      }
      if (limit === 0) return [];
      let query = db
        .selectFrom('messages')
        .select(['seq', 'message', 'created_at'])
        .where('app_id', '=', scope.appId)
        .where('user_id', '=', scope.userId)
        .where('context_id', '=', contextId);
      // The last `limit` messages: read newest first with a limit, then put back in order.
      query = limit === undefined ? query.orderBy('seq', 'asc') : query.orderBy('seq', 'desc').limit(limit);
      const rows = await query.execute();
      if (limit !== undefined) rows.reverse();
      return rows.map((r) => ({
        seq: Number(r.seq),
        message: fromJsonText(r.message, 'message'),
        createdAt: r.created_at,
      }));
    },

    async delete(scope: Scope, contextId: string): Promise<boolean> {
      checkScope(scope);
      checkId(contextId, 'contextId');
      return db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('messages')
          .where('app_id', '=', scope.appId)
          .where('user_id', '=', scope.userId)
          .where('context_id', '=', contextId)
          .execute();
        const result = await trx
          .deleteFrom('sessions')
          .where('app_id', '=', scope.appId)
          .where('user_id', '=', scope.userId)
          .where('context_id', '=', contextId)
          .executeTakeFirst();
        return (result.numDeletedRows ?? 0n) > 0n;
      });
    },
  };
}
