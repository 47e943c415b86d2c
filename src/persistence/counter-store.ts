import { type Kysely, sql } from 'kysely';
import { type CounterStore, PACE_WINDOW } from '../shared/index.ts';
import type { Schema } from './schema.ts';
import type { DatabaseKind } from './types.ts';
import { checkText } from './validate.ts';

/** Expired counters are deleted at most this often (on a take; timed by the database's clock). */
const SWEEP_EVERY_MS = 60_000;

/**
 * Rate-limit counters in SQL, shared by every replica using the database. `take` is one conditional UPDATE
 * (`used + cost <= limit`) after an INSERT … ON CONFLICT DO NOTHING: PostgreSQL re-checks the condition under
 * the row lock and SQLite has a single writer, so concurrent callers — in any process — can never both pass on
 * the same remainder. `pace` (GCRA) is the same shape: one conditional UPDATE of the row's TAT.
 */
export function createCounterStore(db: Kysely<Schema>, kind: DatabaseKind, now: () => number): CounterStore {
  let nextSweep = 0;
  const ensure = (key: string, windowStart: number, expiresAt: number) =>
    db
      .insertInto('rate_counters')
      .values({ key, window_start: windowStart, used: 0, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['key', 'window_start']).doNothing())
      .execute();
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
  const sweep = async (windowStart: number) => {
    const t = now();
    if (t < nextSweep) return;
    nextSweep = t + SWEEP_EVERY_MS;
    await db.deleteFrom('rate_counters').where('expires_at', '<=', windowStart).execute();
  };
  const greatest = (a: unknown, b: unknown) =>
    kind === 'postgres' ? sql<number>`greatest(${a}, ${b})` : sql<number>`max(${a}, ${b})`;
  return {
    async take(key, windowStart, cost, limit, expiresAt) {
      checkText(key, 'counter key');
      await sweep(windowStart);
      await ensure(key, windowStart, expiresAt);
      const updated = await db
        .updateTable('rate_counters')
        .set({ used: sql`used + ${cost}` })
        .where('key', '=', key)
        .where('window_start', '=', windowStart)
        .where(sql<boolean>`used + ${cost} <= ${limit}`)
        .returning('used')
        .executeTakeFirst();
      if (updated) return { taken: true, used: Number(updated.used) };
      return { taken: false, used: await peek(key, windowStart) };
    },
    async adjust(key, windowStart, delta, expiresAt) {
      checkText(key, 'counter key');
      await ensure(key, windowStart, expiresAt);
      await db
        .updateTable('rate_counters')
        .set({ used: greatest(0, sql`used + ${delta}`) })
        .where('key', '=', key)
        .where('window_start', '=', windowStart)
        .execute();
    },
    peek,
    async pace(key, now, interval, burst) {
      checkText(key, 'counter key');
      await sweep(Math.floor(now / 1000));
      await ensure(key, PACE_WINDOW, 0);
      const next = sql<number>`${greatest(sql.ref('used'), now)} + ${interval}`;
      const updated = await db
        .updateTable('rate_counters')
        .set({ used: next, expires_at: sql`cast((${next} + 999) / 1000 as bigint)` })
        .where('key', '=', key)
        .where('window_start', '=', PACE_WINDOW)
        .where(sql<boolean>`${next} - ${now} <= ${burst * interval}`)
        .returning('used')
        .executeTakeFirst();
      if (updated) return { allowed: true, tat: Number(updated.used) };
      return { allowed: false, tat: await peek(key, PACE_WINDOW) };
    },
  };
}
