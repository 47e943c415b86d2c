import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ContractContext, manualClock } from './common.ts';

const key = (kid: string) => ({ kid, publicJwk: `{"kid":"${kid}"}`, privateSealed: `v1.sealed-${kid}` });
const app = (id: string, name = `name-${id}`) => ({
  id,
  name,
  configSealed: `v1.config-${id}`,
  hostTools: false,
  rateLimits: '[]',
  allowedRanges: '[]',
  maxConcurrentRuns: null,
});

export function appContract(ctx: ContractContext): void {
  describe('apps', () => {
    test('create, get, list, update; ids and names are unique and a conflict creates nothing', async () => {
      const db = await ctx.fresh();
      const a = await db.apps.create(app('a1', 'support'), key('k1'));
      assert.equal(a.name, 'support');
      assert.equal(a.hostTools, false);
      assert.equal(a.rateLimits, '[]');
      assert.deepEqual(await db.apps.get('a1'), a);
      assert.deepEqual(await db.apps.getByName('support'), a);
      assert.equal(await db.apps.getByName('Support'), undefined, 'names match exactly');
      assert.equal(await db.apps.getByName('a1'), undefined, 'an id is not a name');
      await assert.rejects(db.apps.create(app('a2', 'support'), key('k2')), { name: 'ConflictError' });
      await assert.rejects(
        db.apps.create(app('a2', 'SUPPORT'), key('k2')),
        { name: 'ConflictError' },
        'names ignore case',
      );
      await assert.rejects(db.apps.create(app('a1', 'other'), key('k3')), { name: 'ConflictError' });
      assert.equal(await db.apps.get('a2'), undefined, 'the name conflict created nothing');
      assert.deepEqual(await db.apps.validKeys('a2', 0), [], 'not even its key');
      await db.apps.create(app('b1', 'billing'), key('k4'));
      assert.deepEqual(
        (await db.apps.list()).map((x) => x.id),
        ['a1', 'b1'],
      );
      const limits = '[{"type":"count","window":"minute","limit":5,"scope":"app"}]';
      const changed = await db.apps.update('a1', { configSealed: 'v1.new', hostTools: true, rateLimits: limits });
      assert.equal(changed?.configSealed, 'v1.new');
      assert.equal(changed?.rateLimits, limits);
      assert.equal((await db.apps.get('a1'))?.rateLimits, limits, 'the limits are stored');
      const before = (await db.apps.get('a1'))!;
      const ranges = await db.apps.update('a1', { allowedRanges: '["10.0.0.0/8"]' }, before.updatedAt);
      assert.equal(ranges?.allowedRanges, '["10.0.0.0/8"]');
      assert.equal(ranges?.maxConcurrentRuns, null, 'no run cap unless one is set');
      const capped = await db.apps.update('a1', { maxConcurrentRuns: 3 });
      assert.equal(capped?.maxConcurrentRuns, 3);
      assert.equal((await db.apps.get('a1'))?.maxConcurrentRuns, 3, 'the cap is stored as a number');
      assert.equal((await db.apps.update('a1', { name: 'support' }))?.maxConcurrentRuns, 3, 'and kept');
      assert.equal((await db.apps.update('a1', { maxConcurrentRuns: null }))?.maxConcurrentRuns, null);
      for (const bad of [0, -1, 1.5, 100_001, '3', Number.NaN]) {
        await assert.rejects(
          db.apps.update('a1', { maxConcurrentRuns: bad as number }),
          { name: 'InvalidRequestError' },
          String(bad),
        );
        await assert.rejects(db.apps.create({ ...app('c9', 'cap'), maxConcurrentRuns: bad as number }, key('k9')), {
          name: 'InvalidRequestError',
        });
      }
      assert.ok(
        ranges!.updatedAt > before.updatedAt,
        'every version has a later updated_at, even within a millisecond',
      );
      await assert.rejects(
        db.apps.update('a1', { name: 'lost-update' }, before.updatedAt),
        { name: 'ConflictError' },
        'an update based on an older version is refused',
      );
      assert.equal((await db.apps.get('a1'))?.name, 'support', 'and changes nothing');
      assert.equal(changed?.hostTools, true);
      assert.equal(changed?.name, 'support');
      await assert.rejects(db.apps.update('a1', { name: 'billing' }), { name: 'ConflictError' });
      assert.equal(await db.apps.update('missing', { name: 'x' }), undefined);
      await assert.rejects(db.apps.get(''), { name: 'InvalidRequestError' });
      await assert.rejects(db.apps.create(app('c1', 'x'.repeat(200)), key('k5')), { name: 'InvalidRequestError' });
    });

    test('rotation: the new key is current, earlier keys last until keepUntil and are never extended', async () => {
      const clock = manualClock(1_000_000);
      const db = await ctx.fresh({ clock });
      await db.apps.create(app('a1'), key('k1'));
      assert.deepEqual(
        (await db.apps.validKeys('a1', 1_000_000)).map((k) => k.kid),
        ['k1'],
      );
      clock.advance(1000);
      assert.equal(await db.apps.rotateKey('a1', key('k2'), 1_005_000), true);
      const during = await db.apps.validKeys('a1', 1_004_999);
      assert.deepEqual(
        during.map((k) => [k.kid, k.validUntil]),
        [
          ['k2', undefined],
          ['k1', 1_005_000],
        ],
      );
      assert.deepEqual(
        (await db.apps.validKeys('a1', 1_005_000)).map((k) => k.kid),
        ['k2'],
        'k1 stops at keepUntil',
      );
      clock.advance(1000);
      // Revoke at once (keepUntil = now), then a later rotation with a long window must not revive k1.
      await db.apps.rotateKey('a1', key('k3'), 1_002_000);
      clock.advance(1000);
      await db.apps.rotateKey('a1', key('k4'), 9_000_000);
      assert.deepEqual(
        (await db.apps.validKeys('a1', 1_003_000)).map((k) => k.kid),
        ['k4', 'k3'],
        'k3 (current until k4) lasts until 9,000,000; k1 stays revoked',
      );
      assert.equal(await db.apps.rotateKey('missing', key('k5'), 0), false);
      assert.deepEqual(
        (await db.apps.allValidKeys(1_003_000)).map((k) => k.kid),
        ['k4', 'k3'],
      );
    });

    test('purgeApp deletes everything the app owns and nothing of another app; the audit trail stays', async () => {
      const db = await ctx.fresh();
      await db.apps.create(app('a1'), key('k1'));
      await db.apps.create(app('b1'), key('k2'));
      const inA = { appId: 'a1', userId: 'alice' };
      const inB = { appId: 'b1', userId: 'alice' };
      for (const scope of [inA, inB]) {
        await db.sessions.append(scope, 'ctx', [{ role: 'user', content: `secret of ${scope.appId}` }]);
        await db.tasks.save(scope, {
          id: `task-${scope.appId}`,
          contextId: 'ctx',
          agent: 'support',
          state: 'TASK_STATE_INPUT_REQUIRED',
          task: { id: `task-${scope.appId}` },
        });
        await db.approvals.pause(scope, {
          taskId: `task-${scope.appId}`,
          contextId: 'ctx',
          agent: 'support',
          state: { step: 1 },
          approvals: [
            {
              toolCallId: 'c1',
              toolName: 'write_file',
              arguments: {},
              argsHash: 'h',
              prompt: 'ok?',
              approvers: [],
              expiresAt: '2030-01-01T00:00:00.000Z',
            },
          ],
        });
        await db.audit.append({
          timestamp: '2026-12-01T00:00:00.000Z',
          appId: scope.appId,
          userId: 'alice',
          component: 'agent',
          action: 'request',
          success: true,
          requestId: null,
          event: {},
        });
      }
      assert.equal(await db.purgeApp('a1'), true);
      assert.equal(await db.purgeApp('a1'), false);
      assert.equal(await db.apps.get('a1'), undefined);
      assert.deepEqual(await db.sessions.history(inA, 'ctx', { limit: 10 }), []);
      assert.equal(await db.tasks.get(inA, 'task-a1'), undefined);
      assert.equal(await db.approvals.paused(inA, 'task-a1'), undefined);
      assert.equal((await db.sessions.history(inB, 'ctx', { limit: 10 })).length, 1, "b1's data is untouched");
      assert.ok(await db.tasks.get(inB, 'task-b1'));
      assert.ok(await db.approvals.paused(inB, 'task-b1'));
      assert.ok(await db.apps.get('b1'));
      const audit = await db.audit.list({ appId: 'a1', limit: 10 });
      assert.equal(audit.length, 1, 'the audit trail of a1 is kept');
    });

    test('deleting an app deletes its keys at once; other apps keep theirs', async () => {
      const db = await ctx.fresh();
      await db.apps.create(app('a1'), key('k1'));
      await db.apps.create(app('b1'), key('k2'));
      assert.equal(await db.apps.delete('a1'), true);
      assert.equal(await db.apps.delete('a1'), false);
      assert.equal(await db.apps.get('a1'), undefined);
      assert.deepEqual(await db.apps.validKeys('a1', 0), []);
      assert.deepEqual(
        (await db.apps.allValidKeys(0)).map((k) => k.kid),
        ['k2'],
      );
      // The id can be reused, and the old key does not come back with it.
      await db.apps.create(app('a1'), key('k9'));
      assert.deepEqual(
        (await db.apps.validKeys('a1', 0)).map((k) => k.kid),
        ['k9'],
      );
    });
  });
}
