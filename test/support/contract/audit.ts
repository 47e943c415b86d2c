import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditRecord } from '../../../src/persistence/index.ts';
import { createChainVerifier, InvalidRequestError } from '../../../src/shared/index.ts';
import type { ContractContext } from './common.ts';

function record(i: number, extra: Partial<AuditRecord> = {}): AuditRecord {
  const timestamp = new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();
  return {
    timestamp,
    appId: 'app-1',
    userId: i % 2 ? 'alice' : null,
    component: i % 3 ? 'tools' : 'auth',
    action: `action-${i}`,
    success: i % 4 !== 0,
    requestId: i % 5 ? `req-${i}` : null,
    event: { i, nested: { list: [1, 'two', null] }, text: 'x\u0000y' },
    ...extra,
  };
}

export function auditContract(ctx: ContractContext): void {
  describe('audit', () => {
    test('append then list: newest first, every field round-trips, ids increase', async () => {
      const db = await ctx.fresh();
      for (let i = 0; i < 12; i++) await db.audit.append(record(i));
      const rows = await db.audit.list({ appId: 'app-1', limit: 100 });
      assert.equal(rows.length, 12);
      assert.deepEqual(
        rows.map((r) => r.action),
        Array.from({ length: 12 }, (_, i) => `action-${11 - i}`),
      );
      for (const row of rows) {
        const { id, ...rest } = row;
        assert.ok(Number.isSafeInteger(id) && id > 0);
        assert.deepEqual(rest, record(Number(row.action.slice('action-'.length))));
      }
      for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1]!.id > rows[i]!.id);
      assert.equal((await db.audit.list({ appId: 'app-1', limit: 3 })).length, 3);
    });

    test('filters: since (inclusive), until (exclusive), component, user; same timestamp ordered by id', async () => {
      const db = await ctx.fresh();
      for (let i = 0; i < 12; i++) await db.audit.append(record(i));
      const actions = async (f: Partial<Parameters<typeof db.audit.list>[0]>) =>
        (await db.audit.list({ appId: 'app-1', limit: 100, ...f })).map((r) => r.action);
      assert.deepEqual(await actions({ since: '2025-01-01T00:00:09.000Z' }), ['action-11', 'action-10', 'action-9']);
      assert.deepEqual(await actions({ until: '2025-01-01T00:00:02Z' }), ['action-1', 'action-0']);
      // Timestamps in other notations are normalised before comparing.
      assert.deepEqual(await actions({ since: '2025-01-01T01:00:03+01:00', until: '2025-01-01T00:00:05.000Z' }), [
        'action-4',
        'action-3',
      ]);
      assert.deepEqual(await actions({ component: 'auth' }), ['action-9', 'action-6', 'action-3', 'action-0']);
      assert.deepEqual(await actions({ userId: 'alice', component: 'auth' }), ['action-9', 'action-3']);
      const same = '2030-01-01T00:00:00.000Z';
      for (let i = 0; i < 3; i++) await db.audit.append(record(100 + i, { timestamp: same }));
      assert.deepEqual(await actions({ since: same }), ['action-102', 'action-101', 'action-100']);
    });

    test('list is confined to its app; bad input is InvalidRequestError', async () => {
      const db = await ctx.fresh();
      await db.audit.append(record(1, { appId: 'app-1' }));
      await db.audit.append(record(2, { appId: 'app-2' }));
      assert.deepEqual(
        (await db.audit.list({ appId: 'app-2', limit: 10 })).map((r) => r.appId),
        ['app-2'],
      );
      assert.deepEqual(await db.audit.list({ appId: 'app-', limit: 10 }), []);
      assert.deepEqual(await db.audit.list({ appId: "app-1' OR '1'='1", limit: 10 }), []);
      assert.deepEqual(await db.audit.list({ appId: 'app-%', limit: 10 }), []);
      await assert.rejects(db.audit.list({ appId: '', limit: 10 }), InvalidRequestError);
      await assert.rejects(db.audit.list({ appId: 'app-1', limit: 0 }), InvalidRequestError);
      await assert.rejects(db.audit.list({ appId: 'app-1', limit: 10, since: 'last tuesday' }), InvalidRequestError);
      await assert.rejects(db.audit.append(record(3, { timestamp: 'not a time' })), InvalidRequestError);
      await assert.rejects(db.audit.append(record(3, { appId: '' })), InvalidRequestError);
      await assert.rejects(db.audit.append(record(3, { requestId: 'r\u0000' })), InvalidRequestError);
      assert.equal((await db.audit.list({ appId: 'app-1', limit: 10 })).length, 1);
    });

    test('appends form one hash chain, also when written concurrently; the chain verifies', async () => {
      const db = await ctx.fresh();
      await Promise.all(Array.from({ length: 25 }, (_, i) => db.audit.append(record(i))));
      const rows = await db.audit.readChain(0, 1000);
      assert.equal(rows.length, 25);
      assert.deepEqual(
        rows.map((r) => r.seq),
        Array.from({ length: 25 }, (_, i) => i + 1),
        'seq 1..25 in insertion order, no gap, no fork',
      );
      const verifier = createChainVerifier();
      for (const r of rows) {
        assert.equal(
          verifier.push({ seq: r.seq!, prevHash: r.prevHash!, hash: r.hash!, content: r.content }),
          undefined,
          `entry ${r.seq} verifies`,
        );
      }
      assert.equal(verifier.head().hash, rows.at(-1)!.hash);
      assert.deepEqual(
        (await db.audit.readChain(rows[9]!.id, 5)).map((r) => r.seq),
        [11, 12, 13, 14, 15],
        'pages after an id',
      );
      await assert.rejects(db.audit.readChain(0, 0), InvalidRequestError);
    });
  });
}
