import { type Kysely, sql } from 'kysely';
import { type CounterStore, PACE_WINDOW, paceExpiry } from '../shared/index.ts';
import type { Schema } from './schema.ts';
import type { DatabaseKind } from './types.ts';
import { checkText } from './validate.ts';

/** Expired counters are deleted at most this often (on a take; timed by the database's clock). */
const SWEEP_EVERY_MS = 60_000;

/**
 * Rate-limit counters in SQL, shared by every replica using the database. `take` is one upsert: INSERT the
 * cost, or ON CONFLICT add it WHERE `used + cost <= limit`. PostgreSQL re-checks the condition under the row
 * lock and SQLite has a single writer, so concurrent callers — in any process — can never both pass on the same
 * remainder, and a sweep in another process can never fall between two statements. `pace` (GCRA) is the same
 * shape on the row's TAT.
 */
export function createCounterStore(db: Kysely<Schema>, kind: DatabaseKind, now: () => number): CounterStore {
  let nextSweep = 0;
  const peek = async (key: string, windowStart: number): Promise<number> => {
    const row = await db
      .selectFrom('rate_counters')
      .select('used')
      .where('key', '=', key)
      .where('window_start', '=', windowStart)
      .executeTakeFirst();
    return Number(row?.used ?? 0);
  };
  /**
   * Deletes counters whose window ended before `windowStart` (the caller's current window began). The cut-off
   * comes from the caller's clock, not this store's: a row of a window still in use can never be swept.
   */
  let latest = 0;
  const sweep = async (seen: number) => {
    // The cut-off is the latest instant a caller has shown (window start or pace time), whatever rule triggers
    // the sweep: rules with long windows must not keep the counters of short ones alive.
    latest = Math.max(latest, seen);
    const t = now();
    if (t < nextSweep) return;
    nextSweep = t + SWEEP_EVERY_MS;
    await db.deleteFrom('rate_counters').where('expires_at', '<=', latest).execute();
  };
  const greatest = (a: unknown, b: unknown) =>
    kind === 'postgres' ? sql<number>`greatest(${a}, ${b})` : sql<number>`max(${a}, ${b})`;
  return {
    async take(key, windowStart, cost, limit, expiresAt) {
      checkText(key, 'counter key');
      await sweep(windowStart);
      if (cost > limit) return { taken: false, used: await peek(key, windowStart) };
      // One statement: create the row with the cost, or add the cost when it stays within the limit.
      const row = await db
        .insertInto('rate_counters')
        .values({ key, window_start: windowStart, used: cost, expires_at: expiresAt })
        .onConflict((oc) =>
          oc
            .columns(['key', 'window_start'])
            .doUpdateSet({ used: sql`rate_counters.used + ${cost}` })
            .where(sql<boolean>`rate_counters.used + ${cost} <= ${limit}`),
        )
        .returning('used')
        .executeTakeFirst();
      if (row) return { taken: true, used: Number(row.used) };
      return { taken: false, used: await peek(key, windowStart) };
    },
    async adjust(key, windowStart, delta, expiresAt) {
      checkText(key, 'counter key');
      await db
        .insertInto('rate_counters')
        .values({ key, window_start: windowStart, used: Math.max(0, delta), expires_at: expiresAt })
        .onConflict((oc) =>
          oc.columns(['key', 'window_start']).doUpdateSet({ used: greatest(0, sql`rate_counters.used + ${delta}`) }),
        )
        .execute();
    },
    peek,
    async pace(key, now, interval, burst) {
      checkText(key, 'counter key');
      await sweep(Math.floor(now / 1000));
      const next = sql<number>`${greatest(sql.ref('rate_counters.used'), now)} + ${interval}`;
      // One statement: a new key starts at now + interval (always within a burst of 1 or more); an existing one
      // moves its TAT when the event fits.
      const row = await db
        .insertInto('rate_counters')
        .values({ key, window_start: PACE_WINDOW, used: now + interval, expires_at: paceExpiry(now + interval) })
        .onConflict((oc) =>
          oc
            .columns(['key', 'window_start'])
            .doUpdateSet({ used: next, expires_at: sql`cast((${next} + 999) / 1000 as bigint)` })
            .where(sql<boolean>`${next} - ${now} <= ${burst * interval}`),
        )
        .returning('used')
        .executeTakeFirst();
      if (row) return { allowed: true, tat: Number(row.used) };
      return { allowed: false, tat: await peek(key, PACE_WINDOW) };
    },
  };
}
