import { UnavailableError } from '../shared/index.ts';

/** What a client reads in the failed status of a task the server interrupted at shutdown. */
export const SHUTDOWN_MESSAGE = 'the server shut down before this task finished; send the message again';

/** The abort reason of a run interrupted by shutdown (as opposed to canceled by its client). */
export class ShutdownInterruptError extends UnavailableError {
  /** Why: `shutdown` (the default), or `app_deleted` (the run's app was deleted meanwhile). */
  readonly why: 'shutdown' | 'app_deleted';
  constructor(cause: 'shutdown' | 'app_deleted' = 'shutdown') {
    super(cause === 'shutdown' ? SHUTDOWN_MESSAGE : APP_DELETED_MESSAGE);
    this.name = 'ShutdownInterruptError';
    this.why = cause;
  }
}

/** What a client reads in the failed status of a task whose app was deleted while it ran. */
export const APP_DELETED_MESSAGE = 'the app of this task was deleted while it ran; its data is gone';

/**
 * The agent work in flight on this server, across every agent and app, so that a graceful stop can wait for it
 * and interrupt what is left at the deadline. One tracker serves the whole process; the server creates it.
 *
 * - A run is registered by the executor for as long as its loop executes, whether or not the HTTP request that
 *   started it is still open (non-blocking `message/send`, a stream whose client went away).
 * - Task-store writes are registered too: a run's final status is saved after the run returns, and the
 *   database must not be closed under it.
 * - After `interruptAll`, a run registered late is aborted at once: nothing new starts during shutdown.
 *
 * Runs paused for approval are not in flight: their state is already in the task and approval stores.
 */
export interface RunTracker {
  /** Runs executing now. */
  readonly runs: number;
  /**
   * Registers a run (of task `taskId`, whose lease the server renews while it is registered: see leases.ts);
   * `abort` is called with a ShutdownInterruptError at the deadline. Returns its release.
   */
  addRun(abort: (reason: ShutdownInterruptError) => void, taskId?: string): () => void;
  /** The task ids of the runs in flight (each once). */
  taskIds(): string[];
  /**
   * Whether a new run may start now: undefined, or the cap it would exceed (this tracker's, else a parent's).
   * With no await between it and addRun, the check and the registration are one step, so concurrent requests
   * cannot all slip under the cap.
   */
  admit(): RunCapReached | undefined;
  /** Caps the runs in flight here (undefined: no cap). Runs already in flight go on; only new ones wait. */
  setLimit(limit: number | undefined): void;
  /** Keeps `write` in flight until it settles (its outcome is the caller's business). */
  addWrite(write: Promise<unknown>): void;
  /** Resolves true once no run and no write is in flight, false when `timeoutMs` passes first. */
  settled(timeoutMs: number): Promise<boolean>;
  /** Aborts every run in flight (and any registered afterwards); returns how many were aborted. */
  interruptAll(cause?: 'shutdown' | 'app_deleted'): number;
}

/** A cap a new run would exceed: `server.max_concurrent_runs`, or an app's `max_concurrent_runs`. */
export interface RunCapReached {
  readonly scope: 'server' | 'app';
  readonly limit: number;
}

/**
 * `parent`: a tracker that also hears of every run and write registered here (an app's tracker and the
 * server's: deleting the app interrupts and awaits its runs alone, a graceful stop all of them).
 */
export function createRunTracker(
  parent?: RunTracker,
  options: { scope?: 'server' | 'app'; limit?: number | undefined } = {},
): RunTracker {
  const scope = options.scope ?? 'server';
  let limit = options.limit;
  const runs = new Map<(reason: ShutdownInterruptError) => void, string | undefined>();
  const writes = new Set<Promise<unknown>>();
  const waiters = new Set<() => void>();
  let interrupted: 'shutdown' | 'app_deleted' | undefined;
  const wake = () => {
    if (runs.size === 0 && writes.size === 0) for (const w of [...waiters]) w();
  };
  return {
    get runs() {
      return runs.size;
    },
    addRun(abort, taskId) {
      const up = parent?.addRun(abort, taskId);
      if (interrupted) {
        abort(new ShutdownInterruptError(interrupted));
        return () => up?.();
      }
      // A wrapper, so that the same function registered twice is two runs.
      const entry = (reason: ShutdownInterruptError) => abort(reason);
      runs.set(entry, taskId);
      return () => {
        runs.delete(entry);
        up?.();
        wake();
      };
    },
    admit() {
      if (limit !== undefined && runs.size >= limit) return { scope, limit };
      return parent?.admit();
    },
    setLimit(value) {
      limit = value;
    },
    taskIds() {
      const ids = new Set<string>();
      for (const id of runs.values()) if (id !== undefined) ids.add(id);
      return [...ids];
    },
    addWrite(write) {
      parent?.addWrite(write);
      const settled = write.then(
        () => {},
        () => {},
      );
      writes.add(settled);
      void settled.then(() => {
        writes.delete(settled);
        wake();
      });
    },
    settled(timeoutMs) {
      if (runs.size === 0 && writes.size === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const done = (value: boolean) => {
          clearTimeout(timer);
          waiters.delete(onIdle);
          resolve(value);
        };
        const onIdle = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        waiters.add(onIdle);
      });
    },
    interruptAll(cause = 'shutdown') {
      interrupted = cause;
      const count = runs.size;
      for (const abort of [...runs.keys()]) abort(new ShutdownInterruptError(cause));
      return count;
    },
  };
}
