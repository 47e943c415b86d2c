import type { Window } from './windows.ts';

export type { CounterStore, PaceResult, TakeResult } from '../shared/index.ts';

/** What a limit counts: requests (`count`) or LLM tokens (`token`). */
export type LimitType = 'count' | 'token';

/**
 * Whose usage a limit counts: everyone's together, one app's, one user's (within their app; anonymous callers
 * are users keyed by address), or one client address's (whoever is signed in from it).
 */
export type LimitScope = 'global' | 'app' | 'user' | 'address';

export interface LimitRule {
  readonly type: LimitType;
  readonly window: Window;
  /** Units (requests or tokens) allowed per window; at least 1. */
  readonly limit: number;
  readonly scope: LimitScope;
  /**
   * `count` rules only: pace requests at `limit` per `window` with room for `burst` at once (GCRA), instead of a
   * fixed calendar window. Absent: a fixed window.
   */
  readonly burst?: number;
  /** Set for an agent's own rules (`agents.<a>.rate_limits`): counted per agent, applied to that agent only. */
  readonly agent?: string;
  /**
   * Set for the rules of one app (those an admin set on it, and its agents' own): applied to that app's
   * requests only, and counted apart from any server rule of the same shape.
   */
  readonly app?: string;
}
