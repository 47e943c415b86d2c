import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Clock, CounterStore } from '../../../src/shared/index.ts';
import { PACE_WINDOW } from '../../../src/shared/index.ts';
import { type ContractContext, manualClock } from './common.ts';

const W = Date.UTC(2026, 11, 1, 12, 0);
const END = W + 60_000;
/** A GCRA instant in µs, and one second. */
const NOW_US = W * 1000;
const SECOND_US = 1_000_000;

/** Opens a fresh, empty store; `clock` is the store's own clock (sweeps), which may disagree with the caller's. */
export type CounterStoreFactory = (deps?: { clock?: Clock }) => Promise<CounterStore>;

/** The CounterStore contract, for every implementation (memory, SQL, Redis). */
export function counterStoreContract(fresh: CounterStoreFactory): void {
  describe('rate counters', () => {
    test('take adds within the limit and refuses beyond it without changing the counter', async () => {
      const s = await fresh();
      assert.deepEqual(await s.take('k', W, 3, 5, END), { taken: true, used: 3 });
      assert.deepEqual(await s.take('k', W, 3, 5, END), { taken: false, used: 3 });
      assert.deepEqual(await s.take('k', W, 2, 5, END), { taken: true, used: 5 });
      assert.equal(await s.peek('k', W), 5);
      assert.equal(await s.peek('k', W + 60_000), 0, 'another window is another counter');
      assert.equal(await s.peek('other', W), 0, 'another key is another counter');
    });

    test('N concurrent takes against a limit of L succeed exactly L times', async () => {
      const s = await fresh();
      const results = await Promise.all(Array.from({ length: 40 }, () => s.take('hot', W, 1, 7, END)));
      assert.equal(results.filter((r) => r.taken).length, 7);
      assert.equal(await s.peek('hot', W), 7);
    });

    test('adjust settles up or down and never below zero; window starts beyond 2^31 ms round-trip', async () => {
      const s = await fresh();
      await s.take('t', W, 1000, 2500, END);
      await s.adjust('t', W, -700, END);
      assert.equal(await s.peek('t', W), 300);
      await s.adjust('t', W, 50, END);
      assert.equal(await s.peek('t', W), 350);
      await s.adjust('t', W, -10_000, END);
      assert.equal(await s.peek('t', W), 0);
      await s.adjust('fresh', W, 12, END);
      assert.equal(await s.peek('fresh', W), 12, 'adjusting an absent counter creates it');
    });

    test('keys are opaque: look-alike keys with separators, quotes, wildcards and Unicode stay apart', async () => {
      const s = await fresh();
      const keys = ['a:b', 'a:b ', 'A:B', "a:b' OR '1'='1", 'a:*', 'a:%', 'a:_', 'a:b\u0301', 'a{b}', '{a}:b'];
      for (const [i, k] of keys.entries()) await s.take(k, W, i + 1, 100, END);
      for (const [i, k] of keys.entries()) assert.equal(await s.peek(k, W), i + 1, k);
    });

    test('sweeping expired counters never touches a window still in use, whatever the store clock says', async () => {
      // The limiter's clock is hours behind the store's: the sweep must go by the caller's window.
      const clock = manualClock(END + 3_600_000);
      const s = await fresh({ clock });
      await s.take('a', W, 4, 10, END);
      clock.advance(61_000); // past the sweep interval: the next take sweeps
      await s.take('b', W, 1, 10, END);
      assert.equal(await s.peek('a', W), 4);
    });

    test('pace (GCRA): a burst of B passes at once, then one per interval; time refills the bucket', async () => {
      const s = await fresh();
      const interval = SECOND_US; // 60 per minute
      const results = [];
      for (let i = 0; i < 12; i++) results.push(await s.pace('p', NOW_US, interval, 10));
      assert.deepEqual(
        results.map((r) => r.allowed),
        [...Array(10).fill(true), false, false],
      );
      assert.equal(results[9]!.tat, NOW_US + 10 * interval);
      assert.equal(results[10]!.tat, NOW_US + 10 * interval, 'a refusal leaves TAT alone');
      assert.equal((await s.pace('p', NOW_US + interval - 1, interval, 10)).allowed, false, 'not yet');
      assert.equal((await s.pace('p', NOW_US + interval, interval, 10)).allowed, true, 'one refilled');
      assert.equal((await s.pace('p', NOW_US + interval, interval, 10)).allowed, false);
      assert.equal((await s.pace('other', NOW_US, interval, 10)).allowed, true, 'keys are apart');
      // Long idle: the bucket is full again, not more than full.
      const later = NOW_US + 3_600 * SECOND_US;
      const after = [];
      for (let i = 0; i < 11; i++) after.push((await s.pace('p', later, interval, 10)).allowed);
      assert.equal(after.filter(Boolean).length, 10);
    });

    test('pace: N concurrent events against a burst of B admit exactly B; a refund gives one back', async () => {
      const s = await fresh();
      const results = await Promise.all(Array.from({ length: 30 }, () => s.pace('hot', NOW_US, SECOND_US, 5)));
      assert.equal(results.filter((r) => r.allowed).length, 5);
      await s.adjust('hot', PACE_WINDOW, -SECOND_US, END);
      assert.equal((await s.pace('hot', NOW_US, SECOND_US, 5)).allowed, true);
      assert.equal((await s.pace('hot', NOW_US, SECOND_US, 5)).allowed, false);
      assert.equal(await s.peek('hot', PACE_WINDOW), NOW_US + 5 * SECOND_US);
    });

    test('a sweep running alongside the first events of fresh keys never loses them (take and pace)', async () => {
      // The store's clock is far ahead: its first operation sweeps, while the others create their rows.
      const s = await fresh({ clock: manualClock(END + 3_600_000) });
      const late = W + 59_999; // the last millisecond of the window: its rows end right after a sweep's cut-off
      const [paced, taken] = await Promise.all([
        Promise.all(Array.from({ length: 20 }, (_, i) => s.pace(`p${i}`, late * 1000, SECOND_US, 1))),
        Promise.all(Array.from({ length: 20 }, (_, i) => s.take(`t${i}`, W, 1, 1, END))),
      ]);
      assert.equal(paced.filter((r) => r.allowed).length, 20);
      assert.equal(taken.filter((r) => r.taken).length, 20);
    });

    test('pace with a fractional rate (7 per minute) keeps microsecond precision', async () => {
      const s = await fresh();
      const interval = Math.round((60 * SECOND_US) / 7);
      let t = NOW_US;
      let admitted = 0;
      // One event every 100 ms for ten minutes with a burst of 1: exactly the rate gets through.
      for (let i = 0; i < 6_000; i += 1, t += 100_000) if ((await s.pace('f', t, interval, 1)).allowed) admitted++;
      assert.equal(admitted, 70);
    });
  });
}

/** The contract for a Database's counter store. */
export function counterContract(ctx: ContractContext): void {
  counterStoreContract(async (deps) => (await ctx.fresh(deps)).counters);
}
