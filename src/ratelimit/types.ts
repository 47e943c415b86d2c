import type { Window } from './windows.ts';

/** What a limit counts: requests (`count`) or LLM tokens (`token`). */
export type LimitType = 'count' | 'token';
/** Whose usage a limit counts: everyone's together, one app's, or one user's (within their app). */
export type LimitScope = 'global' | 'app' | 'user';

export interface LimitRule {
  readonly type: LimitType;
  readonly window: Window;
  /** Units (requests or tokens) allowed per window; at least 1. */
  readonly limit: number;
  readonly scope: LimitScope;
}

/**
 * Shared counters, one per key and window. Both methods are atomic per key: concurrent callers (in this process
 * or, for a shared store, in other replicas) can never both see the same remainder.
 */
export interface CounterStore {
  /**
   * Adds `cost` to the counter of `key` for the window starting at `windowStart` when the result stays within
   * `limit`, and reports the counter after the attempt. `expiresAt` (ms) is when the counter may be forgotten.
   */
  take(key: string, windowStart: number, cost: number, limit: number, expiresAt: number): Promise<TakeResult>;
  /** Adds `delta` (may be negative, never below zero) to the counter: settling a reservation. */
  adjust(key: string, windowStart: number, delta: number, expiresAt: number): Promise<void>;
  /** The counter's value (0 when absent). */
  peek(key: string, windowStart: number): Promise<number>;
}

export interface TakeResult {
  readonly taken: boolean;
  /** The counter after the attempt (unchanged when not taken). */
  readonly used: number;
}
