import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ContractContext, manualClock } from './common.ts';

const W = Date.UTC(2026, 11, 1, 12, 0);
const END = W + 60_000;

export function counterContract(ctx: ContractContext): void {
  describe('rate counters', () => {
    test('take adds within the limit and refuses beyond it without changing the counter', async () => {
      const db = await ctx.fresh();
      assert.deepEqual(await db.counters.take('k', W, 3, 5, END), { taken: true, used: 3 });
      assert.deepEqual(await db.counters.take('k', W, 3, 5, END), { taken: false, used: 3 });
      assert.deepEqual(await db.counters.take('k', W, 2, 5, END), { taken: true, used: 5 });
      assert.equal(await db.counters.peek('k', W), 5);
      assert.equal(await db.counters.peek('k', W + 60_000), 0, 'another window is another counter');
      assert.equal(await db.counters.peek('other', W), 0, 'another key is another counter');
    });

    test('N concurrent takes against a limit of L succeed exactly L times', async () => {
      const db = await ctx.fresh();
      const results = await Promise.all(Array.from({ length: 40 }, () => db.counters.take('hot', W, 1, 7, END)));
      assert.equal(results.filter((r) => r.taken).length, 7);
      assert.equal(await db.counters.peek('hot', W), 7);
    });

    test('adjust settles up or down and never below zero; window starts beyond 2^31 ms round-trip', async () => {
      const db = await ctx.fresh();
      await db.counters.take('t', W, 1000, 2500, END);
      await db.counters.adjust('t', W, -700, END);
      assert.equal(await db.counters.peek('t', W), 300);
      await db.counters.adjust('t', W, 50, END);
      assert.equal(await db.counters.peek('t', W), 350);
      await db.counters.adjust('t', W, -10_000, END);
      assert.equal(await db.counters.peek('t', W), 0);
      await db.counters.adjust('fresh', W, 12, END);
      assert.equal(await db.counters.peek('fresh', W), 12, 'adjusting an absent counter creates it');
    });

    test('sweeping expired counters never touches a window still in use, whatever the store clock says', async () => {
      // The limiter's clock is hours behind the database's: the sweep must go by the caller's window.
      const clock = manualClock(END + 3_600_000);
      const db = await ctx.fresh({ clock });
      await db.counters.take('a', W, 4, 10, END);
      clock.advance(61_000); // past the sweep interval: the next take sweeps
      await db.counters.take('b', W, 1, 10, END);
      assert.equal(await db.counters.peek('a', W), 4);
    });
  });
}
