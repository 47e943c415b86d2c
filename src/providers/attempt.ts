/**
 * One attempt of a provider call: an AbortSignal that fires when the caller's signal aborts or when the attempt's
 * timer runs out. For streams the timer is an inactivity timer: `touch()` restarts it on every chunk and `pause()`
 * stops it while the consumer holds a chunk, so a slow consumer never times the provider out.
 */
export interface Attempt {
  readonly signal: AbortSignal;
  /** Rejects with the abort reason as soon as the attempt is aborted (never resolves otherwise). */
  readonly aborted: Promise<never>;
  timedOut(): boolean;
  touch(): void;
  pause(): void;
  /** Stops the timer, detaches from the caller's signal, aborts the attempt (cancelling its request). Idempotent. */
  dispose(): void;
}

export function startAttempt(caller: AbortSignal, timeoutMs: number): Attempt {
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const onCallerAbort = (): void => controller.abort(caller.reason);
  caller.addEventListener('abort', onCallerAbort, { once: true });
  if (caller.aborted) onCallerAbort();

  const aborted = new Promise<never>((_, reject) => {
    const onAbort = (): void => reject(controller.signal.reason);
    if (controller.signal.aborted) onAbort();
    else controller.signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {}); // observed by Promise.race; never an unhandled rejection

  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException(`attempt timed out after ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
  };
  arm();

  return {
    signal: controller.signal,
    aborted,
    timedOut: () => timedOut,
    touch: () => {
      if (!controller.signal.aborted) arm();
    },
    pause: () => clearTimeout(timer),
    dispose: () => {
      clearTimeout(timer);
      caller.removeEventListener('abort', onCallerAbort);
      if (!controller.signal.aborted) controller.abort(new DOMException('attempt finished', 'AbortError'));
    },
  };
}

export interface BackoffSettings {
  /** First retry delay before jitter; doubles per retry. Default 500 ms. */
  initialDelayMs: number;
  /** Upper bound of the exponential delay. Default 8000 ms. */
  maxDelayMs: number;
  /** Upper bound for a provider's Retry-After. Default 30000 ms. */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { initialDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 30_000 };

/**
 * Delay before retry number `retry` (1-based): the provider's Retry-After when present (capped), otherwise
 * exponential backoff with "equal jitter" (half fixed, half random) so synchronized clients spread out.
 */
export function backoffDelay(
  retry: number,
  retryAfterMs: number | undefined,
  settings: BackoffSettings,
  random: () => number,
): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), settings.maxRetryAfterMs);
  const exp = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** (retry - 1));
  return exp / 2 + random() * (exp / 2);
}

/** Waits `ms`, rejecting with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
