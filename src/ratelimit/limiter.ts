/**
 * Rate limits and token quotas over a CounterStore. A rule is either a fixed UTC calendar window with a counter
 * per key (windows.ts) or, for `count` rules with `burst`, a GCRA pace (the store's `pace`). Keys come from the
 * caller's verified subject only (`{appId, userId, address}`), never from headers.
 *
 * Contract:
 * - `admitRequest` counts one request against every `count` rule that applies (the server's rules, and the
 *   agent's own), all or nothing: when one rule denies, the units already taken for the others are given back,
 *   so a denied request consumes nothing. (In between, a concurrent request may see those units and be denied
 *   too: the error is on the strict side.)
 * - `reserveTokens` takes a call's maximum (prompt estimate + output cap) from every `token` rule before the LLM
 *   call. When the full maximum does not fit but at least `minimum` does, it takes what is left and says so
 *   (`granted`), and the caller caps the call's output to it. `settle(actual)` moves each counter to the real
 *   usage afterwards. A quota is therefore never overrun by more than what one call uses beyond its
 *   reservation, and concurrent calls cannot pass on a stale remainder: each one's units are taken atomically.
 * - A store failure throws; the caller decides (`on_store_error`).
 */
import type { Clock, RateSubject } from '../shared/index.ts';
import { PACE_WINDOW, paceExpiry, UnavailableError } from '../shared/index.ts';
import type { CounterStore, LimitRule } from './types.ts';
import { FIXED_WINDOW_MS, windowAt } from './windows.ts';

/** Whose limits a request counts against: `{appId, userId, address}` from verified sources only. */
export type LimitSubject = RateSubject;

/** The state of one rule for a subject, for `RateLimit-*` headers and `/api/usage`. */
export interface LimitStatus {
  readonly rule: LimitRule;
  /** Units used in the current window (for a paced rule: the burst in use). */
  readonly used: number;
  /** `limit` for window rules, `burst` for paced ones. */
  readonly capacity: number;
  readonly remaining: number;
  /** When the current window ends (a paced rule: when its burst is whole again), ms since the epoch. */
  readonly resetAt: number;
}

export interface LimitDenial extends LimitStatus {
  /** How long until the rule admits again, in ms (at least 1). */
  readonly retryAfterMs: number;
}

export type Admission =
  | { readonly allowed: true; readonly status: readonly LimitStatus[] }
  | { readonly allowed: false; readonly denial: LimitDenial };

export interface TokenReservation {
  /** Tokens reserved: the maximum asked for, or less when only that much was left (at least the minimum). */
  readonly granted: number;
  readonly status: readonly LimitStatus[];
  /** Moves the reserved counters to the tokens actually used (at most once; later calls do nothing). */
  settle(actualTokens: number): Promise<void>;
}

export type TokenAdmission =
  | { readonly allowed: true; readonly reservation: TokenReservation }
  | { readonly allowed: false; readonly denial: LimitDenial };

/**
 * `agent`: the agent the request is for — the server's rules and that agent's own apply; `null`: the server's
 * rules only (a request not tied to one agent).
 */
export interface RateLimiter {
  readonly rules: readonly LimitRule[];
  /** Whether any token rule applies to calls of `agent` (no reservation is needed otherwise). */
  hasTokenRules(agent: string | null): boolean;
  admitRequest(subject: LimitSubject, agent: string | null): Promise<Admission>;
  reserveTokens(
    subject: LimitSubject,
    agent: string | null,
    want: { minimum: number; maximum: number },
  ): Promise<TokenAdmission>;
  /** The current state of the rules that apply to `agent` (every rule when absent); nothing is counted. */
  usage(subject: LimitSubject, agent?: string | null): Promise<LimitStatus[]>;
}

export interface RateLimiterOptions {
  readonly rules: readonly LimitRule[];
  readonly store: CounterStore;
  readonly clock: Clock;
  /**
   * When the store fails: `deny` (default) rejects with UnavailableError (HTTP 503), `allow` lets the request
   * through uncounted. Either way `onStoreError` hears of it.
   */
  readonly onStoreFailure?: 'deny' | 'allow';
  readonly onStoreError?: (err: unknown) => void;
}

/** Lone surrogates (which encodeURIComponent refuses) become U+FFFD: a malformed id is a key, not a store error. */
const enc = (text: string) => encodeURIComponent(text.toWellFormed());

/** The counter key: encoded so that no app, user, address or agent can collide with another's (`a/b` vs `a` + `/b`). */
function keyOf(rule: LimitRule, subject: LimitSubject): string {
  const who =
    rule.scope === 'global'
      ? '*'
      : rule.scope === 'app'
        ? enc(subject.appId)
        : rule.scope === 'address'
          ? `@${enc(subject.address)}`
          : `${enc(subject.appId)}/${enc(subject.userId)}`;
  const pace = rule.burst === undefined ? '' : `~${rule.burst}`;
  const agent = rule.agent === undefined ? '' : `>${enc(rule.agent)}`;
  const app = rule.app === undefined ? '' : `#${enc(rule.app)}`;
  return `${rule.type}:${rule.window}:${rule.limit}${pace}:${rule.scope}${agent}${app}:${who}`;
}

/** The GCRA emission interval of a paced rule, in µs. */
function intervalUs(rule: LimitRule): number {
  return Math.max(1, Math.round((FIXED_WINDOW_MS[rule.window as keyof typeof FIXED_WINDOW_MS] * 1000) / rule.limit));
}

interface Taken {
  readonly rule: LimitRule;
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly cost: number;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { store, clock } = options;
  const rules = options.rules.map((r) => {
    if (!Number.isSafeInteger(r.limit) || r.limit < 1) throw new Error('rate limit: limit must be a whole number >= 1');
    if (r.burst !== undefined) {
      if (!Number.isSafeInteger(r.burst) || r.burst < 1)
        throw new Error('rate limit: burst must be a whole number >= 1');
      if (r.type !== 'count' || r.window === 'month')
        throw new Error('rate limit: burst needs a count rule with a fixed window');
    }
    return { ...r };
  });
  const applies = (rule: LimitRule, subject: LimitSubject, agent: string | null | undefined) =>
    (rule.app === undefined || rule.app === subject.appId) &&
    (rule.agent === undefined || agent === undefined || rule.agent === agent);
  const failure = options.onStoreFailure ?? 'deny';
  /** Runs a store operation; a failure becomes a 503 (deny) or `fallback` (allow), and is reported. */
  const guarded = async <T>(op: () => Promise<T>, fallback: () => T): Promise<T> => {
    try {
      return await op();
    } catch (err) {
      options.onStoreError?.(err);
      if (failure === 'allow') return fallback();
      throw new UnavailableError(
        'rate limits cannot be checked right now (the limit store is unavailable); retry later',
      );
    }
  };

  const give = (t: Taken) =>
    t.rule.burst === undefined
      ? store.adjust(t.key, t.start, -t.cost, t.end)
      : store.adjust(t.key, PACE_WINDOW, -intervalUs(t.rule), t.end);

  /** One rule, one attempt: the units taken, or the denial. */
  const takeOne = async (rule: LimitRule, subject: LimitSubject, cost: number, now: number) => {
    const key = keyOf(rule, subject);
    if (rule.burst !== undefined) {
      const interval = intervalUs(rule);
      const nowUs = now * 1000;
      const r = await store.pace(key, nowUs, interval, rule.burst);
      const status = paceStatus(rule, r.tat, nowUs, interval);
      if (r.allowed) {
        return { ok: true as const, taken: { rule, key, start: PACE_WINDOW, end: paceExpiry(r.tat), cost }, status };
      }
      const waitUs = r.tat + interval - rule.burst * interval - nowUs;
      return { ok: false as const, denial: { ...status, retryAfterMs: Math.max(1, Math.ceil(waitUs / 1000)) } };
    }
    const { start, end } = windowAt(rule.window, now);
    const result = await store.take(key, start, cost, rule.limit, end);
    const status: LimitStatus = {
      rule,
      used: result.used,
      capacity: rule.limit,
      remaining: Math.max(0, rule.limit - result.used),
      resetAt: end,
    };
    if (result.taken) return { ok: true as const, taken: { rule, key, start, end, cost }, status };
    return { ok: false as const, denial: { ...status, retryAfterMs: Math.max(1, end - now) } };
  };

  /** Takes `cost` from each rule in turn; on a denial gives back what was taken. */
  const takeAll = async (subject: LimitSubject, selected: readonly LimitRule[], cost: number) => {
    const now = clock.now();
    const taken: Taken[] = [];
    const status: LimitStatus[] = [];
    for (const rule of selected) {
      const r = await takeOne(rule, subject, cost, now);
      if (!r.ok) {
        for (const t of taken) await give(t);
        return { allowed: false as const, denial: r.denial };
      }
      taken.push(r.taken);
      status.push(r.status);
    }
    return { allowed: true as const, taken, status };
  };

  const peekOne = async (rule: LimitRule, subject: LimitSubject, now: number): Promise<LimitStatus> => {
    const key = keyOf(rule, subject);
    if (rule.burst !== undefined) {
      return paceStatus(rule, await store.peek(key, PACE_WINDOW), now * 1000, intervalUs(rule));
    }
    const { start, end } = windowAt(rule.window, now);
    const used = await store.peek(key, start);
    return { rule, used, capacity: rule.limit, remaining: Math.max(0, rule.limit - used), resetAt: end };
  };

  const select = (type: LimitRule['type'], subject: LimitSubject | null, agent: string | null) =>
    rules.filter(
      (r) => r.type === type && (subject ? applies(r, subject, agent) : r.agent === undefined || r.agent === agent),
    );

  return {
    rules,
    hasTokenRules: (agent) => select('token', null, agent).length > 0,
    async admitRequest(subject, agent) {
      const selected = select('count', subject, agent);
      if (selected.length === 0) return { allowed: true, status: [] };
      const r = await guarded(
        () => takeAll(subject, selected, 1),
        () => ({ allowed: true as const, taken: [], status: [] }),
      );
      return r.allowed ? { allowed: true, status: r.status } : r;
    },
    reserveTokens: (subject, agent, want) =>
      guarded(
        () => reserve(subject, agent, want),
        () => ({
          allowed: true as const,
          reservation: { granted: Math.ceil(want.maximum), status: [], settle: async () => {} },
        }),
      ),
    usage: (subject, agent) =>
      guarded(
        async () => {
          const now = clock.now();
          return Promise.all(
            rules.filter((r) => applies(r, subject, agent)).map((rule) => peekOne(rule, subject, now)),
          );
        },
        () => [],
      ),
  };

  async function reserve(
    subject: LimitSubject,
    agent: string | null,
    want: { minimum: number; maximum: number },
  ): Promise<TokenAdmission> {
    const selected = select('token', subject, agent);
    const minimum = Math.max(0, Math.ceil(want.minimum));
    const maximum = Math.max(minimum, Math.ceil(want.maximum));
    let cost = maximum;
    let r = await takeAll(subject, selected, cost);
    // Not all of it fits: take what every rule still has, if that covers the minimum. A concurrent caller may
    // take it first, so this is retried a few times before giving up (denying).
    for (let attempt = 0; !r.allowed && attempt < 3; attempt++) {
      const now = clock.now();
      const left = Math.min(
        ...(await Promise.all(selected.map((rule) => peekOne(rule, subject, now)))).map((s) => s.remaining),
      );
      if (left < minimum || left >= cost) break;
      cost = left;
      r = await takeAll(subject, selected, cost);
    }
    if (!r.allowed) return r;
    const { taken } = r;
    let settled = false;
    return {
      allowed: true,
      reservation: {
        granted: cost,
        status: r.status,
        async settle(actual: number) {
          if (settled) return;
          settled = true;
          const delta = Math.max(0, Math.ceil(actual)) - cost;
          if (delta === 0) return;
          // Settling never fails the call it follows: a store error is reported and the reservation stands.
          try {
            for (const t of taken) await store.adjust(t.key, t.start, delta, t.end);
          } catch (err) {
            options.onStoreError?.(err);
          }
        },
      },
    };
  }
}

/** A paced rule's state from its TAT: how much of the burst is in use now, and when it is whole again. */
function paceStatus(rule: LimitRule, tat: number, nowUs: number, interval: number): LimitStatus {
  const burst = rule.burst ?? 1;
  const ahead = Math.max(0, tat - nowUs);
  const used = Math.min(burst, Math.ceil(ahead / interval));
  return { rule, used, capacity: burst, remaining: burst - used, resetAt: Math.ceil((nowUs + ahead) / 1000) };
}
