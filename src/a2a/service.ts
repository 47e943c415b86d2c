import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import {
  DefaultExecutionEventBusManager,
  DefaultRequestHandler,
  type ExecutionEventBusManager,
  JsonRpcTransportHandler,
  ServerCallContext,
} from '@a2a-js/sdk/server';
import type { AuditSink, Logger, Span } from '../observability/index.ts';
import type { StoredTask, TaskStore } from '../persistence/index.ts';
import type { AgentDefinition, RuntimeDeps } from '../runtime/index.ts';
import { ConflictError, InvalidRequestError, type Principal, type RateSubject, scopeOf } from '../shared/index.ts';
import {
  applyDecisions,
  type DecisionDeps,
  decisionsInRequest,
  isTaskIdShaped,
  mayDecide,
  parseDecision,
} from './approvals.ts';
import { buildAgentCard, type CardOptions, publicCardJson } from './card.ts';
import {
  createAgentExecutor,
  ownerOf,
  RATE_SUBJECT_STATE_KEY,
  REQUEST_ID_STATE_KEY,
  type RunningTask,
  STREAM_STATE_KEY,
  TASK_RUNNING_MESSAGE,
  TRACE_STATE_KEY,
} from './executor.ts';
import { DEFAULT_TASK_LEASE_MS, isActiveState } from './leases.ts';
import { PrincipalUser } from './principal-user.ts';
import type { RunTracker } from './runs.ts';
import { createSdkTaskStore } from './task-store.ts';

export interface JsonRpcResponse {
  jsonrpc: string;
  id: string | number | null;
  result?: unknown;
  error?: unknown;
}

export type JsonRpcOutcome =
  | { kind: 'single'; response: JsonRpcResponse }
  | { kind: 'stream'; events: AsyncGenerator<JsonRpcResponse, void, undefined> };

export interface CallInfo {
  principal: Principal;
  requestId: string;
  /** Value of the A2A-Version header, if any. */
  protocolVersion?: string | undefined;
  /** Whose rate limits and token quotas the run counts against (absent: none are applied). */
  rateSubject?: RateSubject | undefined;
  /** The request's span: the run's span becomes its child (absent: the run starts its own trace). */
  trace?: Span | undefined;
}

export interface A2AService {
  /** Agent names in config order. */
  readonly agentNames: readonly string[];
  has(agent: string): boolean;
  /** The agent's visibility, or undefined for an unknown agent (a lookup with any string is safe). */
  visibilityOf(agent: string): AgentDefinition['visibility'] | undefined;
  /** The card served over HTTP, or undefined for an unknown agent. */
  card(agent: string, baseUrl: string): Record<string, unknown> | undefined;
  /**
   * Handles one parsed JSON-RPC request object for `agent` (which must exist). Method names with a slash
   * (`message/send`, `tasks/get`, …) are A2A 0.3; the others (`SendMessage`, `GetTask`, …) are A2A 1.0.
   */
  handle(agent: string, request: Record<string, unknown>, call: CallInfo): Promise<JsonRpcOutcome>;
  /**
   * `POST /api/tasks/{taskId}/approvals/{toolCallId}`: decides one held call for its owner or an approver
   * (see approvals.ts), then continues the run in the owner's scope and returns the task as `message/send`
   * would (the next pause or the end). Unknown or foreign calls are a NotFoundError.
   */
  decide(taskId: string, toolCallId: string, body: unknown, call: CallInfo): Promise<JsonRpcResponse>;
}

export interface A2AServiceOptions {
  agents: readonly AgentDefinition[];
  tasks: TaskStore;
  runtime: RuntimeDeps;
  audit: AuditSink;
  logger: Logger;
  version: string;
  /** Where runs and task writes are registered for graceful shutdown (absent: not tracked). */
  runs?: RunTracker | undefined;
  /**
   * Run state kept across the versions of one app's runtime (createRunState): a service rebuilt from a changed
   * config cancels, and lets clients resubscribe to, the runs an earlier version started.
   */
  shared?: RunState | undefined;
  /** `server.task_lease` in ms: how long an active task stays leased without a renewal (see leases.ts). */
  taskLeaseMs?: number | undefined;
}

/** The runs in flight and their event buses, by agent; one per app, outliving its runtime versions. */
export interface RunState {
  readonly running: Map<string, RunningTask>;
  readonly buses: Map<string, ExecutionEventBusManager>;
  /**
   * Task ids a request is continuing right now (from its arrival until its run is registered in `running`),
   * keyed by owner and task id (ownerOf + NUL + id: another user's request never touches the owner's claim),
   * each with when the claim lapses: a second message to the same task meanwhile is refused, so one task never
   * has two runs. A claim whose request vanished without releasing it (a stream abandoned before it started)
   * lapses after CLAIM_MS.
   */
  readonly claims: Map<string, number>;
}

/** The longest a claim holds without its request releasing it. */
const CLAIM_MS = 30_000;

export function createRunState(): RunState {
  return { running: new Map(), buses: new Map(), claims: new Map() };
}

/**
 * The task id a message request continues, as the SDK will read it: `taskId`, or (1.0 only) the proto name
 * `task_id`, as a string; undefined when it names none.
 */
function requestTaskId(request: Record<string, unknown>, legacy: boolean): string | undefined {
  const params = request.params as { message?: Record<string, unknown> } | undefined;
  const message = params?.message;
  if (typeof message !== 'object' || message === null) return undefined;
  const set = (v: unknown) => v !== undefined && v !== null;
  const value = set(message.taskId) ? message.taskId : legacy ? undefined : message.task_id;
  if (!set(value)) return undefined;
  const id = String(value);
  return id === '' ? undefined : id;
}

const STREAMING_METHODS = new Set(['message/stream', 'SendStreamingMessage']);
const MESSAGE_METHODS = new Set(['message/send', 'message/stream', 'SendMessage', 'SendStreamingMessage']);
/** The JSON-RPC methods that start or continue agent work (what request rate limits count). */
export const WORK_METHODS: ReadonlySet<string> = MESSAGE_METHODS;

interface AgentEndpoint {
  agent: AgentDefinition;
  v1: JsonRpcTransportHandler;
  legacy: LegacyJsonRpcTransportHandler;
}

function isAsyncIterable(value: unknown): value is AsyncGenerator<JsonRpcResponse, void, undefined> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * Errors raised while a stream is produced (e.g. resubscribing to an unknown task) are mapped by the SDK's own
 * JSON-RPC mapping, exactly as for non-streaming calls, and end the stream as one JSON-RPC error response.
 */
async function* withErrorsAsResponses(
  events: AsyncGenerator<JsonRpcResponse, void, undefined>,
  id: string | number | null,
  mapError: (error: unknown) => unknown,
): AsyncGenerator<JsonRpcResponse, void, undefined> {
  try {
    yield* events;
  } catch (error) {
    yield { jsonrpc: '2.0', id, error: mapError(error) };
  }
}

/** Yields `events`, calling `release` once the first has come (the run is registered by then) or they end. */
async function* releasingAtFirst(
  events: AsyncGenerator<JsonRpcResponse, void, undefined>,
  release: () => void,
): AsyncGenerator<JsonRpcResponse, void, undefined> {
  try {
    for await (const event of events) {
      release();
      yield event;
    }
  } finally {
    release();
  }
}

/** The agent's event-bus manager in the run state (created on first use). */
function busesOf(shared: RunState, agent: string): ExecutionEventBusManager {
  let buses = shared.buses.get(agent);
  if (!buses) {
    buses = new DefaultExecutionEventBusManager();
    shared.buses.set(agent, buses);
  }
  return buses;
}

/** Wires every agent to the A2A SDK's request handler, with Hector's executor and scoped task store. */
export function createA2AService(options: A2AServiceOptions): A2AService {
  const endpoints = new Map<string, AgentEndpoint>();
  // One run state for every agent of the service (an app's is shared by its runtime versions).
  const state = options.shared ?? createRunState();
  for (const agent of options.agents) {
    // The SDK's handler only uses its card for capability checks (streaming); URLs are served by `card()`.
    const card = buildAgentCard(agent, { baseUrl: 'http://localhost', version: options.version });
    const handler = new DefaultRequestHandler(
      card,
      createSdkTaskStore(options.tasks, agent.name, options.runs, options.taskLeaseMs ?? DEFAULT_TASK_LEASE_MS),
      createAgentExecutor({
        agent,
        runtime: options.runtime,
        audit: options.audit,
        logger: options.logger,
        runs: options.runs,
        running: state.running,
      }),
      busesOf(state, agent.name),
    );
    endpoints.set(agent.name, {
      agent,
      v1: new JsonRpcTransportHandler(handler),
      legacy: new LegacyJsonRpcTransportHandler(handler),
    });
  }

  const decisionDeps: DecisionDeps = {
    approvals: options.runtime.approvals.store,
    tasks: options.tasks,
    audit: options.audit,
    clock: options.runtime.clock,
  };

  /**
   * Decisions carried by a message are applied before the SDK sees it, so a bad one is a JSON-RPC error and
   * changes nothing. A task that does not exist in the caller's scope is left to the SDK, whose "task not
   * found" is then the same as for any unknown id.
   */
  /** `row`: the request's task as stored in the caller's scope (read once by handleClaimed). */
  async function applyCarriedDecisions(
    agent: string,
    request: Record<string, unknown>,
    call: CallInfo,
    row: StoredTask | undefined,
  ) {
    const carried = decisionsInRequest(request);
    if (!carried) return;
    const { taskId } = carried;
    if (typeof taskId !== 'string' || taskId === '') {
      throw new InvalidRequestError(
        'send tool_approval decisions with the taskId of the task that is waiting for them',
      );
    }
    // A string taskId is the one requestTaskId read, so `row` is this task's.
    if (!row || row.agent !== agent) return;
    await applyDecisions(decisionDeps, call.principal, taskId, carried.decisions, {
      allowApprovers: false,
      requestId: call.requestId,
    });
  }

  /**
   * Claims `taskId` for one request: a task with a run going on this server, or claimed by another request
   * arriving at the same moment, is a ConflictError (JSON-RPC -32049) that says what to do instead, decided
   * synchronously so two messages can never both get through. Returns the release (idempotent).
   */
  function claimTask(taskId: string, principal: Principal): () => void {
    const now = Date.now();
    const owner = ownerOf(principal);
    const key = `${owner}\u0000${taskId}`;
    const run = state.running.get(taskId);
    const held = state.claims.get(key);
    // Another user's task id is not theirs to learn about: the SDK answers "not found" for it, as for any id.
    if ((run && run.owner === owner) || (held !== undefined && held > now)) {
      throw new ConflictError(TASK_RUNNING_MESSAGE);
    }
    if (state.claims.size > 10_000) {
      for (const [k, until] of state.claims) if (until <= now) state.claims.delete(k);
    }
    const until = now + CLAIM_MS;
    state.claims.set(key, until);
    return () => {
      if (state.claims.get(key) === until) state.claims.delete(key);
    };
  }

  function handle(agent: string, request: Record<string, unknown>, call: CallInfo): Promise<JsonRpcOutcome> {
    return handleClaimed(agent, request, call, undefined);
  }

  /** `claimed`: the release of a claim the caller already holds on the request's task (decide's). */
  async function handleClaimed(
    agent: string,
    request: Record<string, unknown>,
    call: CallInfo,
    claimed: (() => void) | undefined,
  ): Promise<JsonRpcOutcome> {
    const endpoint = endpoints.get(agent);
    if (!endpoint) {
      claimed?.();
      throw new Error(`unknown agent ${agent}`);
    }
    const method = typeof request.method === 'string' ? request.method : '';
    const legacy = method.includes('/');
    const taskId = MESSAGE_METHODS.has(method) ? requestTaskId(request, legacy) : undefined;
    // Held until the run is registered: a blocking call's run when it answers, a stream's at its first event.
    const release = claimed ?? (taskId === undefined ? () => {} : claimTask(taskId, call.principal));
    try {
      const row = taskId === undefined ? undefined : await options.tasks.get(scopeOf(call.principal), taskId);
      // A task whose run is going on another server (its stored state is active) is refused the same way.
      if (row && row.agent === agent && isActiveState(row.state)) throw new ConflictError(TASK_RUNNING_MESSAGE);
      if (MESSAGE_METHODS.has(method)) await applyCarriedDecisions(agent, request, call, row);
      return await dispatch(endpoint, request, call, method, legacy, release);
    } catch (err) {
      release();
      throw err;
    }
  }

  async function dispatch(
    endpoint: AgentEndpoint,
    request: Record<string, unknown>,
    call: CallInfo,
    method: string,
    legacy: boolean,
    release: () => void,
  ): Promise<JsonRpcOutcome> {
    const context = new ServerCallContext({
      user: new PrincipalUser(call.principal),
      requestedVersion: legacy ? '0.3' : (call.protocolVersion ?? '1.0'),
      state: new Map<string, unknown>([
        [STREAM_STATE_KEY, STREAMING_METHODS.has(method)],
        [REQUEST_ID_STATE_KEY, call.requestId],
        [RATE_SUBJECT_STATE_KEY, call.rateSubject],
        [TRACE_STATE_KEY, call.trace],
      ]),
    });
    const out = legacy ? await endpoint.legacy.handle(request, context) : await endpoint.v1.handle(request, context);
    if (isAsyncIterable(out)) {
      const id = typeof request.id === 'string' || typeof request.id === 'number' ? request.id : null;
      const mapError = legacy
        ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError
        : JsonRpcTransportHandler.mapToJSONRPCError;
      return { kind: 'stream', events: releasingAtFirst(withErrorsAsResponses(out, id, mapError), release) };
    }
    release();
    return { kind: 'single', response: out as JsonRpcResponse };
  }

  return {
    agentNames: [...endpoints.keys()],
    has: (agent) => endpoints.has(agent),
    visibilityOf: (agent) => endpoints.get(agent)?.agent.visibility,
    card(agent, baseUrl) {
      const endpoint = endpoints.get(agent);
      if (!endpoint) return undefined;
      const cardOptions: CardOptions = { baseUrl, version: options.version };
      return publicCardJson(endpoint.agent, cardOptions);
    },
    handle,
    async decide(taskId, toolCallId, body, call) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new InvalidRequestError(
          'body must be a JSON object: {"decision": "approve" | "deny", "reason"?: string}',
        );
      }
      const decision = parseDecision({ ...(body as Record<string, unknown>), tool_call_id: toolCallId });
      // The task is claimed for its owner before the decision is recorded: a decision arriving while the task is
      // being continued is refused (and can be sent again) rather than recorded and then left waiting. Only for
      // a caller the call is visible to: anyone else gets applyDecisions' "not found".
      // (A call already decided, or a bad id, gets applyDecisions' own answer, unclaimed.)
      const record = isTaskIdShaped(taskId)
        ? await decisionDeps.approvals.find(call.principal.tenant, taskId, toolCallId)
        : undefined;
      const visible = record?.status === 'pending' && mayDecide(record, call.principal, true);
      const release = visible ? claimTask(taskId, { ...call.principal, subject: record.userId }) : undefined;
      let decided: Awaited<ReturnType<typeof applyDecisions>>;
      try {
        decided = await applyDecisions(decisionDeps, call.principal, taskId, [decision], {
          allowApprovers: true,
          requestId: call.requestId,
        });
      } catch (err) {
        release?.();
        throw err;
      }
      if (!endpoints.has(decided.agent)) {
        release?.();
        // The app's config changed under a pending approval and no longer has this agent.
        throw new ConflictError(
          `the decision was recorded, but agent "${decided.agent}" is no longer in the config, so its run cannot continue`,
        );
      }
      const owner: Principal = { ...call.principal, subject: decided.owner, roles: [] };
      const continuation = {
        jsonrpc: '2.0',
        id: call.requestId,
        method: 'message/send',
        params: {
          message: {
            kind: 'message',
            role: 'user',
            messageId: `approval-${call.requestId}`,
            taskId,
            contextId: decided.contextId,
            parts: [
              {
                kind: 'data',
                data: {
                  type: 'tool_approval_decided',
                  tool_call_id: toolCallId,
                  decision: decision.decision,
                  decided_by: call.principal.subject,
                },
              },
            ],
          },
        },
      };
      // The owner's run goes on: its LLM tokens count against the owner, not the approver.
      const rateSubject =
        call.rateSubject && call.principal.method !== 'none'
          ? { ...call.rateSubject, userId: decided.owner }
          : call.rateSubject;
      const out = await handleClaimed(decided.agent, continuation, { ...call, principal: owner, rateSubject }, release);
      if (out.kind !== 'single') throw new Error('message/send answered with a stream');
      return out.response;
    },
  };
}
