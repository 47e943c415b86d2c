import { type Message, Role, type Task, TaskState } from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server';
import type { AuditSink, Logger, Span } from '../observability/index.ts';
import {
  type AgentDefinition,
  type ApprovalRequest,
  type RunEvent,
  type RunResult,
  type RuntimeDeps,
  resumeAgent,
  runAgent,
} from '../runtime/index.ts';
import { AppError, GuardrailBlockedError, isAppError, newId, type RateSubject, scopeOf } from '../shared/index.ts';
import { REQUEST_PART_TYPE } from './approvals.ts';
import { userTextOf } from './parts.ts';
import { principalOf } from './principal-user.ts';
import { type RunCapReached, type RunTracker, ShutdownInterruptError } from './runs.ts';

/** Key in the SDK call context's state map telling the executor to stream the model's output. */
export const STREAM_STATE_KEY = 'hector.stream';
/** Key in the SDK call context's state map holding the request id for audit events. */
export const REQUEST_ID_STATE_KEY = 'hector.request_id';
/** Key in the SDK call context's state map holding whose rate limits the run counts against. */
export const RATE_SUBJECT_STATE_KEY = 'hector.rate_subject';
/** Key in the SDK call context's state map holding the request's span (the parent of the run's span). */
export const TRACE_STATE_KEY = 'hector.trace';

export class TaskCanceledError extends Error {
  constructor() {
    super('task canceled');
    this.name = 'TaskCanceledError';
  }
}

export function agentMessage(taskId: string, contextId: string, text: string): Message {
  return {
    messageId: newId(),
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

function status(taskId: string, contextId: string, state: TaskState, text?: string) {
  return AgentEvent.statusUpdate({
    taskId,
    contextId,
    status: {
      state,
      message: text === undefined ? undefined : agentMessage(taskId, contextId, text),
      timestamp: new Date().toISOString(),
    },
    metadata: undefined,
  });
}

/**
 * The `input-required` status of a run paused for approval: the prompts as text, one data part per held call,
 * and `input_required` / `long_running_tool_ids` in the metadata for Hector clients.
 */
function approvalStatus(taskId: string, contextId: string, requests: readonly ApprovalRequest[], note?: string) {
  const text = [
    ...(note ? [note] : []),
    ...requests.map((r) => r.prompt),
    'Answer with a tool_approval data part per call: {"type": "tool_approval", "decision": "approve" | "deny", "tool_call_id": "..."}.',
  ].join('\n');
  const metadata = { input_required: true, long_running_tool_ids: requests.map((r) => r.toolCallId) };
  const message = agentMessage(taskId, contextId, text);
  message.metadata = metadata;
  for (const r of requests) {
    message.parts.push({
      content: {
        $case: 'data',
        value: {
          type: REQUEST_PART_TYPE,
          tool_call_id: r.toolCallId,
          tool_name: r.toolName,
          arguments: r.arguments,
          args_hash: r.argsHash,
          prompt: r.prompt,
          expires_at: r.expiresAt,
        },
      },
      metadata: undefined,
      filename: '',
      mediaType: 'application/json',
    });
  }
  return AgentEvent.statusUpdate({
    taskId,
    contextId,
    status: { state: TaskState.TASK_STATE_INPUT_REQUIRED, message, timestamp: new Date().toISOString() },
    metadata,
  });
}

/**
 * What a client reads in the status of a run refused by a cap on runs in flight. The server's cap is not
 * quoted: it would tell one app's users how busy the others keep the server.
 */
export function runCapMessage(cap: RunCapReached): string {
  return cap.scope === 'app'
    ? `this app already has ${cap.limit} agent runs in flight, its cap (max_concurrent_runs); send the message again when one has finished`
    : 'the server is at its limit of agent runs in flight (server.max_concurrent_runs); send the message again shortly';
}

/** Why a message to a task whose run is still going is refused. */
export const TASK_RUNNING_MESSAGE =
  'this task is still running: wait for its answer (tasks/get or tasks/resubscribe) or cancel it (tasks/cancel), then send your message';

/** Text shown to the client for a failed run: AppError messages are written to be safe; anything else is not. */
export function clientFailureText(err: unknown, requestId: string | null): string {
  if (isAppError(err)) return err.message;
  return `internal error${requestId ? ` (request id ${requestId})` : ''}`;
}

export interface ExecutorOptions {
  agent: AgentDefinition;
  runtime: RuntimeDeps;
  audit: AuditSink;
  logger: Logger;
  /** Where the run is registered for graceful shutdown (absent: it is not tracked). */
  runs?: RunTracker | undefined;
  /**
   * The runs in flight by task id, shared by every version of an app's runtime (see A2AServiceOptions.shared),
   * so a cancel reaches a run that started before the app's config changed. Default: this executor's own.
   */
  running?: Map<string, RunningTask>;
}

/** A run in flight: what cancels it, and its context (for the canceled status). */
export interface RunningTask {
  readonly controller: AbortController;
  readonly contextId: string;
  /** Whose run it is (ownerOf its principal): only its owner learns that it is running. */
  readonly owner: string;
}

/** The owner key of a principal's runs and claims: its tenant and subject. */
export function ownerOf(principal: { tenant: string; subject: string }): string {
  return `${principal.tenant}\u0000${principal.subject}`;
}

/**
 * Bridges one Hector agent to the A2A SDK: every message becomes a task that runs the agent loop. Streaming
 * calls publish the answer as artifact chunks as it is produced; every call ends in a terminal status whose
 * message is the answer (completed) or a client-safe error (failed). Cancel aborts the run's signal, which
 * stops the LLM call and tools in flight. A run interrupted at shutdown (see runs.ts) ends `failed` with
 * SHUTDOWN_MESSAGE and an audit event marked `interrupted: "shutdown"` (`"app_deleted"` when its app was
 * deleted meanwhile: APP_DELETED_MESSAGE), so no task is left `working` forever.
 */
export function createAgentExecutor(options: ExecutorOptions): AgentExecutor {
  const running = options.running ?? new Map<string, RunningTask>();
  const { agent } = options;

  return {
    async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
      const { taskId, contextId } = ctx;
      const principal = principalOf(ctx.context);
      const scope = scopeOf(principal);
      const requestId = (ctx.context.state.get(REQUEST_ID_STATE_KEY) as string | undefined) ?? null;
      const stream = ctx.context.state.get(STREAM_STATE_KEY) === true;
      const rateSubject = ctx.context.state.get(RATE_SUBJECT_STATE_KEY) as RateSubject | undefined;
      const trace = ctx.context.state.get(TRACE_STATE_KEY) as Span | undefined;
      const userMessage = ctx.userMessage;
      const task: Task = ctx.task
        ? { ...ctx.task, history: [...ctx.task.history, userMessage] }
        : {
            id: taskId,
            contextId,
            status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() },
            artifacts: [],
            history: [userMessage],
            metadata: undefined,
          };

      const audit = (success: boolean, extra: Record<string, unknown>) =>
        options.audit.emit({
          component: 'agent',
          action: 'request',
          user: principal.subject,
          tenant: principal.tenant,
          success,
          request_id: requestId,
          agent: agent.name,
          task_id: taskId,
          context_id: contextId,
          streaming: stream,
          ...extra,
        });

      const resuming = ctx.task?.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED;
      // No await from here to addRun: the checks below and the registration of the run are one step, so a burst
      // cannot slip under a cap, nor start two runs of one task.
      //
      // A message to a task whose run is still going. The service refuses it before the SDK: synchronously when
      // the run is on this server (its claims), by the stored state when it is elsewhere. What gets here raced
      // another replica (or a dead one whose lease has not run out): the task is answered as it is.
      if (ctx.task && !resuming) {
        audit(false, { error: TASK_RUNNING_MESSAGE, refused: 'task_running' });
        if (running.has(taskId)) {
          options.logger.error(
            { component: 'a2a', task_id: taskId, request_id: requestId },
            'a second message to a running task reached the executor; the service should have refused it',
          );
        }
        if (ctx.task.status) {
          bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: ctx.task.status, metadata: undefined }));
        }
        bus.finished();
        return;
      }
      // A run over a cap is refused in the first event (a non-blocking call answers with it). A new task ends
      // rejected, saying which cap; a task paused for approval stays paused (its decisions are kept) and says so.
      const cap = options.runs?.admit();
      if (cap) {
        const text = runCapMessage(cap);
        audit(false, {
          error: text,
          refused: 'max_concurrent_runs',
          cap_scope: cap.scope,
          ...(cap.scope === 'app' ? { cap: cap.limit } : {}),
          ...(resuming ? { resuming: true } : {}),
        });
        const message = agentMessage(taskId, contextId, text);
        if (resuming) {
          // The pause as it was (its prompts and held calls), after the reason it goes on waiting.
          const paused = ctx.task?.status?.message;
          message.parts = [...message.parts, ...(paused?.parts ?? [])];
          message.metadata = paused?.metadata;
          bus.publish(
            AgentEvent.statusUpdate({
              taskId,
              contextId,
              status: { state: TaskState.TASK_STATE_INPUT_REQUIRED, message, timestamp: new Date().toISOString() },
              metadata: undefined,
            }),
          );
        } else {
          bus.publish(
            AgentEvent.task({
              ...task,
              status: { state: TaskState.TASK_STATE_REJECTED, message, timestamp: new Date().toISOString() },
              history: [...task.history, message],
            }),
          );
        }
        bus.finished();
        return;
      }
      bus.publish(AgentEvent.task(task));
      let userText = '';
      try {
        if (!resuming) userText = userTextOf(userMessage);
      } catch (err) {
        audit(false, { error: clientFailureText(err, requestId) });
        bus.publish(status(taskId, contextId, TaskState.TASK_STATE_REJECTED, clientFailureText(err, requestId)));
        bus.finished();
        return;
      }

      const controller = new AbortController();
      running.set(taskId, { controller, contextId, owner: ownerOf(principal) });
      const release = options.runs?.addRun((reason) => controller.abort(reason), taskId);
      const interrupted = () => controller.signal.reason instanceof ShutdownInterruptError;
      bus.publish(status(taskId, contextId, TaskState.TASK_STATE_WORKING));
      const artifactId = `response-${taskId}`;
      let chunks = 0;
      const emit = (event: RunEvent) => {
        if (event.type !== 'text-delta' || !stream) return;
        bus.publish(
          AgentEvent.artifactUpdate({
            taskId,
            contextId,
            artifact: {
              artifactId,
              name: 'response',
              description: '',
              parts: [
                {
                  content: { $case: 'text', value: event.text },
                  metadata: undefined,
                  filename: '',
                  mediaType: 'text/plain',
                },
              ],
              metadata: undefined,
              extensions: [],
            },
            append: chunks++ > 0,
            lastChunk: false,
            metadata: undefined,
          }),
        );
      };
      const started = Date.now();
      try {
        const input = {
          scope,
          agent,
          contextId,
          taskId,
          requestId,
          stream,
          signal: controller.signal,
          ...(rateSubject ? { rateSubject } : {}),
          ...(trace ? { trace } : {}),
        };
        const result: RunResult = resuming
          ? await resumeAgent(options.runtime, input, emit)
          : await runAgent(options.runtime, { ...input, userText }, emit);
        // Canceled by the client: cancelTask published the status. Finished despite a shutdown: publish it.
        if (controller.signal.aborted && !interrupted()) return;
        if (result.paused) {
          audit(true, { duration_ms: Date.now() - started, steps: result.steps, paused: true });
          const note = resuming ? 'Still waiting for a decision on:' : undefined;
          bus.publish(approvalStatus(taskId, contextId, result.paused, note));
        } else {
          audit(true, {
            duration_ms: Date.now() - started,
            steps: result.steps,
            input_tokens: result.usage.inputTokens,
            output_tokens: result.usage.outputTokens,
          });
          bus.publish(status(taskId, contextId, TaskState.TASK_STATE_COMPLETED, result.text));
        }
      } catch (err) {
        if (interrupted()) {
          const reason = controller.signal.reason as ShutdownInterruptError;
          audit(false, { duration_ms: Date.now() - started, interrupted: reason.why });
          bus.publish(status(taskId, contextId, TaskState.TASK_STATE_FAILED, reason.message));
          bus.finished();
          return;
        }
        if (controller.signal.aborted) {
          audit(false, { duration_ms: Date.now() - started, canceled: true });
          return;
        }
        const text = clientFailureText(err, requestId);
        audit(false, { duration_ms: Date.now() - started, error: text });
        if (!isAppError(err)) {
          options.logger.error(
            { component: 'a2a', request_id: requestId, agent: agent.name, err },
            'agent run failed with an internal error',
          );
        } else if (
          !(
            err instanceof AppError &&
            (err.code === 'invalid_request' || err.code === 'guardrail_blocked' || err.code === 'rate_limited')
          )
        ) {
          options.logger.warn(
            { component: 'a2a', request_id: requestId, agent: agent.name, error: text },
            'agent run failed',
          );
        }
        // A message the input guardrails refuse is rejected (the client should not retry it as is).
        const rejected = err instanceof GuardrailBlockedError && err.stage === 'input';
        bus.publish(
          status(taskId, contextId, rejected ? TaskState.TASK_STATE_REJECTED : TaskState.TASK_STATE_FAILED, text),
        );
      } finally {
        running.delete(taskId);
        release?.();
      }
      bus.finished();
    },

    async cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
      const run = running.get(taskId);
      running.delete(taskId);
      run?.controller.abort(new TaskCanceledError());
      const contextId = run?.contextId ?? '';
      bus.publish(status(taskId, contextId, TaskState.TASK_STATE_CANCELED, 'task canceled by the client'));
      bus.finished();
    },
  };
}
