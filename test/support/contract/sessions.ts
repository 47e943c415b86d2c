import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidRequestError, type JsonValue } from '../../../src/shared/index.ts';
import { A, B, C, type ContractContext, LOOKALIKES, manualClock } from './common.ts';

/** Values a naive store would mangle: NUL (rejected by jsonb), lone surrogates, big numbers, key order. */
const AWKWARD: JsonValue[] = [
  { role: 'user', content: 'hello\u0000world' },
  { role: 'assistant', content: '😀 \ud800 unpaired', toolCalls: [{ id: 'c1', name: 'x', args: { z: 1, a: 2 } }] },
  { b: 1, a: [1, 2.5, -0.125, 1e300, null, true, false], '': '' },
  'a plain string',
  42,
  null,
  ["'; DROP TABLE messages; --"],
];

export function sessionContract(ctx: ContractContext): void {
  describe('sessions', () => {
    test('append then history returns every message in order, with seq and createdAt', async () => {
      const clock = manualClock();
      const db = await ctx.fresh({ clock });
      await db.sessions.append(A, 'ctx', AWKWARD.slice(0, 3));
      clock.advance(1000);
      await db.sessions.append(A, 'ctx', AWKWARD.slice(3));
      const history = await db.sessions.history(A, 'ctx');
      assert.deepEqual(
        history.map((m) => m.seq),
        AWKWARD.map((_, i) => i),
      );
      assert.deepEqual(
        history.map((m) => m.message),
        AWKWARD,
      );
      // Exact round trip, including key order.
      assert.equal(JSON.stringify(history.map((m) => m.message)), JSON.stringify(AWKWARD));
      assert.equal(history[0]!.createdAt, '2025-01-02T03:04:05.006Z');
      assert.equal(history.at(-1)!.createdAt, '2025-01-02T03:04:06.006Z');
    });

    test('history limit returns the LAST n messages, still in order', async () => {
      const db = await ctx.fresh();
      await db.sessions.append(
        A,
        'ctx',
        Array.from({ length: 10 }, (_, i) => ({ i })),
      );
      const last3 = await db.sessions.history(A, 'ctx', { limit: 3 });
      assert.deepEqual(
        last3.map((m) => [m.seq, m.message]),
        [
          [7, { i: 7 }],
          [8, { i: 8 }],
          [9, { i: 9 }],
        ],
      );
      assert.deepEqual(await db.sessions.history(A, 'ctx', { limit: 0 }), []);
      assert.equal((await db.sessions.history(A, 'ctx', { limit: 1000 })).length, 10);
      assert.deepEqual(await db.sessions.history(A, 'unknown-context'), []);
    });

    test('bad arguments are InvalidRequestError, and a bad batch appends nothing', async () => {
      const db = await ctx.fresh();
      await db.sessions.append(A, 'ctx', [{ n: 0 }]);
      for (const limit of [-1, 1.5, Number.NaN, '3' as unknown as number]) {
        await assert.rejects(db.sessions.history(A, 'ctx', { limit }), InvalidRequestError, `limit ${limit}`);
      }
      await assert.rejects(db.sessions.append(A, '', [{ n: 1 }]), InvalidRequestError);
      await assert.rejects(db.sessions.history(A, 'x'.repeat(10_000)), InvalidRequestError);
      await assert.rejects(db.sessions.append({ appId: '', userId: 'u' }, 'ctx', [{ n: 1 }]), InvalidRequestError);
      await assert.rejects(db.sessions.append({ appId: 'a', userId: '' }, 'ctx', [{ n: 1 }]), InvalidRequestError);
      const notJson = [{ n: 1 }, 10n as unknown as JsonValue];
      await assert.rejects(db.sessions.append(A, 'ctx', notJson), InvalidRequestError);
      await assert.rejects(db.sessions.append(A, 'ctx', [undefined as unknown as JsonValue]), InvalidRequestError);
      assert.deepEqual(
        (await db.sessions.history(A, 'ctx')).map((m) => m.message),
        [{ n: 0 }],
      );
      await db.sessions.append(A, 'ctx', []);
      assert.equal((await db.sessions.history(A, 'ctx')).length, 1, 'an empty append is a no-op');
    });

    test('50 concurrent appends to one context keep a gap-free seq and each batch contiguous', async () => {
      const db = await ctx.fresh();
      await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          db.sessions.append(A, 'busy', [
            { k, part: 0 },
            { k, part: 1 },
            { k, part: 2 },
          ]),
        ),
      );
      const history = await db.sessions.history(A, 'busy');
      assert.equal(history.length, 150);
      assert.deepEqual(
        history.map((m) => m.seq),
        Array.from({ length: 150 }, (_, i) => i),
      );
      const seen = new Set<number>();
      for (let i = 0; i < 150; i += 3) {
        const batch = history.slice(i, i + 3).map((m) => m.message as { k: number; part: number });
        assert.ok(
          batch.every((m, j) => m.k === batch[0]!.k && m.part === j),
          `batch at ${i} is interleaved`,
        );
        seen.add(batch[0]!.k);
      }
      assert.equal(seen.size, 50);
    });

    test('concurrent appends to many contexts and scopes stay separate', async () => {
      const db = await ctx.fresh();
      const scopes = [A, B, C];
      await Promise.all(Array.from({ length: 60 }, (_, i) => db.sessions.append(scopes[i % 3]!, `c${i % 2}`, [{ i }])));
      for (const scope of scopes) {
        for (const c of ['c0', 'c1']) {
          const h = await db.sessions.history(scope, c);
          assert.equal(h.length, 10);
          assert.deepEqual(
            h.map((m) => m.seq),
            [...Array(10).keys()],
          );
        }
      }
    });

    test('delete removes a context; it reports whether it existed; seq restarts afterwards', async () => {
      const db = await ctx.fresh();
      await db.sessions.append(A, 'ctx', [{ a: 1 }, { a: 2 }]);
      await db.sessions.append(A, 'keep', [{ k: 1 }]);
      assert.equal(await db.sessions.delete(A, 'ctx'), true);
      assert.equal(await db.sessions.delete(A, 'ctx'), false);
      assert.equal(await db.sessions.delete(A, 'never'), false);
      assert.deepEqual(await db.sessions.history(A, 'ctx'), []);
      assert.equal((await db.sessions.history(A, 'keep')).length, 1);
      await db.sessions.append(A, 'ctx', [{ again: true }]);
      assert.deepEqual(
        (await db.sessions.history(A, 'ctx')).map((m) => [m.seq, m.message]),
        [[0, { again: true }]],
      );
    });

    test('scope isolation: another user or app cannot read, delete or extend a history', async () => {
      const db = await ctx.fresh();
      await db.sessions.append(A, 'secret-ctx', [{ secret: 'alice-data' }]);
      for (const other of [B, C, ...LOOKALIKES]) {
        const who = JSON.stringify(other);
        assert.deepEqual(await db.sessions.history(other, 'secret-ctx'), [], `${who} read A's history`);
        assert.deepEqual(await db.sessions.history(other, 'secret-ctx', { limit: 5 }), [], who);
        assert.equal(await db.sessions.delete(other, 'secret-ctx'), false, `${who} deleted A's history`);
      }
      // Same context id in another scope is a separate history that starts at 0 and does not touch A's.
      await db.sessions.append(B, 'secret-ctx', [{ mallory: 'injected' }]);
      assert.deepEqual(
        (await db.sessions.history(B, 'secret-ctx')).map((m) => [m.seq, m.message]),
        [[0, { mallory: 'injected' }]],
      );
      assert.deepEqual(
        (await db.sessions.history(A, 'secret-ctx')).map((m) => [m.seq, m.message]),
        [[0, { secret: 'alice-data' }]],
      );
      // SQL-ish and wildcard context ids are plain values.
      for (const id of ["secret-ctx' OR '1'='1", 'secret%', 'secret_ctx', '%']) {
        assert.deepEqual(await db.sessions.history(A, id), [], id);
        assert.equal(await db.sessions.delete(B, id), false, id);
      }
      assert.equal((await db.sessions.history(A, 'secret-ctx')).length, 1);
    });
  });
}
