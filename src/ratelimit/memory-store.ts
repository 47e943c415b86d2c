import { gcraStep, PACE_WINDOW, paceExpiry } from '../shared/index.ts';
import type { CounterStore, TakeResult } from './types.ts';

/**
 * The in-memory CounterStore (the default; one process). Operations run synchronously inside the promise, so
 * they are atomic with respect to each other. Expired counters are swept at most once per `sweepEveryMs`, so
 * memory stays bounded by the keys active in the current windows. As in SQL, the cut-off comes from the callers,
 * never this store's clock: it is the latest instant any caller has shown (the latest window start or pace
 * time), so a counter still in use is never swept and the order of the rules does not matter.
 */
export function createMemoryStore(options: { now: () => number; sweepEveryMs?: number }): CounterStore {
  const counters = new Map<string, { used: number; expiresAt: number }>();
  const sweepEvery = options.sweepEveryMs ?? 60_000;
  let nextSweep = options.now() + sweepEvery;
  let latest = 0;
  const sweep = (seen: number) => {
    latest = Math.max(latest, seen);
    const cutoff = latest;
    const now = options.now();
    if (now < nextSweep) return;
    nextSweep = now + sweepEvery;
    for (const [k, v] of counters) if (v.expiresAt <= cutoff) counters.delete(k);
  };
  const id = (key: string, windowStart: number) => `${windowStart}\u0000${key}`;
  return {
    async take(key, windowStart, cost, limit, expiresAt): Promise<TakeResult> {
      sweep(windowStart);
      const k = id(key, windowStart);
      const entry = counters.get(k) ?? { used: 0, expiresAt };
      if (entry.used + cost > limit) return { taken: false, used: entry.used };
      entry.used += cost;
      counters.set(k, entry);
      return { taken: true, used: entry.used };
    },
    async adjust(key, windowStart, delta, expiresAt) {
      const k = id(key, windowStart);
      const entry = counters.get(k) ?? { used: 0, expiresAt };
      entry.used = Math.max(0, entry.used + delta);
      counters.set(k, entry);
    },
    async peek(key, windowStart) {
      return counters.get(id(key, windowStart))?.used ?? 0;
    },
    async pace(key, now, interval, burst) {
      sweep(Math.floor(now / 1000));
      const k = id(key, PACE_WINDOW);
      const tat = counters.get(k)?.used ?? 0;
      const next = gcraStep(tat, now, interval, burst);
      if (next === undefined) return { allowed: false, tat };
      counters.set(k, { used: next, expiresAt: paceExpiry(next) });
      return { allowed: true, tat: next };
    },
  };
}
