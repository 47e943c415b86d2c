import { Task, TaskState, taskStateToJSON } from '@a2a-js/sdk';
import type { AuditSink, Logger } from '../observability/index.ts';
import { ACTIVE_TASK_STATES, type TaskStore } from '../persistence/index.ts';
import type { JsonValue } from '../shared/index.ts';
import { agentMessage } from './executor.ts';
import type { RunTracker } from './runs.ts';

/**
 * Task leases: how a task whose server died (crash, SIGKILL, lost host) stops reading `working` forever.
 *
 * - Every save of an active task (submitted or working) leases it for `leaseMs` (`server.task_lease`); the
 *   server keeps renewing the leases of the runs registered with its tracker, every quarter of the lease.
 * - Every server sweeps, at startup (in the background) and on its own beat, for tasks whose lease ran out:
 *   their server has not renewed them for a whole lease, so it is gone. Each is saved `failed` with
 *   SERVER_LOST_MESSAGE (a compare-and-set: a task its server saved or renewed meanwhile is left alone, and of
 *   two sweeping replicas one wins) and audited as its agent request, `interrupted: "server_lost"`. A sweep
 *   never touches this server's own runs in flight, and lasts at most a beat (a flood is worked off over
 *   several); renewals beat apart, so a slow sweep never delays them.
 * - Tasks paused for approval hold no lease: their state is stored and they resume after a restart.
 * - A server that comes back after its tasks were failed cannot revive them: the store keeps a task's final
 *   state (persistence/task-store.ts), and the A2A SDK ignores status updates for a task that has ended.
 */

/** What a client reads in the failed status of a task whose server stopped while it ran. */
export const SERVER_LOST_MESSAGE =
  'the server running this task stopped before it finished (it crashed or was killed); send the message again';

/** `server.task_lease` when unset. */
export const DEFAULT_TASK_LEASE_MS = 60_000;

/** Whether a task in `state` (as stored) is active, and so leased while its run is in flight. */
export function isActiveState(state: string): boolean {
  return ACTIVE_TASK_STATES.includes(state);
}

/** Expired tasks read per query; a sweep goes on until a read comes back short, SWEEP_ROUNDS, or a beat. */
const SWEEP_BATCH = 100;
/** How long stop() waits for a beat in progress. */
const STOP_WAIT_MS = 2_000;
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
  /**
   * Sweeps once now (in the background), then renews and sweeps, each on its own beat, every quarter of the
   * lease (timers do not keep the process up).
   */
  start(): void;
  /** Stops the timers and waits for a beat in progress, at most STOP_WAIT_MS. */
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
  const beatMs = Math.max(250, Math.floor(leaseMs / 4));
  const timers: NodeJS.Timeout[] = [];
  let renewing: Promise<void> | undefined;
  let sweeping: { promise: Promise<void>; since: number; warned: boolean } | undefined;

  const warn = (what: string, err: unknown) =>
    logger.warn(
      { component: 'server', error: err instanceof Error ? err.message : String(err) },
      `${what} task leases failed; retrying on the next beat`,
    );

  const renew = async () => {
    const ids = runs.taskIds();
    if (ids.length > 0) await tasks.renewLeases(ids, leaseMs);
  };

  /**
   * At most a beat long, so a flood of expired tasks is worked off over several beats; never this server's own
   * runs in flight (whatever their lease says: its renewals may merely be late).
   */
  const sweep = async () => {
    const started = Date.now();
    const own = new Set(runs.taskIds());
    let failed = 0;
    for (let round = 0; round < SWEEP_ROUNDS && Date.now() - started < beatMs; round++) {
      const expired = await tasks.expiredLeases(SWEEP_BATCH);
      let skipped = 0;
      for (const row of expired) {
        if (Date.now() - started >= beatMs) break;
        if (own.has(row.id)) {
          skipped++;
          continue;
        }
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
      // A short read is the end; a page of nothing but our own runs would come back the same.
      if (expired.length < SWEEP_BATCH || skipped === expired.length) break;
    }
    if (failed > 0) {
      logger.warn(
        { component: 'server', tasks: failed, lease_ms: leaseMs },
        'marked tasks failed whose server stopped while they ran (their lease ran out)',
      );
    }
    return failed;
  };

  // Renewals and sweeps beat apart: a sweep held up (a flood of expired tasks, a locked row) never delays the
  // renewals of this server's own runs.
  const renewBeat = () => {
    renewing ??= renew()
      .catch((err: unknown) => warn('renewing', err))
      .finally(() => {
        renewing = undefined;
      });
    return renewing;
  };
  const sweepBeat = () => {
    if (sweeping) {
      if (!sweeping.warned && Date.now() - sweeping.since > leaseMs) {
        sweeping.warned = true;
        logger.warn(
          { component: 'server', running_ms: Date.now() - sweeping.since },
          'the sweep for tasks whose server died has been running for longer than a lease (is the database slow or a task row locked?)',
        );
      }
      return sweeping.promise;
    }
    const promise = sweep()
      .then(() => {})
      .catch((err: unknown) => warn('sweeping', err))
      .finally(() => {
        sweeping = undefined;
      });
    sweeping = { promise, since: Date.now(), warned: false };
    return promise;
  };

  return {
    renew,
    sweep,
    start() {
      if (timers.length > 0) return;
      // The first sweep runs now, without holding up the start; then both beat every quarter of the lease.
      void sweepBeat();
      timers.push(
        setInterval(() => void renewBeat(), beatMs),
        setInterval(() => void sweepBeat(), beatMs),
      );
      for (const t of timers) t.unref();
    },
    async stop() {
      for (const t of timers.splice(0)) clearInterval(t);
      // A beat in progress gets a moment to finish; one stuck on the database does not hold up the shutdown.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([renewing, sweeping?.promise]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, STOP_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
