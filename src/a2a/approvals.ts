/**
 * Human decisions on held tool calls, as clients send them. SECURITY CONTRACT of `applyDecisions`:
 * - A decision names a tool call id of a PAUSED run of a task; it is accepted only from the task's owner or,
 *   on the REST route (`allowApprovers`), from a principal of the same app holding a role the tool lists in
 *   `approvers`. Anyone else gets "not found", exactly as for a call that does not exist.
 * - It must be `approve` or `deny`, name each call at most once, may carry `args_hash` (which must match), and
 *   is refused for a call that is already decided or expired, or for a task that is not paused.
 * - All decisions of one request apply atomically through the store's pending-only, hash-bound `decide`: on
 *   any refusal nothing changes. Every accepted and refused decision is audited.
 */
import type { AuditSink } from '../observability/index.ts';
import type { ApprovalRecord, ApprovalStore, TaskStore } from '../persistence/index.ts';
import {
  type Clock,
  ConflictError,
  InvalidRequestError,
  isPlainObject,
  NotFoundError,
  type Principal,
} from '../shared/index.ts';

export const DECISION_PART_TYPE = 'tool_approval';
export const REQUEST_PART_TYPE = 'tool_approval_request';
const MAX_REASON_CHARS = 2000;
const MAX_DECISIONS = 64;

export interface ClientDecision {
  toolCallId: string;
  decision: 'approve' | 'deny';
  reason?: string;
  argsHash?: string;
}

/** Parses one `{type: "tool_approval", ...}` object; anything malformed is an InvalidRequestError naming the field. */
export function parseDecision(value: Record<string, unknown>): ClientDecision {
  const { decision, tool_call_id: id, reason, args_hash: hash } = value;
  const allowed = new Set(['type', 'decision', 'tool_call_id', 'reason', 'args_hash']);
  const unknown = Object.keys(value).find((k) => !allowed.has(k));
  if (unknown) {
    throw new InvalidRequestError(
      `tool_approval: unknown field "${unknown.slice(0, 64)}"; allowed: decision, tool_call_id, reason, args_hash`,
    );
  }
  if (decision !== 'approve' && decision !== 'deny') {
    throw new InvalidRequestError('tool_approval: "decision" must be "approve" or "deny"');
  }
  if (typeof id !== 'string' || id.length === 0 || id.length > 512) {
    throw new InvalidRequestError('tool_approval: "tool_call_id" must be the id from the tool_approval_request');
  }
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON_CHARS)) {
    throw new InvalidRequestError(`tool_approval: "reason" must be a string of at most ${MAX_REASON_CHARS} characters`);
  }
  if (hash !== undefined && typeof hash !== 'string') {
    throw new InvalidRequestError('tool_approval: "args_hash" must be the string from the tool_approval_request');
  }
  return {
    toolCallId: id,
    decision,
    ...(reason === undefined ? {} : { reason }),
    ...(hash === undefined ? {} : { argsHash: hash }),
  };
}

/**
 * The decisions carried by a raw JSON-RPC message request (`message/send`, `SendMessage`, …): every data part
 * whose `type` is `tool_approval`, in the A2A 0.3 (`{kind: "data", data}`) or 1.0 (`{data}`) shape. Undefined
 * when there are none.
 */
export function decisionsInRequest(
  request: Record<string, unknown>,
): { taskId: unknown; decisions: ClientDecision[] } | undefined {
  const params = request.params;
  const message = isPlainObject(params) ? params.message : undefined;
  if (!isPlainObject(message) || !Array.isArray(message.parts)) return undefined;
  const decisions: ClientDecision[] = [];
  for (const part of message.parts) {
    const data = isPlainObject(part) ? part.data : undefined;
    if (isPlainObject(data) && data.type === DECISION_PART_TYPE) decisions.push(parseDecision(data));
  }
  if (decisions.length === 0) return undefined;
  return { taskId: message.taskId, decisions };
}

export interface DecisionDeps {
  approvals: ApprovalStore;
  tasks: TaskStore;
  audit: AuditSink;
  clock: Clock;
}

const NOT_FOUND = 'no tool call with this id is awaiting approval in this task';

/**
 * Validates and applies decisions for `taskId` on behalf of `principal` (see the module contract). Returns the
 * decided records' owner, so the caller can continue the run in the owner's scope.
 */
/** Whether `taskId` can name a paused task at all (a decision on anything else is refused unread). */
export function isTaskIdShaped(taskId: unknown): taskId is string {
  return typeof taskId === 'string' && taskId.length > 0 && taskId.length <= 512;
}

/**
 * Whether `principal` may decide the held call `record`: its owner, or (with `allowApprovers`) a holder of one
 * of its `approvers` roles. Anyone else must be answered as if the call did not exist.
 */
export function mayDecide(record: ApprovalRecord, principal: Principal, allowApprovers: boolean): boolean {
  if (record.userId === principal.subject) return true;
  return allowApprovers && record.approvers.some((r) => principal.roles.includes(r));
}

export async function applyDecisions(
  deps: DecisionDeps,
  principal: Principal,
  taskId: string,
  decisions: readonly ClientDecision[],
  options: { allowApprovers: boolean; requestId: string | null },
): Promise<{ owner: string; contextId: string; agent: string }> {
  const audit = (success: boolean, d: ClientDecision, record: ApprovalRecord | undefined, reason?: string) =>
    deps.audit.emit({
      component: 'approval',
      action: success ? (d.decision === 'approve' ? 'approve' : 'deny') : 'reject',
      user: principal.subject,
      tenant: principal.tenant,
      success,
      request_id: options.requestId,
      task_id: taskId,
      tool_call_id: d.toolCallId.slice(0, 512),
      decision: d.decision,
      ...(record ? { tool: record.toolName, owner: record.userId, args_hash: record.argsHash } : {}),
      ...(reason ? { reason } : {}),
      ...(success && d.reason ? { user_reason: d.reason } : {}),
    });
  const refuse = (error: Error, d: ClientDecision, record?: ApprovalRecord): never => {
    audit(false, d, record, error.message);
    throw error;
  };
  if (decisions.length > MAX_DECISIONS) {
    throw new InvalidRequestError(`at most ${MAX_DECISIONS} tool_approval decisions per message`);
  }
  if (!isTaskIdShaped(taskId)) {
    throw new InvalidRequestError('a tool_approval decision must be sent on the taskId of the paused task');
  }
  const seen = new Set<string>();
  const records: ApprovalRecord[] = [];
  const now = deps.clock.now();
  for (const d of decisions) {
    if (seen.has(d.toolCallId))
      refuse(new InvalidRequestError(`tool call ${d.toolCallId} is decided twice in one message`), d);
    seen.add(d.toolCallId);
    const record = await deps.approvals.find(principal.tenant, taskId, d.toolCallId);
    if (!record || !mayDecide(record, principal, options.allowApprovers)) refuse(new NotFoundError(NOT_FOUND), d);
    const r = record as ApprovalRecord;
    if (r.status !== 'pending')
      refuse(new ConflictError(`tool call ${d.toolCallId} was already decided (${r.status})`), d, r);
    if (Date.parse(r.expiresAt) <= now) {
      refuse(new ConflictError(`the approval request for tool call ${d.toolCallId} expired at ${r.expiresAt}`), d, r);
    }
    if (d.argsHash !== undefined && d.argsHash !== r.argsHash) {
      refuse(new InvalidRequestError(`args_hash does not match the arguments of tool call ${d.toolCallId}`), d, r);
    }
    const paused = await deps.approvals.paused({ appId: r.appId, userId: r.userId }, taskId);
    if (!paused?.approvals.some((a) => a.toolCallId === d.toolCallId)) refuse(new NotFoundError(NOT_FOUND), d, r);
    records.push(r);
  }
  const first = records[0];
  if (!first || records.some((r) => r.userId !== first.userId)) {
    throw new InvalidRequestError('decisions in one request must belong to one task');
  }
  const state = (await deps.tasks.get({ appId: first.appId, userId: first.userId }, taskId))?.state;
  if (state !== INPUT_REQUIRED) {
    for (const d of decisions) audit(false, d, first, 'task is not waiting for approval');
    throw new ConflictError(`task ${taskId} is not waiting for approval (it is ${describeState(state)})`);
  }
  const applied = await deps.approvals.decide(
    principal.tenant,
    taskId,
    decisions.map((d, i) => ({
      toolCallId: d.toolCallId,
      status: d.decision === 'approve' ? 'approved' : 'denied',
      argsHash: records[i]!.argsHash,
      decidedBy: principal.subject,
      ...(d.reason === undefined ? {} : { reason: d.reason }),
    })),
  );
  if (!applied) {
    for (const d of decisions) audit(false, d, undefined, 'decided concurrently');
    throw new ConflictError('these tool calls were decided by another request at the same time');
  }
  decisions.forEach((d, i) => {
    audit(true, d, records[i]);
  });
  return { owner: first.userId, contextId: first.contextId, agent: first.agent };
}

const INPUT_REQUIRED = 'TASK_STATE_INPUT_REQUIRED';

function describeState(state: string | undefined): string {
  return state
    ? state
        .replace(/^TASK_STATE_/, '')
        .toLowerCase()
        .replace(/_/g, '-')
    : 'gone';
}
