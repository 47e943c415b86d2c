import { type Kysely, sql } from 'kysely';
import { type CounterStore, PACE_WINDOW, paceExpiry } from '../shared/index.ts';
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
  /** The counter, or undefined when its row does not exist. */
  const current = async (key: string, windowStart: number): Promise<number | undefined> => {
    const row = await db
      .selectFrom('rate_counters')
      .select('used')
      .where('key', '=', key)
      .where('window_start', '=', windowStart)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.used);
  };
  const peek = async (key: string, windowStart: number): Promise<number> => (await current(key, windowStart)) ?? 0;
  /**
   * Runs `attempt` (ensure the row, then the conditional UPDATE); when it changed nothing because the row was
   * gone — swept by another process between the INSERT and the UPDATE — runs it once more.
   */
  const withRow = async (
    key: string,
    windowStart: number,
    attempt: () => Promise<number | undefined>,
  ): Promise<{ done: true; value: number } | { done: false; value: number }> => {
    for (let i = 0; ; i++) {
      const value = await attempt();
      if (value !== undefined) return { done: true, value };
      const now = await current(key, windowStart);
      if (now !== undefined || i === 1) return { done: false, value: now ?? 0 };
    }
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
      const r = await withRow(key, windowStart, async () => {
        await ensure(key, windowStart, expiresAt);
        const updated = await db
          .updateTable('rate_counters')
          .set({ used: sql`used + ${cost}` })
          .where('key', '=', key)
          .where('window_start', '=', windowStart)
          .where(sql<boolean>`used + ${cost} <= ${limit}`)
          .returning('used')
          .executeTakeFirst();
        return updated && Number(updated.used);
      });
      return { taken: r.done, used: r.value };
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
      const next = sql<number>`${greatest(sql.ref('used'), now)} + ${interval}`;
      const r = await withRow(key, PACE_WINDOW, async () => {
        // A new row expires after a whole burst, beyond any concurrent sweep's cut-off (the callers' now).
        await ensure(key, PACE_WINDOW, paceExpiry(now + burst * interval));
        const updated = await db
          .updateTable('rate_counters')
          .set({ used: next, expires_at: sql`cast((${next} + 999) / 1000 as bigint)` })
          .where('key', '=', key)
          .where('window_start', '=', PACE_WINDOW)
          .where(sql<boolean>`${next} - ${now} <= ${burst * interval}`)
          .returning('used')
          .executeTakeFirst();
        return updated && Number(updated.used);
      });
      return { allowed: r.done, tat: r.value };
    },
  };
}
