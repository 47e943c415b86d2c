import type { RunTracker } from '../a2a/index.ts';
import type { Listener } from '../http/index.ts';
import type { Logger } from '../observability/index.ts';

/** How long runs interrupted at the deadline get to write their `failed` status and audit events. */
export const INTERRUPT_GRACE_MS = 2_000;

/** One thing to do once the traffic is gone: release, flush or close. Its failure is logged, never thrown. */
export interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
}

export interface GracefulStopOptions {
  logger: Logger;
  /** `server.shutdown_timeout`, in milliseconds: how long in-flight requests and runs may take to finish. */
  timeoutMs: number;
  listener: Pick<Listener, 'stopAccepting' | 'idle' | 'closeAll' | 'inFlight'>;
  runs: RunTracker;
  /**
   * What to do after the drain, in order: release the tools, flush the audit sink (then traces and metrics, which
   * must come after the last audit event and before storage closes), close the stores.
   */
  steps: readonly ShutdownStep[];
}

export interface StopReport {
  /** Every request and run finished before the deadline. */
  inTime: boolean;
  /** Runs interrupted at the deadline (each ended `failed` with SHUTDOWN_MESSAGE). */
  interrupted: number;
}

/**
 * The graceful stop, in this order:
 *
 * 1. Stop accepting: the port is closed (new connections are refused), requests arriving on open keep-alive
 *    connections get 503 with `Connection: close`.
 * 2. Wait up to `timeoutMs` for the requests in flight (SSE streams included) and for agent runs in flight
 *    (including runs no request waits for any more, e.g. non-blocking `message/send`) and their task writes.
 * 3. At the deadline, interrupt the runs still going: each one's LLM call and tools are aborted, its task is
 *    saved `failed` ("the server shut down…", so the client knows to send again) and audited with
 *    `interrupted: "shutdown"`. They get INTERRUPT_GRACE_MS for that; then every connection is closed.
 *    Runs paused for approval are not interrupted: their state is already stored and they resume after a restart.
 * 4. Run `steps` (audit flush, trace flush, store close), each failure logged and the next step still run.
 *
 * Total time: at most `timeoutMs` + 2 × INTERRUPT_GRACE_MS + the steps.
 */
export async function gracefulStop(options: GracefulStopOptions): Promise<StopReport> {
  const { logger, listener, runs, timeoutMs } = options;
  logger.info(
    { component: 'server', requests: listener.inFlight(), runs: runs.runs, timeout_ms: timeoutMs },
    'shutting down: no new connections; waiting for in-flight requests and agent runs',
  );
  listener.stopAccepting();
  const [requestsDone, runsDone] = await Promise.all([listener.idle(timeoutMs), runs.settled(timeoutMs)]);
  let interrupted = 0;
  if (!runsDone) {
    interrupted = runs.interruptAll();
    logger.warn(
      { component: 'server', interrupted, timeout_ms: timeoutMs },
      'shutdown timeout reached: interrupting agent runs still in flight (their tasks end failed)',
    );
    await runs.settled(INTERRUPT_GRACE_MS);
    // Streams of interrupted runs carry their final status to a client still listening.
    await listener.idle(INTERRUPT_GRACE_MS);
  }
  if (!requestsDone && listener.inFlight() > 0) {
    logger.warn(
      { component: 'server', requests: listener.inFlight() },
      'shutdown timeout reached; open connections are closed',
    );
  }
  await listener.closeAll();
  for (const step of options.steps) {
    try {
      await step.run();
    } catch (err) {
      logger.error(
        { component: 'server', step: step.name, error: err instanceof Error ? err.message : String(err) },
        'shutdown step failed',
      );
    }
  }
  return { inTime: requestsDone && runsDone, interrupted };
}
