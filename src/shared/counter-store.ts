/**
 * The rate-limit counter port, shared by the limiter (ratelimit/) and the stores that implement it
 * (ratelimit/ in memory and Redis, persistence/ in SQL). Every method is atomic per key: concurrent callers — in
 * this process or, for a shared store, in other replicas — can never both pass on the same remainder.
 */
export interface CounterStore {
  /**
   * Fixed windows: adds `cost` to the counter of `key` for the window starting at `windowStart` when the result
   * stays within `limit`, and reports the counter after the attempt. `expiresAt` (ms) is when the counter may be
   * forgotten.
   */
  take(key: string, windowStart: number, cost: number, limit: number, expiresAt: number): Promise<TakeResult>;
  /** Adds `delta` (may be negative; never below zero) to the counter: settling a reservation, or a refund. */
  adjust(key: string, windowStart: number, delta: number, expiresAt: number): Promise<void>;
  /** The counter's value (0 when absent). */
  peek(key: string, windowStart: number): Promise<number>;
  /**
   * GCRA (a token bucket kept as one timestamp, the key's theoretical arrival time, TAT): admits one event at
   * `now` when `max(TAT, now) + interval - now <= burst * interval`, and then moves TAT there. `now`, `interval`
   * and TAT are in microseconds (intervals such as 60 s / 7 need the precision); the key may be forgotten at
   * TAT, in ms. A refund is `adjust(key, PACE_WINDOW, -interval, …)`.
   */
  pace(key: string, now: number, interval: number, burst: number): Promise<PaceResult>;
}

/** The window start under which `pace` keeps its TAT (so that `adjust` and `peek` reach it). */
export const PACE_WINDOW = 0;

/** When a paced key may be forgotten (ms): once TAT has passed, an absent key means the same (a full bucket). */
export function paceExpiry(tat: number): number {
  return Math.ceil(tat / 1000);
}

export interface TakeResult {
  readonly taken: boolean;
  /** The counter after the attempt (unchanged when not taken). */
  readonly used: number;
}

export interface PaceResult {
  readonly allowed: boolean;
  /** The TAT after the attempt (unchanged when refused). */
  readonly tat: number;
}

/** The GCRA step every store runs atomically: the new TAT, or undefined when the event does not fit. */
export function gcraStep(tat: number, now: number, interval: number, burst: number): number | undefined {
  const next = Math.max(tat, now) + interval;
  return next - now <= burst * interval ? next : undefined;
}
