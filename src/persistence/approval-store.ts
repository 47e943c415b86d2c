import type { Kysely } from 'kysely';
import { type Clock, InvalidRequestError, type JsonValue, type Scope } from '../shared/index.ts';
import { fromJsonText, toJsonText } from './json-column.ts';
import type { ApprovalsTable, Schema } from './schema.ts';
import type { ApprovalRecord, ApprovalStatus, ApprovalStore, PausedRun } from './types.ts';
import { checkId, checkScope, checkText } from './validate.ts';

const STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'denied', 'expired'];

function toRecord(row: ApprovalsTable): ApprovalRecord {
  const approvers = fromJsonText(row.approvers, 'approvers');
  const status = STATUSES.find((s) => s === row.status);
  if (!status || !Array.isArray(approvers)) {
    throw new Error('stored approval is malformed (the database was modified outside Hector)');
  }
  return {
    appId: row.app_id,
    userId: row.user_id,
    taskId: row.task_id,
    contextId: row.context_id,
    agent: row.agent,
    toolCallId: row.tool_call_id,
    toolName: row.tool_name,
    arguments: fromJsonText(row.arguments, 'approval arguments'),
    argsHash: row.args_hash,
    prompt: row.prompt,
    approvers: approvers.filter((r): r is string => typeof r === 'string'),
    status,
    reason: row.reason,
    decidedBy: row.decided_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    decidedAt: row.decided_at,
  };
}

/**
 * Pending and decided human approvals of tool calls, and the runs paused for them.
 *
 * Security contract: `paused` reads by (app, user, task), so another scope's pause reads as absent. `find` is
 * app-wide on purpose (an approver holding a role may decide another user's call) and never crosses apps.
 * `decide` updates only rows still `pending` with the same arguments hash, inside one transaction, and rolls
 * back unless every decision applied: two concurrent decisions for one call cannot both win.
 */
export function createApprovalStore(db: Kysely<Schema>, clock: Clock): ApprovalStore {
  const now = () => new Date(clock.now()).toISOString();
  return {
    async pause(scope: Scope, pause): Promise<void> {
      checkScope(scope);
      checkId(pause?.taskId, 'task id');
      checkId(pause.contextId, 'contextId');
      checkId(pause.agent, 'agent');
      if (!Array.isArray(pause.approvals) || pause.approvals.length === 0) {
        throw new InvalidRequestError('a paused run needs at least one approval');
      }
      const state = toJsonText(pause.state, 'paused run state');
      const created = now();
      const rows: ApprovalsTable[] = pause.approvals.map((a) => {
        checkId(a.toolCallId, 'tool call id');
        checkId(a.toolName, 'tool name');
        checkId(a.argsHash, 'arguments hash');
        checkText(a.prompt, 'approval prompt');
        return {
          app_id: scope.appId,
          user_id: scope.userId,
          task_id: pause.taskId,
          tool_call_id: a.toolCallId,
          context_id: pause.contextId,
          agent: pause.agent,
          tool_name: a.toolName,
          arguments: toJsonText(a.arguments, 'approval arguments'),
          args_hash: a.argsHash,
          prompt: a.prompt,
          approvers: toJsonText(a.approvers, 'approvers'),
          status: 'pending',
          reason: null,
          decided_by: null,
          created_at: created,
          expires_at: new Date(a.expiresAt).toISOString(),
          decided_at: null,
        };
      });
      await db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('approvals')
          .where('app_id', '=', scope.appId)
          .where('task_id', '=', pause.taskId)
          .execute();
        await trx
          .deleteFrom('paused_runs')
          .where('app_id', '=', scope.appId)
          .where('task_id', '=', pause.taskId)
          .execute();
        await trx
          .insertInto('paused_runs')
          .values({
            app_id: scope.appId,
            user_id: scope.userId,
            task_id: pause.taskId,
            context_id: pause.contextId,
            agent: pause.agent,
            state,
            created_at: created,
          })
          .execute();
        await trx.insertInto('approvals').values(rows).execute();
      });
    },

    async paused(scope: Scope, taskId: string): Promise<PausedRun | undefined> {
      checkScope(scope);
      checkId(taskId, 'task id');
      const run = await db
        .selectFrom('paused_runs')
        .selectAll()
        .where('app_id', '=', scope.appId)
        .where('user_id', '=', scope.userId)
        .where('task_id', '=', taskId)
        .executeTakeFirst();
      if (!run) return undefined;
      const rows = await db
        .selectFrom('approvals')
        .selectAll()
        .where('app_id', '=', scope.appId)
        .where('user_id', '=', scope.userId)
        .where('task_id', '=', taskId)
        .orderBy('created_at')
        .orderBy('tool_call_id')
        .execute();
      return {
        contextId: run.context_id,
        agent: run.agent,
        state: fromJsonText(run.state, 'paused run state') as JsonValue,
        approvals: rows.map(toRecord),
      };
    },

    async find(appId: string, taskId: string, toolCallId: string): Promise<ApprovalRecord | undefined> {
      checkId(appId, 'app id');
      checkId(taskId, 'task id');
      checkId(toolCallId, 'tool call id');
      const row = await db
        .selectFrom('approvals')
        .selectAll()
        .where('app_id', '=', appId)
        .where('task_id', '=', taskId)
        .where('tool_call_id', '=', toolCallId)
        .executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async decide(appId, taskId, decisions): Promise<boolean> {
      checkId(appId, 'app id');
      checkId(taskId, 'task id');
      if (!Array.isArray(decisions) || decisions.length === 0) return false;
      const at = now();
      for (const d of decisions) {
        checkId(d.toolCallId, 'tool call id');
        checkId(d.decidedBy, 'decided by');
        if (d.reason !== undefined) checkText(d.reason, 'reason');
      }
      if (new Set(decisions.map((d) => d.toolCallId)).size !== decisions.length) return false;
      const rollback = new Error('rollback');
      try {
        await db.transaction().execute(async (trx) => {
          for (const d of decisions) {
            const updated = await trx
              .updateTable('approvals')
              .set({ status: d.status, reason: d.reason ?? null, decided_by: d.decidedBy, decided_at: at })
              .where('app_id', '=', appId)
              .where('task_id', '=', taskId)
              .where('tool_call_id', '=', d.toolCallId)
              .where('args_hash', '=', d.argsHash)
              .where('status', '=', 'pending')
              .executeTakeFirst();
            if (Number(updated.numUpdatedRows) !== 1) throw rollback;
          }
        });
      } catch (e) {
        if (e === rollback) return false;
        throw e;
      }
      return true;
    },

    async resume(scope: Scope, taskId: string): Promise<void> {
      checkScope(scope);
      checkId(taskId, 'task id');
      await db
        .deleteFrom('paused_runs')
        .where('app_id', '=', scope.appId)
        .where('user_id', '=', scope.userId)
        .where('task_id', '=', taskId)
        .execute();
    },
    async countPending(): Promise<number> {
      // Only calls of runs still paused: an abandoned pause's leftovers are not waiting for anyone.
      const row = await db
        .selectFrom('approvals')
        .innerJoin('paused_runs', (join) =>
          join
            .onRef('paused_runs.app_id', '=', 'approvals.app_id')
            .onRef('paused_runs.task_id', '=', 'approvals.task_id'),
        )
        .select((eb) => eb.fn.countAll().as('n'))
        .where('approvals.status', '=', 'pending')
        .where('approvals.expires_at', '>', now())
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}
