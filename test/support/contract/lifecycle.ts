import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { A, B, type ContractContext, manualClock } from './common.ts';

export function lifecycleContract(ctx: ContractContext): void {
  const reopen = ctx.options.reopen;
  describe('lifecycle', () => {
    test('close is idempotent', async () => {
      const db = await ctx.fresh();
      await db.close();
      await db.close();
    });

    test('describes itself without credentials', async () => {
      const db = await ctx.fresh();
      assert.ok(db.kind === 'sqlite' || db.kind === 'postgres');
      assert.ok(db.description.startsWith(db.kind), db.description);
      assert.doesNotMatch(db.description, /:\/\/|password|@.*@/i);
    });

    test('data survives close and reopen (a restart); migrations are idempotent', {
      skip: reopen ? false : 'storage does not outlive its connection',
    }, async () => {
      const clock = manualClock();
      let db = await ctx.fresh({ clock });
      await db.sessions.append(A, 'ctx', [{ n: 0 }, { n: 1 }]);
      await db.tasks.save(A, { id: 't-1', contextId: 'ctx', agent: 'x', state: 'S', task: { ok: true } });
      await db.audit.append({
        timestamp: clock.iso(),
        appId: 'app-1',
        userId: 'alice',
        component: 'c',
        action: 'a',
        success: true,
        requestId: null,
        event: { e: 1 },
      });
      for (let restart = 0; restart < 3; restart++) {
        await db.close();
        db = ctx.track(await reopen!(db, { clock }));
        await db.sessions.append(A, 'ctx', [{ n: 2 + restart }]);
      }
      assert.deepEqual(
        (await db.sessions.history(A, 'ctx')).map((m) => [m.seq, m.message]),
        [
          [0, { n: 0 }],
          [1, { n: 1 }],
          [2, { n: 2 }],
          [3, { n: 3 }],
          [4, { n: 4 }],
        ],
      );
      assert.deepEqual((await db.tasks.get(A, 't-1'))?.task, { ok: true });
      assert.equal(await db.tasks.get(B, 't-1'), undefined);
      assert.equal((await db.audit.list({ appId: 'app-1', limit: 10 })).length, 1);
      await db.close();
    });
  });
}
