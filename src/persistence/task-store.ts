import type { Kysely } from 'kysely';
import type { Clock, Scope } from '../shared/index.ts';
import { ConflictError, InvalidRequestError, type JsonValue, safeJsonParse } from '../shared/index.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { fromJsonText, toJsonText } from './json-column.ts';
import type { Schema, TasksTable } from './schema.ts';
import type { StoredTask, TaskStore } from './types.ts';
import { checkId, checkPageSize, checkScope } from './validate.ts';

/**
 * Task states (as the A2A layer stores them) in which a task may hold a lease, and those it never leaves. A row
 * holds a lease only while it is active, whatever `lease_until` says: a server of an earlier version, which
 * does not know the column, may save a final state and leave it set.
 */
export const ACTIVE_TASK_STATES: readonly string[] = ['TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING'];
const FINAL_STATES = ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED'];

/** The longest lease a save or renewal may take (a day): a lease is a liveness bound, not a reservation. */
const MAX_LEASE_MS = 86_400_000;

function checkLease(ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 1 || ms > MAX_LEASE_MS) {
    throw new InvalidRequestError(`a task lease must be an integer from 1 to ${MAX_LEASE_MS} ms`);
  }
  return ms;
}

/** The row as stored, its task JSON parsed (a row damaged outside Hector is an error). */
function toStoredTask(row: TasksTable): StoredTask {
  return withTask(row, fromJsonText(row.task, 'task'));
}

/** The row as stored, with `task` as the caller parsed it. */
function withTask(row: TasksTable, task: JsonValue): StoredTask {
  return {
    id: row.id,
    contextId: row.context_id,
    agent: row.agent,
    state: row.state,
    task,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * A2A tasks. Task ids are unique across all scopes; a task belongs to the scope that first saved it.
 *
 * Security contract: `get` and `list` filter by (app_id, user_id), so another scope's task reads as absent.
 * `save` is one atomic upsert whose update only applies when the existing row has the same scope; when it
 * does not, nothing is written and a ConflictError is raised whose message says only that the id is taken
 * (not by whom, nor anything stored in it). `createdAt` is kept from the first save.
 *
 * `list` pages newest first by (created_at, id), so the order is total and stable even when many tasks share
 * a timestamp; the cursor is the key of the last row of the page (see cursor.ts).
 */
export function createTaskStore(db: Kysely<Schema>, clock: Clock): TaskStore {
  return {
    async save(scope, input): Promise<void> {
      checkScope(scope);
      checkId(input?.id, 'task id');
      checkId(input.contextId, 'task contextId');
      checkId(input.agent, 'task agent');
      checkId(input.state, 'task state');
      const task = toJsonText(input.task, 'task');
      const at = clock.now();
      const now = new Date(at).toISOString();
      const leaseUntil = input.leaseMs === undefined ? null : new Date(at + checkLease(input.leaseMs)).toISOString();
      const row = await db
        .insertInto('tasks')
        .values({
          id: input.id,
          app_id: scope.appId,
          user_id: scope.userId,
          context_id: input.contextId,
          agent: input.agent,
          state: input.state,
          task,
          created_at: now,
          updated_at: now,
          lease_until: leaseUntil,
        })
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet((eb) => ({
              context_id: eb.ref('excluded.context_id'),
              agent: eb.ref('excluded.agent'),
              state: eb.ref('excluded.state'),
              task: eb.ref('excluded.task'),
              updated_at: eb.ref('excluded.updated_at'),
              lease_until: eb.ref('excluded.lease_until'),
            }))
            .where((eb) =>
              eb.and([
                eb('tasks.app_id', '=', eb.ref('excluded.app_id')),
                eb('tasks.user_id', '=', eb.ref('excluded.user_id')),
                // A task that has ended keeps its final state (a stalled server cannot revive a swept task).
                eb.or([eb('tasks.state', 'not in', FINAL_STATES), eb('tasks.state', '=', eb.ref('excluded.state'))]),
              ]),
            ),
        )
        .returning('id')
        .executeTakeFirst();
      if (row === undefined) {
        const own = await db
          .selectFrom('tasks')
          .select('id')
          .where('id', '=', input.id)
          .where('app_id', '=', scope.appId)
          .where('user_id', '=', scope.userId)
          .executeTakeFirst();
        if (own !== undefined) return;
        throw new ConflictError('a task with this id already exists; use a new task id');
      }
    },

    async get(scope: Scope, id: string): Promise<StoredTask | undefined> {
      checkScope(scope);
      checkId(id, 'task id');
      const row = await db
        .selectFrom('tasks')
        .selectAll()
        .where('id', '=', id)
        .where('app_id', '=', scope.appId)
        .where('user_id', '=', scope.userId)
        .executeTakeFirst();
      return row === undefined ? undefined : toStoredTask(row);
    },

    async list(scope, options): Promise<{ tasks: StoredTask[]; nextCursor?: string }> {
      checkScope(scope);
      checkPageSize(options?.limit, 'task list limit');
      const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
      let query = db
        .selectFrom('tasks')
        .selectAll()
        .where('app_id', '=', scope.appId)
        .where('user_id', '=', scope.userId);
      if (options.contextId !== undefined) {
        checkId(options.contextId, 'contextId');
        query = query.where('context_id', '=', options.contextId);
      }
      if (options.agent !== undefined) {
        checkId(options.agent, 'agent');
        query = query.where('agent', '=', options.agent);
      }
      if (after) {
        query = query.where((eb) =>
          eb.or([
            eb('created_at', '<', after.createdAt),
            eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
          ]),
        );
      }
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(options.limit + 1)
        .execute();
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      const tasks = page.map(toStoredTask);
      if (rows.length > options.limit && last) {
        return { tasks, nextCursor: encodeCursor({ createdAt: last.created_at, id: last.id }) };
      }
      return { tasks };
    },

    async renewLeases(ids, leaseMs): Promise<void> {
      const until = new Date(clock.now() + checkLease(leaseMs)).toISOString();
      for (const id of ids) checkId(id, 'task id');
      for (let i = 0; i < ids.length; i += RENEW_BATCH) {
        await db
          .updateTable('tasks')
          .set({ lease_until: until })
          .where('id', 'in', ids.slice(i, i + RENEW_BATCH))
          .where('lease_until', 'is not', null)
          .where('state', 'in', ACTIVE_TASK_STATES)
          .execute();
      }
    },

    async expiredLeases(limit): Promise<Array<StoredTask & { scope: Scope }>> {
      checkPageSize(limit, 'expired lease limit');
      const now = new Date(clock.now()).toISOString();
      const rows = await db
        .selectFrom('tasks')
        .selectAll()
        .where('lease_until', 'is not', null)
        .where('lease_until', '<', now)
        .where('state', 'in', ACTIVE_TASK_STATES)
        .orderBy('lease_until')
        .orderBy('id')
        .limit(limit)
        .execute();
      // A row whose JSON was damaged outside Hector comes back with `task: null` rather than stopping every sweep.
      return rows.map((row) => {
        const parsed = safeJsonParse(row.task);
        return {
          ...withTask(row, parsed.ok ? (parsed.value as JsonValue) : null),
          scope: { appId: row.app_id, userId: row.user_id },
        };
      });
    },

    async replaceExpired(scope, id, update): Promise<boolean> {
      checkScope(scope);
      checkId(id, 'task id');
      checkId(update?.state, 'task state');
      const task = toJsonText(update.task, 'task');
      const now = new Date(clock.now()).toISOString();
      const row = await db
        .updateTable('tasks')
        .set({ state: update.state, task, updated_at: now, lease_until: null })
        .where('id', '=', id)
        .where('app_id', '=', scope.appId)
        .where('user_id', '=', scope.userId)
        .where('lease_until', 'is not', null)
        .where('lease_until', '<', now)
        .where('state', 'in', ACTIVE_TASK_STATES)
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

/** Ids per renewal statement (well under SQLite's and PostgreSQL's bound-parameter limits). */
const RENEW_BATCH = 500;
