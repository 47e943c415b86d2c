/**
 * Repeated failures in the audit trail: one client that sends bad credentials (or keeps hitting a rate limit)
 * thousands of times a minute must not turn each attempt into a hash-chained row and a log line. That is a cheap
 * way to fill the disk, to slow every other event's append, and to bury the events that matter.
 *
 * The returned sink forwards every event unchanged, except failures that repeat:
 * - `authenticate` with `success: false` (components `auth`, `admin`, `metrics`), keyed by component,
 *   `client_address` and `reason`;
 * - `ratelimit.deny`, keyed by tenant, user, `client_address`, stage and the rule (type, window, limit, scope,
 *   agent).
 *
 * Of each key, the first `limit` events of a window of `windowMs` are written as they are. The rest are
 * counted. When the window ends (at the latest on the next sweep, or at `flush`, i.e. at shutdown), one event
 * `<component>.repeated` says how many were left out (`count`), with `repeated_action`, the key's fields,
 * `window_start` and `window_end`; its `user` is null when the events counted had different users. Keys are
 * bounded: `maxKeys` for failed authentications, `maxKeysPerTenant` for each tenant's denials (so one kind
 * cannot crowd out the other, nor one tenant another). Past that, new auth keys of a component share one key,
 * and a tenant's new denial keys share one key of that tenant, whose summary names `client_address: "*"`
 * (the events it writes keep their own). `limit: 0` keeps every event.
 *
 * Wrap this inside meterAuditSink, so the metrics still count every failure.
 */
import type { AuditInput, AuditSink } from './audit.ts';

export interface RepeatThrottleOptions {
  /** Events of one key written per window (0: no throttling). */
  limit: number;
  /** Window length (default one minute). */
  windowMs?: number;
  /** Most keys of failed authentications tracked at once (default 10,000). */
  maxKeys?: number;
  /** Most keys of rate-limit denials tracked at once for one tenant (default 2,000). */
  maxKeysPerTenant?: number;
  /** Most keys of rate-limit denials tracked at once over all tenants (default 10,000). */
  maxDenialKeys?: number;
  now?: () => number;
}

/** The fields that name what repeats, copied into the `repeated` event. */
const AUTH_FIELDS = ['client_address', 'reason'] as const;
const DENIAL_FIELDS = ['client_address', 'stage', 'limit_type', 'window', 'limit', 'scope', 'rule_agent'] as const;

type Kind = 'auth' | 'ratelimit';

interface Window {
  readonly kind: Kind;
  readonly start: number;
  written: number;
  suppressed: number;
  /** The first event of the window, for the summary's identity and key fields. */
  readonly first: AuditInput;
  readonly fields: readonly string[];
  /** The user of every event counted so far, or null once two differ (an overflow key, unknown tenants). */
  user: string | null;
}

interface Classified {
  kind: Kind;
  /** The key budget it counts against: one for failed authentications, one per tenant for denials. */
  budget: string;
  key: string;
  /** The key the event is counted under when its kind has too many keys (never across tenants). */
  overflow: string;
  fields: readonly string[];
}

function classify(event: AuditInput): Classified | undefined {
  const field = (name: string) => {
    const value = (event as Record<string, unknown>)[name];
    return value === undefined || value === null ? '' : String(value);
  };
  if (event.action === 'authenticate' && event.success === false) {
    return {
      kind: 'auth',
      budget: 'auth',
      key: JSON.stringify([event.component, field('client_address'), field('reason')]),
      overflow: JSON.stringify([event.component, '*']),
      fields: AUTH_FIELDS,
    };
  }
  if (event.component === 'ratelimit' && event.action === 'deny') {
    // Everything that tells one denial from another: whose, from where, which rule (of the server or the app).
    return {
      kind: 'ratelimit',
      budget: JSON.stringify(['ratelimit', event.tenant]),
      key: JSON.stringify(['ratelimit', event.tenant, event.user, ...DENIAL_FIELDS.map(field)]),
      overflow: JSON.stringify(['ratelimit', event.tenant, '*']),
      fields: DENIAL_FIELDS,
    };
  }
  return undefined;
}

export function throttleRepeatedFailures(
  sink: AuditSink,
  options: RepeatThrottleOptions,
): AuditSink & { sweep(): void } {
  const windowMs = options.windowMs ?? 60_000;
  const maxKeys = options.maxKeys ?? 10_000;
  const maxKeysPerTenant = options.maxKeysPerTenant ?? 2_000;
  const maxDenialKeys = options.maxDenialKeys ?? 10_000;
  /** Denial windows tracked over all tenants' budgets. */
  let denialKeys = 0;
  /** When every denial budget was last swept because the total was full (at most once a second). */
  let lastTotalSweep = -Infinity;
  const now = options.now ?? Date.now;
  // Key budgets: one for failed authentications, one per tenant for denials, so a flood of one cannot crowd
  // out the other, and no tenant crowds out another's denials.
  type Budget = { windows: Map<string, Window>; lastFullSweep: number };
  const budgets = new Map<string, Budget>();
  const budgetOf = (name: string) => {
    let b = budgets.get(name);
    if (!b) {
      b = { windows: new Map(), lastFullSweep: -Infinity };
      budgets.set(name, b);
    }
    return b;
  };

  const summarise = (w: Window, end: number) => {
    if (w.suppressed === 0) return;
    const first = w.first as Record<string, unknown>;
    const keyFields: Record<string, unknown> = {};
    for (const f of w.fields) if (first[f] !== undefined) keyFields[f] = first[f];
    sink.emit({
      level: 'warn',
      component: w.first.component,
      action: 'repeated',
      user: w.user,
      tenant: w.first.tenant,
      success: false,
      request_id: null,
      repeated_action: w.first.action,
      ...keyFields,
      count: w.suppressed,
      window_start: new Date(w.start).toISOString(),
      window_end: new Date(end).toISOString(),
    });
  };

  /** Ends one window: it is no longer tracked, and its summary (if it held events back) is written. */
  const endWindow = (budget: Budget, key: string, w: Window, end: number) => {
    budget.windows.delete(key);
    if (w.kind === 'ratelimit') denialKeys--;
    summarise(w, end);
  };
  /** Ends the windows of a budget that are over (all of them with `all`). */
  const sweepBudget = (budget: Budget, all: boolean) => {
    const t = now();
    for (const [key, w] of budget.windows) {
      if (all || t - w.start >= windowMs) endWindow(budget, key, w, Math.min(t, w.start + windowMs));
    }
  };
  /** Every budget; the ones left empty are dropped (only here, so `emit` never holds a dropped one). */
  const sweep = (all = false) => {
    for (const [name, budget] of budgets) {
      sweepBudget(budget, all);
      if (budget.windows.size === 0) budgets.delete(name);
    }
  };

  const timer = options.limit > 0 ? setInterval(() => sweep(), windowMs) : undefined;
  timer?.unref();

  return {
    emit(event) {
      const kind = options.limit > 0 ? classify(event) : undefined;
      if (!kind) {
        sink.emit(event);
        return;
      }
      const budget = budgetOf(kind.budget);
      const table = budget.windows;
      const cap = kind.kind === 'auth' ? maxKeys : maxKeysPerTenant;
      const t = now();
      let key = kind.key;
      let first = event;
      let w = table.get(key);
      if (w && t - w.start >= windowMs) {
        endWindow(budget, key, w, w.start + windowMs);
        w = undefined;
      }
      // Over all tenants too: past maxDenialKeys, each tenant's new denial keys go to its overflow key.
      const full = () => table.size >= cap || (kind.kind === 'ratelimit' && denialKeys >= maxDenialKeys);
      if (!w && full()) {
        if (t - budget.lastFullSweep >= 1_000) {
          budget.lastFullSweep = t;
          // A full total is freed by any tenant's ended windows, not only this one's.
          const totalFull = kind.kind === 'ratelimit' && table.size < cap;
          if (totalFull && t - lastTotalSweep >= 1_000) {
            lastTotalSweep = t;
            for (const [name, other] of budgets) if (name !== 'auth') sweepBudget(other, false);
          } else {
            sweepBudget(budget, false);
          }
        }
        if (full()) {
          // Too many distinct sources at once: the overflow shares a key (per component, or per tenant).
          key = kind.overflow;
          first = { ...event, client_address: '*' };
          w = table.get(key);
        }
      }
      if (!w) {
        w = { kind: kind.kind, start: t, written: 0, suppressed: 0, first, fields: kind.fields, user: first.user };
        table.set(key, w);
        if (kind.kind === 'ratelimit') denialKeys++;
      }
      if (event.user !== w.user) w.user = null;
      if (w.written < options.limit) {
        w.written++;
        sink.emit(event);
      } else {
        w.suppressed++;
      }
    },
    sweep: () => sweep(),
    async flush() {
      sweep(true);
      await sink.flush();
    },
  };
}
