/**
 * Rate limits and token quotas over a CounterStore. Every rule is a fixed calendar window (windows.ts) with a
 * counter per key; keys come from the caller's verified scope only (`{appId, userId}`), never from headers.
 *
 * Contract:
 * - `admitRequest` counts one request against every `count` rule, all or nothing: when one rule denies, the
 *   units already taken for the others are given back, so a denied request consumes nothing. (In between, a
 *   concurrent request may see those units and be denied too: the error is on the strict side.)
 * - `reserveTokens` takes a call's maximum (prompt estimate + max_tokens) from every `token` rule before the
 *   LLM call; `settle(actual)` moves each counter to the real usage afterwards. A quota is therefore never
 *   overrun by more than what a call uses beyond its reservation, and concurrent calls cannot pass on a stale
 *   remainder: each one's units are taken atomically.
 * - A store failure throws; the caller decides (`on_store_error`).
 */
import type { Clock } from '../shared/index.ts';
import type { CounterStore, LimitRule } from './types.ts';
import { windowAt } from './windows.ts';

export interface LimitSubject {
  readonly appId: string;
  /** The verified user (`sub`), or `ip:<address>` for anonymous callers. */
  readonly userId: string;
}

/** The state of one rule for a subject, for `RateLimit-*` headers and `/api/usage`. */
export interface LimitStatus {
  readonly rule: LimitRule;
  readonly used: number;
  readonly remaining: number;
  /** When the current window ends, ms since the epoch. */
  readonly resetAt: number;
}

export interface LimitDenial extends LimitStatus {
  /** How long until the rule's window ends, in ms (at least 1). */
  readonly retryAfterMs: number;
}

export type Admission =
  | { readonly allowed: true; readonly status: readonly LimitStatus[] }
  | { readonly allowed: false; readonly denial: LimitDenial };

export interface TokenReservation {
  readonly status: readonly LimitStatus[];
  /** Moves the reserved counters to the tokens actually used (at most once; later calls do nothing). */
  settle(actualTokens: number): Promise<void>;
}

export type TokenAdmission =
  | { readonly allowed: true; readonly reservation: TokenReservation }
  | { readonly allowed: false; readonly denial: LimitDenial };

export interface RateLimiter {
  readonly rules: readonly LimitRule[];
  admitRequest(subject: LimitSubject): Promise<Admission>;
  reserveTokens(subject: LimitSubject, tokens: number): Promise<TokenAdmission>;
  /** Every rule's current state for the subject (nothing is counted). */
  usage(subject: LimitSubject): Promise<LimitStatus[]>;
}

export interface RateLimiterOptions {
  readonly rules: readonly LimitRule[];
  readonly store: CounterStore;
  readonly clock: Clock;
}

/** The counter key: encoded so that no app or user id can collide with another's (`a/b` vs `a` + `/b`). */
function keyOf(rule: LimitRule, subject: LimitSubject): string {
  const who =
    rule.scope === 'global'
      ? '*'
      : rule.scope === 'app'
        ? encodeURIComponent(subject.appId)
        : `${encodeURIComponent(subject.appId)}/${encodeURIComponent(subject.userId)}`;
  return `${rule.type}:${rule.window}:${rule.limit}:${rule.scope}:${who}`;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { store, clock } = options;
  const rules = options.rules.map((r) => {
    if (!Number.isSafeInteger(r.limit) || r.limit < 1) throw new Error(`rate limit: limit must be a whole number >= 1`);
    return { ...r };
  });

  /** Takes `cost` from each rule in turn; on a denial gives back what was taken. */
  const takeAll = async (subject: LimitSubject, selected: readonly LimitRule[], cost: number) => {
    const now = clock.now();
    const taken: { rule: LimitRule; key: string; start: number; end: number }[] = [];
    const status: LimitStatus[] = [];
    for (const rule of selected) {
      const { start, end } = windowAt(rule.window, now);
      const key = keyOf(rule, subject);
      const result = await store.take(key, start, cost, rule.limit, end);
      if (!result.taken) {
        for (const t of taken) await store.adjust(t.key, t.start, -cost, t.end);
        const denial: LimitDenial = {
          rule,
          used: result.used,
          remaining: Math.max(0, rule.limit - result.used),
          resetAt: end,
          retryAfterMs: Math.max(1, end - now),
        };
        return { allowed: false as const, denial };
      }
      taken.push({ rule, key, start, end });
      status.push({ rule, used: result.used, remaining: rule.limit - result.used, resetAt: end });
    }
    return { allowed: true as const, taken, status };
  };

  const countRules = rules.filter((r) => r.type === 'count');
  const tokenRules = rules.filter((r) => r.type === 'token');

  return {
    rules,
    async admitRequest(subject) {
      const r = await takeAll(subject, countRules, 1);
      return r.allowed ? { allowed: true, status: r.status } : r;
    },
    async reserveTokens(subject, tokens) {
      const cost = Math.max(0, Math.ceil(tokens));
      const r = await takeAll(subject, tokenRules, cost);
      if (!r.allowed) return r;
      let settled = false;
      return {
        allowed: true,
        reservation: {
          status: r.status,
          async settle(actual) {
            if (settled) return;
            settled = true;
            const delta = Math.max(0, Math.ceil(actual)) - cost;
            if (delta === 0) return;
            for (const t of r.taken) await store.adjust(t.key, t.start, delta, t.end);
          },
        },
      };
    },
    async usage(subject) {
      const now = clock.now();
      return Promise.all(
        rules.map(async (rule) => {
          const { start, end } = windowAt(rule.window, now);
          const used = await store.peek(keyOf(rule, subject), start);
          return { rule, used, remaining: Math.max(0, rule.limit - used), resetAt: end };
        }),
      );
    },
  };
}
