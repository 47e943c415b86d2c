import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Database, StoredTask } from '../../../src/persistence/index.ts';
import { ConflictError, InvalidRequestError, isAppError, type Scope } from '../../../src/shared/index.ts';
import { A, B, C, type ContractContext, LOOKALIKES, manualClock } from './common.ts';

function task(id: string, extra: Partial<{ contextId: string; agent: string; state: string; n: number }> = {}) {
  return {
    id,
    contextId: extra.contextId ?? 'ctx-1',
    agent: extra.agent ?? 'assistant',
    state: extra.state ?? 'TASK_STATE_WORKING',
    task: { id, kind: 'task', n: extra.n ?? 0, history: [{ text: `private text of ${id}` }] },
  };
}

async function listAll(
  db: Database,
  scope: Scope,
  limit: number,
  filter: { contextId?: string; agent?: string } = {},
): Promise<StoredTask[]> {
  const out: StoredTask[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await db.tasks.list(scope, { ...filter, limit, ...(cursor ? { cursor } : {}) });
    assert.ok(result.tasks.length <= limit);
    out.push(...result.tasks);
    if (!result.nextCursor) return out;
    assert.equal(result.tasks.length, limit, 'only a full page has a next cursor');
    cursor = result.nextCursor;
  }
  throw new Error('pagination did not terminate');
}

export function taskContract(ctx: ContractContext): void {
  describe('tasks', () => {
    test('save then get round-trips; saving again replaces it and keeps createdAt', async () => {
      const clock = manualClock();
      const db = await ctx.fresh({ clock });
      await db.tasks.save(A, task('t-1'));
      const first = await db.tasks.get(A, 't-1');
      assert.deepEqual(first, {
        id: 't-1',
        contextId: 'ctx-1',
        agent: 'assistant',
        state: 'TASK_STATE_WORKING',
        task: task('t-1').task,
        createdAt: '2025-01-02T03:04:05.006Z',
        updatedAt: '2025-01-02T03:04:05.006Z',
      });
      clock.advance(60_000);
      await db.tasks.save(A, task('t-1', { state: 'TASK_STATE_COMPLETED', n: 2 }));
      const second = await db.tasks.get(A, 't-1');
      assert.equal(second?.state, 'TASK_STATE_COMPLETED');
      assert.deepEqual(second?.task, task('t-1', { n: 2 }).task);
      assert.equal(second?.createdAt, '2025-01-02T03:04:05.006Z');
      assert.equal(second?.updatedAt, '2025-01-02T03:05:05.006Z');
      assert.equal(await db.tasks.get(A, 'missing'), undefined);
    });

    test('bad arguments are InvalidRequestError', async () => {
      const db = await ctx.fresh();
      await assert.rejects(db.tasks.save(A, task('')), InvalidRequestError);
      await assert.rejects(db.tasks.save(A, { ...task('t'), contextId: '' }), InvalidRequestError);
      await assert.rejects(db.tasks.save(A, { ...task('t'), agent: '' }), InvalidRequestError);
      await assert.rejects(db.tasks.save({ appId: '', userId: 'x' }, task('t')), InvalidRequestError);
      await assert.rejects(db.tasks.get(A, ''), InvalidRequestError);
      for (const limit of [0, -1, 2.5, 1_000_001, Number.NaN]) {
        await assert.rejects(db.tasks.list(A, { limit }), InvalidRequestError, `limit ${limit}`);
      }
      assert.equal(await db.tasks.get(A, 't'), undefined, 'nothing was written');
    });

    test('scope isolation: another scope cannot read, list, overwrite or hijack a task id', async () => {
      const db = await ctx.fresh();
      await db.tasks.save(A, task('alice-task', { contextId: 'alice-ctx', agent: 'alice-agent', state: 'S_ALICE' }));
      const before = await db.tasks.get(A, 'alice-task');
      for (const other of [B, C, ...LOOKALIKES]) {
        const who = JSON.stringify(other);
        assert.equal(await db.tasks.get(other, 'alice-task'), undefined, `${who} read A's task`);
        assert.deepEqual(await db.tasks.list(other, { limit: 100 }), { tasks: [] }, `${who} listed A's tasks`);
        assert.deepEqual(await db.tasks.list(other, { limit: 100, contextId: 'alice-ctx' }), { tasks: [] }, who);
        assert.deepEqual(await db.tasks.list(other, { limit: 100, agent: 'alice-agent' }), { tasks: [] }, who);
        // Overwriting A's id from another scope is refused, and the refusal reveals nothing of A's row.
        const err = await db.tasks.save(other, task('alice-task', { contextId: 'evil', state: 'S_EVIL' })).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof ConflictError, `${who}: expected ConflictError, got ${String(err)}`);
        for (const leak of ['app-1', 'alice', 'alice-ctx', 'alice-agent', 'S_ALICE', 'private text']) {
          assert.ok(!err.message.includes(leak), `conflict message leaks ${leak}: ${err.message}`);
        }
      }
      assert.deepEqual(await db.tasks.get(A, 'alice-task'), before, "A's task is unchanged");
      // Guessing ids, SQL and LIKE metacharacters included, finds nothing.
      for (const guess of ['alice-task ', 'ALICE-TASK', 'alice%', 'alice-tas_', "' OR '1'='1", 'alice-task\ufffd']) {
        assert.equal(await db.tasks.get(B, guess), undefined, guess);
        assert.equal(await db.tasks.get(A, guess), undefined, guess);
      }
      // Ids a driver would truncate or re-encode into someone else's key are refused outright.
      for (const bad of ['alice-task\u0000', 'alice-task\ud800']) {
        await assert.rejects(db.tasks.get(B, bad), InvalidRequestError);
        await assert.rejects(db.tasks.save(B, task(bad)), InvalidRequestError);
      }
      await assert.rejects(db.tasks.get({ appId: 'app-1', userId: 'alice\ud800' }, 'alice-task'), InvalidRequestError);
    });

    test('concurrent saves of one new id from two scopes: exactly one owner wins', async () => {
      const db = await ctx.fresh();
      for (let round = 0; round < 10; round++) {
        const id = `race-${round}`;
        const results = await Promise.allSettled([
          db.tasks.save(A, task(id, { state: 'A' })),
          db.tasks.save(B, task(id, { state: 'B' })),
        ]);
        const ok = results.filter((r) => r.status === 'fulfilled').length;
        assert.equal(ok, 1, `round ${round}: ${JSON.stringify(results)}`);
        const loser = results.find((r) => r.status === 'rejected');
        assert.ok(loser?.status === 'rejected' && loser.reason instanceof ConflictError);
        const a = await db.tasks.get(A, id);
        const b = await db.tasks.get(B, id);
        assert.ok((a === undefined) !== (b === undefined), 'exactly one scope owns the id');
        assert.equal((a ?? b)!.state, a ? 'A' : 'B');
      }
    });

    test('list: newest first, filters by context and agent', async () => {
      const clock = manualClock();
      const db = await ctx.fresh({ clock });
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const id = `t-${i}`;
        ids.push(id);
        await db.tasks.save(A, task(id, { contextId: i % 2 ? 'odd' : 'even', agent: i < 3 ? 'x' : 'y' }));
        clock.advance(1000);
      }
      const all = await db.tasks.list(A, { limit: 100 });
      assert.deepEqual(
        all.tasks.map((t) => t.id),
        [...ids].reverse(),
      );
      assert.equal(all.nextCursor, undefined);
      assert.deepEqual(
        all.tasks.map((t) => t.task),
        [...ids].reverse().map((id) => task(id).task),
        'each listed task carries its own document',
      );
      assert.deepEqual(
        (await db.tasks.list(A, { limit: 100, contextId: 'odd' })).tasks.map((t) => t.id),
        ['t-5', 't-3', 't-1'],
      );
      assert.deepEqual(
        (await db.tasks.list(A, { limit: 100, agent: 'x', contextId: 'even' })).tasks.map((t) => t.id),
        ['t-2', 't-0'],
      );
      // Updating a task does not move it (the order is by creation).
      clock.advance(1000);
      await db.tasks.save(A, task('t-0', { state: 'TASK_STATE_COMPLETED' }));
      assert.equal((await db.tasks.list(A, { limit: 1 })).tasks[0]!.id, 't-5');
    });

    test('pagination visits every task exactly once, stable with equal timestamps', async () => {
      const clock = manualClock();
      const db = await ctx.fresh({ clock });
      const expected = new Set<string>();
      // 23 tasks share one timestamp, 7 are later (also sharing one), ids in no particular order.
      for (let i = 0; i < 30; i++) {
        if (i === 23) clock.advance(5000);
        const id = `task-${((i * 7919) % 1000).toString().padStart(3, '0')}`;
        expected.add(id);
        await db.tasks.save(A, task(id));
        await db.tasks.save(B, task(`b-${id}`));
      }
      for (const size of [1, 4, 10, 23, 30, 31]) {
        const seen = await listAll(db, A, size);
        assert.equal(seen.length, 30, `page size ${size}`);
        assert.deepEqual(new Set(seen.map((t) => t.id)), expected, `page size ${size}`);
        for (let i = 1; i < seen.length; i++) {
          assert.ok(seen[i - 1]!.createdAt >= seen[i]!.createdAt, 'newest first');
        }
        assert.deepEqual(
          seen.slice(0, 7).map((t) => t.createdAt),
          Array(7).fill(seen[0]!.createdAt),
        );
        // Same query, same order.
        assert.deepEqual(
          (await listAll(db, A, size)).map((t) => t.id),
          seen.map((t) => t.id),
        );
      }
      // Exactly a multiple of the page size: no empty trailing page.
      const page = await db.tasks.list(A, { limit: 30 });
      assert.equal(page.tasks.length, 30);
      assert.equal(page.nextCursor, undefined);
    });

    test('a cursor never crosses scopes and tampered cursors are InvalidRequestError (never a SQL error)', async () => {
      const db = await ctx.fresh();
      for (let i = 0; i < 5; i++) {
        await db.tasks.save(A, task(`a-${i}`));
        await db.tasks.save(B, task(`b-${i}`));
      }
      const first = await db.tasks.list(A, { limit: 2 });
      assert.ok(first.nextCursor);
      // A's cursor used by B only positions B's own list.
      const fromB = await db.tasks.list(B, { limit: 100, cursor: first.nextCursor });
      assert.ok(fromB.tasks.every((t) => t.id.startsWith('b-')));

      const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
      const forged = [
        'garbage',
        `${first.nextCursor}x`,
        first.nextCursor.slice(0, -3),
        '!!!!',
        ' ',
        'a'.repeat(100_000),
        b64('not json'),
        b64('[]'),
        b64('null'),
        b64('{"v":1}'),
        b64('{"v":2,"t":"2025-01-01T00:00:00.000Z","i":"x"}'),
        b64('{"v":1,"t":"yesterday","i":"x"}'),
        b64('{"v":1,"t":"2025-01-01T00:00:00.000Z","i":5}'),
        b64(`{"v":1,"t":"2025-01-01T00:00:00.000Z","i":"${'x'.repeat(5000)}"}`),
        b64('{"v":1,"t":"2025-01-01T00:00:00.000Z\' OR 1=1 --","i":"x"}'),
        b64('{"__proto__":{"v":1},"t":"2025-01-01T00:00:00.000Z","i":"x"}'),
        "' OR '1'='1",
      ];
      for (const cursor of forged) {
        const label = cursor.slice(0, 60);
        try {
          const result = await db.tasks.list(A, { limit: 10, cursor });
          assert.ok(
            result.tasks.every((t) => t.id.startsWith('a-')),
            `forged cursor ${label} crossed scopes`,
          );
        } catch (err) {
          assert.ok(err instanceof InvalidRequestError, `cursor ${label}: ${String(err)}`);
          assert.ok(isAppError(err) && !/sql|syntax|select/i.test(err.message), err.message);
        }
      }
      // A well-formed cursor with an injection attempt in the id is just a value.
      const injected = b64(`{"v":1,"t":"2999-01-01T00:00:00.000Z","i":"' OR app_id <> '"}`);
      const result = await db.tasks.list(A, { limit: 100, cursor: injected });
      assert.deepEqual(result.tasks.map((t) => t.id).sort(), ['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
    });
    test('leases: an active task is leased; renewals extend it; once it runs out the task is listed as expired', async () => {
      const clock = manualClock();
      const db = await ctx.fresh({ clock });
      await db.tasks.save(A, { ...task('t-1'), leaseMs: 60_000 });
      await db.tasks.save(C, { ...task('t-2'), leaseMs: 60_000 });
      await db.tasks.save(A, task('t-done', { state: 'TASK_STATE_COMPLETED' }));
      assert.deepEqual(await db.tasks.expiredLeases(10), []);
      clock.advance(59_999);
      assert.deepEqual(await db.tasks.expiredLeases(10), [], 'a lease is good until its last millisecond');
      await db.tasks.renewLeases(['t-1', 't-done', 'unknown'], 60_000);
      clock.advance(2);
      const expired = await db.tasks.expiredLeases(10);
      assert.deepEqual(
        expired.map((t) => [t.id, t.scope]),
        [['t-2', C]],
        'the renewed task is alive; a task without a lease never expires and is not given one by a renewal',
      );
      assert.deepEqual(expired[0]?.task, task('t-2').task);
      clock.advance(60_000);
      assert.deepEqual(
        (await db.tasks.expiredLeases(10)).map((t) => t.id),
        ['t-2', 't-1'],
        'longest expired first',
      );
      assert.deepEqual(
        (await db.tasks.expiredLeases(1)).map((t) => t.id),
        ['t-2'],
      );
      assert.equal((await db.tasks.get(A, 't-done'))?.state, 'TASK_STATE_COMPLETED');
    });

    test('leases: a save without leaseMs drops the lease; a save with one takes a new lease', async () => {
      const clock = manualClock();
      const db = await ctx.fresh({ clock });
      await db.tasks.save(A, { ...task('t-1'), leaseMs: 1_000 });
      await db.tasks.save(A, task('t-1', { state: 'TASK_STATE_INPUT_REQUIRED' }));
      clock.advance(10_000);
      assert.deepEqual(await db.tasks.expiredLeases(10), [], 'a task paused for approval holds no lease');
      await db.tasks.save(A, { ...task('t-1'), leaseMs: 1_000 });
      assert.deepEqual(await db.tasks.expiredLeases(10), []);
      clock.advance(1_001);
      assert.deepEqual(
        (await db.tasks.expiredLeases(10)).map((t) => t.id),
        ['t-1'],
      );
    });

    test('replaceExpired is a compare-and-set: only a still-held, run-out lease, in the right scope, once', async () => {
      const clock = manualClock();
      const db = await ctx.fresh({ clock });
      await db.tasks.save(A, { ...task('t-1'), leaseMs: 1_000 });
      const failed = { state: 'TASK_STATE_FAILED', task: { id: 't-1', failed: true } };
      assert.equal(await db.tasks.replaceExpired(A, 't-1', failed), false, 'the lease has not run out');
      clock.advance(1_001);
      for (const other of [B, C]) {
        assert.equal(await db.tasks.replaceExpired(other, 't-1', failed), false, 'another scope cannot reach it');
      }
      assert.equal(await db.tasks.replaceExpired(A, 't-unknown', failed), false);
      assert.equal(await db.tasks.replaceExpired(A, 't-1', failed), true);
      assert.equal(await db.tasks.replaceExpired(A, 't-1', failed), false, 'a second reaper loses');
      const row = await db.tasks.get(A, 't-1');
      assert.equal(row?.state, 'TASK_STATE_FAILED');
      assert.deepEqual(row?.task, failed.task);
      assert.equal(row?.updatedAt, clock.iso());
      assert.deepEqual(await db.tasks.expiredLeases(10), [], 'the replaced task holds no lease');

      // The server came back to life and saved (or renewed) first: the reaper leaves the task alone.
      await db.tasks.save(A, { ...task('t-2'), leaseMs: 1_000 });
      clock.advance(1_001);
      await db.tasks.renewLeases(['t-2'], 1_000);
      assert.equal(await db.tasks.replaceExpired(A, 't-2', failed), false);
      await db.tasks.save(A, task('t-2', { state: 'TASK_STATE_COMPLETED' }));
      clock.advance(5_000);
      assert.equal(await db.tasks.replaceExpired(A, 't-2', failed), false);
      assert.equal((await db.tasks.get(A, 't-2'))?.state, 'TASK_STATE_COMPLETED');
    });

    test('leases: bad lengths, ids and limits are InvalidRequestErrors; many ids renew in batches', async () => {
      const clock = manualClock();
      const db = await ctx.fresh({ clock });
      for (const leaseMs of [0, -1, 1.5, Number.NaN, 86_400_001, '60000']) {
        await assert.rejects(
          db.tasks.save(A, { ...task('t-x'), leaseMs: leaseMs as number }),
          InvalidRequestError,
          String(leaseMs),
        );
        await assert.rejects(db.tasks.renewLeases(['t-x'], leaseMs as number), InvalidRequestError);
      }
      assert.equal(await db.tasks.get(A, 't-x'), undefined, 'a refused save writes nothing');
      await assert.rejects(db.tasks.renewLeases([''], 1_000), InvalidRequestError);
      await assert.rejects(db.tasks.expiredLeases(0), InvalidRequestError);
      await assert.rejects(db.tasks.replaceExpired(A, '', { state: 'S', task: {} }), InvalidRequestError);
      const ids = Array.from({ length: 1_201 }, (_, i) => `t-${i}`);
      for (const id of ids) await db.tasks.save(A, { ...task(id), leaseMs: 1_000 });
      await db.tasks.renewLeases([...ids, ...ids], 10_000);
      clock.advance(5_000);
      assert.deepEqual(await db.tasks.expiredLeases(10), [], 'every one of 1,201 ids was renewed');
    });
    test('a task that has ended keeps its final state: a save that would change it is ignored', async () => {
      const db = await ctx.fresh({ clock: manualClock() });
      await db.tasks.save(A, { ...task('t-1'), leaseMs: 1_000 });
      await db.tasks.save(A, task('t-1', { state: 'TASK_STATE_FAILED', n: 1 }));
      // A stalled server's late save of its run: no error, no change, no lease.
      await db.tasks.save(A, { ...task('t-1', { n: 2 }), leaseMs: 1_000 });
      const row = await db.tasks.get(A, 't-1');
      assert.equal(row?.state, 'TASK_STATE_FAILED');
      assert.deepEqual(row?.task, task('t-1', { n: 1 }).task);
      // The same final state may still be saved again (an artifact added after the status).
      await db.tasks.save(A, task('t-1', { state: 'TASK_STATE_FAILED', n: 3 }));
      assert.deepEqual((await db.tasks.get(A, 't-1'))?.task, task('t-1', { n: 3 }).task);
      for (const final of ['TASK_STATE_COMPLETED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED']) {
        await db.tasks.save(A, task(`t-${final}`, { state: final }));
        await db.tasks.save(A, task(`t-${final}`, { state: 'TASK_STATE_WORKING' }));
        assert.equal((await db.tasks.get(A, `t-${final}`))?.state, final);
      }
      // Paused and active states move freely.
      await db.tasks.save(A, task('t-2', { state: 'TASK_STATE_INPUT_REQUIRED' }));
      await db.tasks.save(A, task('t-2', { state: 'TASK_STATE_WORKING' }));
      assert.equal((await db.tasks.get(A, 't-2'))?.state, 'TASK_STATE_WORKING');
      // Another scope still gets the ConflictError, ended or not.
      await assert.rejects(db.tasks.save(B, task('t-1', { state: 'TASK_STATE_FAILED' })), ConflictError);
      await assert.rejects(db.tasks.save(C, task('t-2')), ConflictError);
    });
  });
}
