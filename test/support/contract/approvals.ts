import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NewApproval } from '../../../src/persistence/index.ts';
import { A, B, C, type ContractContext, LOOKALIKES, manualClock } from './common.ts';

function approval(id: string, extra: Partial<NewApproval> = {}): NewApproval {
  return {
    toolCallId: id,
    toolName: 'write_file',
    arguments: { path: 'a.txt', content: `content of ${id}` },
    argsHash: `hash-${id}`,
    prompt: `Allow writing to a.txt (${id})?`,
    approvers: ['admin'],
    expiresAt: '2030-01-01T00:00:00.000Z',
    ...extra,
  };
}

const pause = (taskId: string, ids: string[]) => ({
  taskId,
  contextId: 'ctx-1',
  agent: 'assistant',
  state: { turn: [{ role: 'user', content: 'hi' }], step: 1 },
  approvals: ids.map((id) => approval(id)),
});

export function approvalContract(ctx: ContractContext): void {
  describe('approvals', () => {
    test('pause then paused round-trips; other scopes and look-alikes see nothing', async () => {
      const clock = manualClock();
      const db = await ctx.fresh({ clock });
      await db.approvals.pause(A, pause('t1', ['c1', 'c2']));
      const run = await db.approvals.paused(A, 't1');
      assert.ok(run);
      assert.deepEqual(run.state, { turn: [{ role: 'user', content: 'hi' }], step: 1 });
      assert.deepEqual(
        run.approvals.map((a) => [a.toolCallId, a.status, a.userId, a.approvers, a.arguments]),
        [
          ['c1', 'pending', 'alice', ['admin'], { path: 'a.txt', content: 'content of c1' }],
          ['c2', 'pending', 'alice', ['admin'], { path: 'a.txt', content: 'content of c2' }],
        ],
      );
      assert.equal(run.approvals[0]!.createdAt, clock.iso());
      for (const other of [B, C, ...LOOKALIKES]) assert.equal(await db.approvals.paused(other, 't1'), undefined);
      assert.equal((await db.approvals.find('app-1', 't1', 'c1'))?.userId, 'alice');
      assert.equal(await db.approvals.find('app-2', 't1', 'c1'), undefined, 'find never crosses apps');
    });

    test('decide is single-use, bound to the arguments hash, and all-or-nothing', async () => {
      const db = await ctx.fresh();
      await db.approvals.pause(A, pause('t1', ['c1', 'c2']));
      const approve = (id: string, hash = `hash-${id}`) => ({
        toolCallId: id,
        status: 'approved' as const,
        argsHash: hash,
        decidedBy: 'alice',
      });
      assert.equal(await db.approvals.decide('app-1', 't1', [approve('c1', 'hash-other')]), false, 'wrong hash');
      assert.equal(await db.approvals.decide('app-2', 't1', [approve('c1')]), false, 'other app');
      assert.equal(await db.approvals.decide('app-1', 't2', [approve('c1')]), false, 'other task');
      assert.equal(await db.approvals.decide('app-1', 't1', [approve('c1'), approve('nope')]), false, 'unknown id');
      assert.equal(await db.approvals.decide('app-1', 't1', [approve('c1'), approve('c1')]), false, 'twice');
      assert.equal((await db.approvals.find('app-1', 't1', 'c1'))?.status, 'pending', 'nothing changed');

      assert.equal(await db.approvals.decide('app-1', 't1', [approve('c1')]), true);
      assert.equal(await db.approvals.decide('app-1', 't1', [approve('c1')]), false, 'replay');
      const both = await Promise.all([
        db.approvals.decide('app-1', 't1', [{ ...approve('c2'), status: 'denied', reason: 'no' }]),
        db.approvals.decide('app-1', 't1', [approve('c2')]),
      ]);
      assert.deepEqual(both.filter(Boolean).length, 1, 'exactly one concurrent decision wins');
      const c1 = await db.approvals.find('app-1', 't1', 'c1');
      assert.equal(c1?.status, 'approved');
      assert.equal(c1?.decidedBy, 'alice');
      assert.ok(c1?.decidedAt);
    });

    test('resume ends the pause; a new pause replaces the old approvals', async () => {
      const db = await ctx.fresh();
      await db.approvals.pause(A, pause('t1', ['c1']));
      await db.approvals.resume(B, 't1');
      assert.ok(await db.approvals.paused(A, 't1'), 'another user cannot end the pause');
      await db.approvals.resume(A, 't1');
      assert.equal(await db.approvals.paused(A, 't1'), undefined);
      assert.equal((await db.approvals.find('app-1', 't1', 'c1'))?.status, 'pending', 'rows stay until replaced');
      await db.approvals.pause(A, pause('t1', ['c9']));
      assert.equal(await db.approvals.find('app-1', 't1', 'c1'), undefined);
      assert.equal((await db.approvals.paused(A, 't1'))?.approvals.length, 1);
    });

    test('countPending: undecided, unexpired calls of paused runs, across apps', async () => {
      const clock = manualClock();
      const db = await ctx.fresh({ clock });
      assert.equal(await db.approvals.countPending(), 0);
      await db.approvals.pause(A, {
        ...pause('t1', []),
        approvals: [approval('c1'), approval('c2', { expiresAt: '2025-01-02T03:04:05.006Z' })],
      });
      await db.approvals.pause(C, pause('t2', ['c3']));
      assert.equal(await db.approvals.countPending(), 2, 'the expired one is not counted');
      const decided = { toolCallId: 'c1', status: 'denied' as const, argsHash: 'hash-c1', decidedBy: 'alice' };
      assert.equal(await db.approvals.decide('app-1', 't1', [decided]), true);
      assert.equal(await db.approvals.countPending(), 1);
      await db.approvals.resume(C, 't2');
      assert.equal(await db.approvals.countPending(), 0, 'a pause that ended leaves nothing waiting');
    });

    test('a pause survives a restart', {
      skip: ctx.options.reopen ? false : 'storage does not outlive its connection',
    }, async () => {
      const db = await ctx.fresh();
      await db.approvals.pause(A, pause('t1', ['c1']));
      await db.close();
      const again = ctx.track(await ctx.options.reopen!(db));
      assert.equal((await again.approvals.paused(A, 't1'))?.approvals[0]?.toolCallId, 'c1');
    });
  });
}
