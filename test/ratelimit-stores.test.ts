/**
 * The CounterStore contract against the stores the limiter ships with that are not a Database — in memory and
 * Redis (a real throwaway redis-server) — plus Redis's own failure modes. SQL runs the contract through the
 * store contract of every Database.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createMemoryStore, createRedisStore, type RedisCounterStore } from '../src/ratelimit/index.ts';
import { systemClock } from '../src/shared/index.ts';
import { counterStoreContract } from './support/contract/counters.ts';
import { redisSkipReason, startRedis, type TestRedis } from './support/redis.ts';

const W = Date.UTC(2026, 11, 1, 12, 0);
const END = W + 60_000;

describe('memory store', () => {
  counterStoreContract(async (deps) => createMemoryStore({ now: () => (deps?.clock ?? systemClock).now() }));

  test('expired counters are swept whichever rule triggers the sweep (a day rule does not keep minutes alive)', async () => {
    let now = W + 1_000;
    const s = createMemoryStore({ now: () => now, sweepEveryMs: 1_000 });
    const DAY = Date.UTC(2026, 11, 1);
    await s.take('minute', W, 1, 10, END);
    await s.take('day', DAY, 1, 10, DAY + 86_400_000);
    now = W + 180_000;
    await s.take('minute', W + 180_000, 1, 10, W + 240_000); // a caller in a later minute
    await s.take('day', DAY, 1, 10, DAY + 86_400_000); // the day rule triggers the sweep
    assert.equal(await s.peek('minute', W), 0, 'the old minute is gone');
    assert.equal(await s.peek('day', DAY), 2, 'the day is kept');
    assert.equal(await s.peek('minute', W + 180_000), 1, 'the current minute is kept');
  });
});

describe('redis store', { skip: redisSkipReason() ?? false }, () => {
  let redis: TestRedis;
  const stores: RedisCounterStore[] = [];
  const open = async (url = redis.url, keyPrefix = `t${randomBytes(6).toString('hex')}:`) => {
    const s = await createRedisStore({ url, keyPrefix, commandTimeoutMs: 1_000, connectTimeoutMs: 2_000 });
    stores.push(s);
    return s;
  };
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis?.stop();
  });

  // Each contract test gets its own key prefix on the shared server: a fresh, empty store.
  counterStoreContract(() => open());

  test('two connections (two replicas) admit exactly the limit together, for take and pace', async () => {
    const prefix = `shared${randomBytes(4).toString('hex')}:`;
    const [a, b] = [await open(redis.url, prefix), await open(redis.url, prefix)];
    const takes = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).take('k', W, 1, 9, END)));
    assert.equal(takes.filter((r) => r.taken).length, 9);
    const now = W * 1000;
    const paces = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).pace('p', now, 1_000_000, 4)));
    assert.equal(paces.filter((r) => r.allowed).length, 4);
    assert.equal(await b.peek('k', W), 9, 'both see one counter');
  });

  test('counters expire with their window', async () => {
    const s = await open();
    const start = Date.now();
    await s.take('short', start, 1, 5, start + 150);
    assert.equal(await s.peek('short', start), 1);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(await s.peek('short', start), 0, 'gone one window length after its first use');
  });

  test('a password-protected Redis: the right password works; a wrong one fails clearly, without the password', async () => {
    const secret = `pw-${randomBytes(8).toString('hex')}`;
    const locked = await startRedis({ password: secret });
    try {
      const s = await open(locked.url);
      assert.deepEqual(await s.take('k', W, 1, 2, END), { taken: true, used: 1 });
      assert.ok(!s.description.includes(secret), s.description);
      const wrong = locked.url.replace(secret, 'wrong-password-123');
      await assert.rejects(open(wrong), (e: Error) => {
        assert.match(e.message, /cannot connect to redis 127\.0\.0\.1:\d+\/0/);
        assert.ok(!e.message.includes('wrong-password-123'), e.message);
        return true;
      });
    } finally {
      await locked.stop();
    }
  });

  test('an unreachable Redis at startup rejects naming host:port, never the password', async () => {
    const closed = await startRedis();
    const url = `redis://:hunter2-secret@127.0.0.1:${closed.port}/0`;
    await closed.stop();
    await assert.rejects(open(url), (e: Error) => {
      assert.match(e.message, new RegExp(`cannot connect to redis 127\\.0\\.0\\.1:${closed.port}/0`));
      assert.ok(!e.message.includes('hunter2'), e.message);
      return true;
    });
  });

  test('a Redis that dies while connected fails operations promptly instead of hanging', {
    timeout: 15_000,
  }, async () => {
    const secret = `pw-${randomBytes(8).toString('hex')}`;
    const doomed = await startRedis({ password: secret });
    const s = await createRedisStore({ url: doomed.url, commandTimeoutMs: 1_000 });
    const noSecret = (pattern: RegExp) => (e: Error) => {
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes(secret), e.message);
      return true;
    };
    try {
      assert.equal((await s.take('k', W, 1, 5, END)).taken, true);
      doomed.kill();
      await new Promise((r) => setTimeout(r, 200));
      await assert.rejects(s.take('k', W, 1, 5, END), noSecret(/redis 127\.0\.0\.1:\d+\/0 failed/));
      await assert.rejects(s.pace('p', W * 1000, 1000, 1), noSecret(/failed/));
    } finally {
      await s.close();
      await doomed.stop();
    }
  });

  test('URLs: only redis:// and rediss://, and a numeric database', async () => {
    await assert.rejects(
      createRedisStore({ url: 'http://127.0.0.1:6379' }),
      /must start with redis:\/\/ or rediss:\/\//,
    );
    await assert.rejects(createRedisStore({ url: 'not a url' }), /not a valid URL/);
    await assert.rejects(createRedisStore({ url: 'redis://127.0.0.1:6379/cache' }), /database that is not a number/);
  });
});
