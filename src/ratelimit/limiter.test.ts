import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStore, createRateLimiter, type LimitRule, windowAt } from './index.ts';

/** A clock the test moves by hand. */
function fakeClock(start: number) {
  let now = start;
  return {
    now: () => now,
    set: (t: number) => {
      now = t;
    },
  };
}

const T0 = Date.UTC(2026, 11, 31, 23, 59, 30); // 30 s before a minute, day, month and year boundary
const alice = { appId: 'default', userId: 'alice' };
const bob = { appId: 'default', userId: 'bob' };

function limiter(rules: LimitRule[], clock = fakeClock(T0)) {
  return { clock, rl: createRateLimiter({ rules, clock, store: createMemoryStore({ now: clock.now }) }) };
}

test('windows are UTC calendar windows: weeks start on Monday, months on the 1st (leap years included)', () => {
  assert.deepEqual(windowAt('minute', T0), { start: Date.UTC(2026, 11, 31, 23, 59), end: Date.UTC(2027, 0, 1) });
  assert.deepEqual(windowAt('day', T0), { start: Date.UTC(2026, 11, 31), end: Date.UTC(2027, 0, 1) });
  assert.deepEqual(windowAt('month', T0), { start: Date.UTC(2026, 11, 1), end: Date.UTC(2027, 0, 1) });
  assert.deepEqual(windowAt('month', Date.UTC(2028, 1, 29, 12)), {
    start: Date.UTC(2028, 1, 1),
    end: Date.UTC(2028, 2, 1),
  });
  // 2026-12-31 is a Thursday: its week began on Monday 2026-12-28.
  assert.deepEqual(windowAt('week', T0), { start: Date.UTC(2026, 11, 28), end: Date.UTC(2027, 0, 4) });
  assert.equal(new Date(windowAt('week', Date.UTC(2027, 0, 4)).start).getUTCDay(), 1);
  assert.deepEqual(windowAt('second', 1_500), { start: 1_000, end: 2_000 });
});

test('N concurrent requests against a limit of L admit exactly L', async () => {
  const { rl } = limiter([{ type: 'count', window: 'minute', limit: 10, scope: 'user' }]);
  const results = await Promise.all(Array.from({ length: 100 }, () => rl.admitRequest(alice)));
  assert.equal(results.filter((r) => r.allowed).length, 10);
  const denied = results.find((r) => !r.allowed);
  assert.ok(denied && !denied.allowed);
  assert.equal(denied.denial.remaining, 0);
  assert.equal(denied.denial.retryAfterMs, 30_000, 'until the minute ends');
});

test('a request denied by one rule consumes nothing from the others', async () => {
  const { rl } = limiter([
    { type: 'count', window: 'minute', limit: 3, scope: 'user' },
    { type: 'count', window: 'day', limit: 100, scope: 'user' },
  ]);
  for (let i = 0; i < 10; i++) await rl.admitRequest(alice);
  const usage = await rl.usage(alice);
  assert.deepEqual(
    usage.map((u) => [u.rule.window, u.used]),
    [
      ['minute', 3],
      ['day', 3],
    ],
  );
});

test('windows roll over: an exhausted minute opens again when the next minute starts', async () => {
  const { rl, clock } = limiter([{ type: 'count', window: 'minute', limit: 2, scope: 'user' }]);
  assert.ok((await rl.admitRequest(alice)).allowed);
  assert.ok((await rl.admitRequest(alice)).allowed);
  assert.equal((await rl.admitRequest(alice)).allowed, false);
  clock.set(T0 + 29_999);
  assert.equal((await rl.admitRequest(alice)).allowed, false, 'still the same minute');
  clock.set(T0 + 30_000);
  assert.ok((await rl.admitRequest(alice)).allowed, 'a new minute (and a new year)');
});

test('scopes: users are counted apart, an app together, global across apps; the same user id in another app is another user', async () => {
  const { rl } = limiter([
    { type: 'count', window: 'minute', limit: 1, scope: 'user' },
    { type: 'count', window: 'minute', limit: 3, scope: 'app' },
    { type: 'count', window: 'minute', limit: 4, scope: 'global' },
  ]);
  assert.ok((await rl.admitRequest(alice)).allowed);
  assert.equal((await rl.admitRequest(alice)).allowed, false);
  assert.ok((await rl.admitRequest(bob)).allowed);
  assert.ok((await rl.admitRequest({ appId: 'default', userId: 'carol' })).allowed);
  const app = await rl.admitRequest({ appId: 'default', userId: 'dave' });
  assert.ok(!app.allowed && app.denial.rule.scope === 'app');
  assert.ok((await rl.admitRequest({ appId: 'other', userId: 'alice' })).allowed);
  const global = await rl.admitRequest({ appId: 'third', userId: 'erin' });
  assert.ok(!global.allowed && global.denial.rule.scope === 'global');
});

test('token reservations: concurrent calls cannot pass on a stale remainder; settling refunds or charges the difference', async () => {
  const { rl } = limiter([{ type: 'token', window: 'day', limit: 2_500, scope: 'user' }]);
  const results = await Promise.all(Array.from({ length: 5 }, () => rl.reserveTokens(alice, 1_000)));
  const granted = results.filter((r) => r.allowed);
  assert.equal(granted.length, 2, 'only whole reservations fit');
  assert.equal((await rl.usage(alice))[0]!.used, 2_000);
  for (const g of granted) if (g.allowed) await g.reservation.settle(300);
  assert.equal((await rl.usage(alice))[0]!.used, 600);
  if (granted[0]!.allowed) await granted[0]!.reservation.settle(5_000);
  assert.equal((await rl.usage(alice))[0]!.used, 600, 'settling twice does nothing');
  const big = await rl.reserveTokens(alice, 1_000);
  assert.ok(big.allowed);
  await big.reservation.settle(1_400);
  assert.equal((await rl.usage(alice))[0]!.used, 2_000, 'using more than reserved is charged');
  const denied = await rl.reserveTokens(alice, 600);
  assert.ok(!denied.allowed && denied.denial.remaining === 500);
});

test('count requests do not touch token quotas and the other way round', async () => {
  const { rl } = limiter([
    { type: 'count', window: 'minute', limit: 1, scope: 'user' },
    { type: 'token', window: 'minute', limit: 10, scope: 'user' },
  ]);
  assert.ok((await rl.reserveTokens(alice, 10)).allowed);
  assert.ok((await rl.admitRequest(alice)).allowed);
  assert.equal((await rl.reserveTokens(alice, 1)).allowed, false);
  assert.equal((await rl.admitRequest(alice)).allowed, false);
});

test('a limit below 1 or not a whole number is refused when the limiter is built', () => {
  for (const limit of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => limiter([{ type: 'count', window: 'minute', limit, scope: 'user' }]), /whole number/);
  }
});
