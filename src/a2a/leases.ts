import { Task, TaskState, taskStateToJSON } from '@a2a-js/sdk';
import type { AuditSink, Logger } from '../observability/index.ts';
import type { TaskStore } from '../persistence/index.ts';
import type { JsonValue } from '../shared/index.ts';
import { agentMessage } from './executor.ts';
import type { RunTracker } from './runs.ts';

/**
 * Task leases: how a task whose server died (crash, SIGKILL, lost host) stops reading `working` forever.
 *
 * - Every save of an active task (submitted or working) leases it for `leaseMs` (`server.task_lease`); the
 *   server keeps renewing the leases of the runs registered with its tracker, every quarter of the lease.
 * - Every server sweeps, at startup and on the same beat, for tasks whose lease ran out: their server has not
 *   renewed them for a whole lease, so it is gone. Each is saved `failed` with SERVER_LOST_MESSAGE (a
 *   compare-and-set: a task its server saved or renewed meanwhile is left alone, and of two sweeping replicas
 *   one wins) and audited as its agent request, `interrupted: "server_lost"`.
 * - Tasks paused for approval hold no lease: their state is stored and they resume after a restart.
 * - A server that comes back after its tasks were failed cannot revive them: the A2A SDK ignores status updates
 *   for a task already in a terminal state.
 */

/** What a client reads in the failed status of a task whose server stopped while it ran. */
export const SERVER_LOST_MESSAGE =
  'the server running this task stopped before it finished (it crashed or was killed); send the message again';

/** `server.task_lease` when unset. */
export const DEFAULT_TASK_LEASE_MS = 60_000;

const ACTIVE_STATES: ReadonlySet<string> = new Set([
  taskStateToJSON(TaskState.TASK_STATE_SUBMITTED),
  taskStateToJSON(TaskState.TASK_STATE_WORKING),
]);

/** Whether a task in `state` (as stored) is active, and so leased while its run is in flight. */
export function isActiveState(state: string): boolean {
  return ACTIVE_STATES.has(state);
}

/** Expired tasks read per query; a sweep goes on until a read comes back short (or SWEEP_ROUNDS). */
const SWEEP_BATCH = 100;
const SWEEP_ROUNDS = 20;

export interface TaskLeaseOptions {
  tasks: TaskStore;
  /** The server's tracker: every run in flight, of every app. */
  runs: RunTracker;
  leaseMs: number;
  audit: AuditSink;
  logger: Logger;
}

export interface TaskLeases {
  /** Renews the leases of the runs in flight on this server. */
  renew(): Promise<void>;
  /** Fails the tasks whose lease ran out; returns how many this server failed. */
  sweep(): Promise<number>;
  /** Sweeps once now, then renews and sweeps every quarter of the lease (timers do not keep the process up). */
  start(): Promise<void>;
  /** Stops the timer and waits for a beat in progress. */
  stop(): Promise<void>;
}

/** The failed version of an expired task: its status, and that status message appended to its history. */
function failedTask(stored: { id: string; contextId: string; task: JsonValue }): Task {
  let task: Task;
  try {
    task = Task.fromJSON(stored.task);
  } catch {
    task = Task.fromJSON({ id: stored.id, contextId: stored.contextId });
  }
  const message = agentMessage(stored.id, stored.contextId, SERVER_LOST_MESSAGE);
  return {
    ...task,
    id: stored.id,
    contextId: stored.contextId,
    status: { state: TaskState.TASK_STATE_FAILED, message, timestamp: new Date().toISOString() },
    history: [...(task.history ?? []), message],
  };
}

export function createTaskLeases(options: TaskLeaseOptions): TaskLeases {
  const { tasks, runs, leaseMs, audit, logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let beat: Promise<void> | undefined;

  const renew = async () => {
    const ids = runs.taskIds();
    if (ids.length > 0) await tasks.renewLeases(ids, leaseMs);
  };

  const sweep = async () => {
    let failed = 0;
    for (let round = 0; round < SWEEP_ROUNDS; round++) {
      const expired = await tasks.expiredLeases(SWEEP_BATCH);
      for (const row of expired) {
        const task = failedTask(row);
        const replaced = await tasks.replaceExpired(row.scope, row.id, {
          state: taskStateToJSON(TaskState.TASK_STATE_FAILED),
          task: Task.toJSON(task) as JsonValue,
        });
        if (!replaced) continue;
        failed++;
        audit.emit({
          component: 'agent',
          action: 'request',
          user: row.scope.userId,
          tenant: row.scope.appId,
          success: false,
          request_id: null,
          agent: row.agent,
          task_id: row.id,
          context_id: row.contextId,
          interrupted: 'server_lost',
          lease_ms: leaseMs,
        });
      }
      if (expired.length < SWEEP_BATCH) break;
    }
    if (failed > 0) {
      logger.warn(
        { component: 'server', tasks: failed, lease_ms: leaseMs },
        'marked tasks failed whose server stopped while they ran (their lease ran out)',
      );
    }
    return failed;
  };

  const tick = () => {
    beat ??= (async () => {
      try {
        await renew();
        await sweep();
      } catch (err) {
        logger.warn(
          { component: 'server', error: err instanceof Error ? err.message : String(err) },
          'renewing or sweeping task leases failed; retrying on the next beat',
        );
      } finally {
        beat = undefined;
      }
    })();
    return beat;
  };

  return {
    renew,
    sweep,
    async start() {
      await tick();
      timer ??= setInterval(() => void tick(), Math.max(250, Math.floor(leaseMs / 4)));
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await beat;
    },
  };
}
