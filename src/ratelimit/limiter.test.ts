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
const alice = { appId: 'default', userId: 'alice', address: '192.0.2.1' };
const bob = { appId: 'default', userId: 'bob', address: '192.0.2.2' };
const who = (appId: string, userId: string) => ({ appId, userId, address: '192.0.2.9' });
const A = 'assistant';

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
  const results = await Promise.all(Array.from({ length: 100 }, () => rl.admitRequest(alice, A)));
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
  for (let i = 0; i < 10; i++) await rl.admitRequest(alice, A);
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
  assert.ok((await rl.admitRequest(alice, A)).allowed);
  assert.ok((await rl.admitRequest(alice, A)).allowed);
  assert.equal((await rl.admitRequest(alice, A)).allowed, false);
  clock.set(T0 + 29_999);
  assert.equal((await rl.admitRequest(alice, A)).allowed, false, 'still the same minute');
  clock.set(T0 + 30_000);
  assert.ok((await rl.admitRequest(alice, A)).allowed, 'a new minute (and a new year)');
});

test('scopes: users are counted apart, an app together, global across apps; the same user id in another app is another user', async () => {
  const { rl } = limiter([
    { type: 'count', window: 'minute', limit: 1, scope: 'user' },
    { type: 'count', window: 'minute', limit: 3, scope: 'app' },
    { type: 'count', window: 'minute', limit: 4, scope: 'global' },
  ]);
  assert.ok((await rl.admitRequest(alice, A)).allowed);
  assert.equal((await rl.admitRequest(alice, A)).allowed, false);
  assert.ok((await rl.admitRequest(bob, A)).allowed);
  assert.ok((await rl.admitRequest(who('default', 'carol'), A)).allowed);
  const app = await rl.admitRequest(who('default', 'dave'), A);
  assert.ok(!app.allowed && app.denial.rule.scope === 'app');
  assert.ok((await rl.admitRequest(who('other', 'alice'), A)).allowed);
  const global = await rl.admitRequest(who('third', 'erin'), A);
  assert.ok(!global.allowed && global.denial.rule.scope === 'global');
});

test('token reservations: concurrent calls cannot pass on a stale remainder; settling refunds or charges the difference', async () => {
  const { rl } = limiter([{ type: 'token', window: 'day', limit: 2_500, scope: 'user' }]);
  const results = await Promise.all(
    Array.from({ length: 5 }, () => rl.reserveTokens(alice, A, { minimum: 1_000, maximum: 1_000 })),
  );
  const granted = results.filter((r) => r.allowed);
  assert.equal(granted.length, 2, 'only whole reservations fit');
  assert.equal((await rl.usage(alice))[0]!.used, 2_000);
  for (const g of granted) if (g.allowed) await g.reservation.settle(300);
  assert.equal((await rl.usage(alice))[0]!.used, 600);
  if (granted[0]!.allowed) await granted[0]!.reservation.settle(5_000);
  assert.equal((await rl.usage(alice))[0]!.used, 600, 'settling twice does nothing');
  const big = await rl.reserveTokens(alice, A, { minimum: 1_000, maximum: 1_000 });
  assert.ok(big.allowed);
  await big.reservation.settle(1_400);
  assert.equal((await rl.usage(alice))[0]!.used, 2_000, 'using more than reserved is charged');
  const denied = await rl.reserveTokens(alice, A, { minimum: 600, maximum: 600 });
  assert.ok(!denied.allowed && denied.denial.remaining === 500);
});

test('count requests do not touch token quotas and the other way round', async () => {
  const { rl } = limiter([
    { type: 'count', window: 'minute', limit: 1, scope: 'user' },
    { type: 'token', window: 'minute', limit: 10, scope: 'user' },
  ]);
  assert.ok((await rl.reserveTokens(alice, A, { minimum: 10, maximum: 10 })).allowed);
  assert.ok((await rl.admitRequest(alice, A)).allowed);
  assert.equal((await rl.reserveTokens(alice, A, { minimum: 1, maximum: 1 })).allowed, false);
  assert.equal((await rl.admitRequest(alice, A)).allowed, false);
});

test('a limit below 1 or not a whole number is refused when the limiter is built', () => {
  for (const limit of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => limiter([{ type: 'count', window: 'minute', limit, scope: 'user' }]), /whole number/);
  }
});

test('burst (GCRA): B requests pass at once, then the steady rate; a denial says when the next one fits', async () => {
  const { rl, clock } = limiter([{ type: 'count', window: 'minute', limit: 60, scope: 'user', burst: 10 }]);
  const first = await Promise.all(Array.from({ length: 15 }, () => rl.admitRequest(alice, A)));
  assert.equal(first.filter((r) => r.allowed).length, 10);
  const denied = first.find((r) => !r.allowed);
  assert.ok(denied && !denied.allowed);
  assert.equal(denied.denial.retryAfterMs, 1_000, 'one request refills every second');
  assert.equal(denied.denial.capacity, 10);
  clock.set(T0 + 1_000);
  assert.ok((await rl.admitRequest(alice, A)).allowed);
  assert.equal((await rl.admitRequest(alice, A)).allowed, false);
  // Over a whole minute of steady traffic no more than the rate (plus the initial burst) gets through.
  let admitted = 0;
  for (let t = 1_000; t <= 61_000; t += 100) {
    clock.set(T0 + t);
    if ((await rl.admitRequest(alice, A)).allowed) admitted++;
  }
  assert.equal(admitted, 60);
  assert.ok((await rl.admitRequest(bob, A)).allowed, 'another user has a bucket of their own');
});

test("an agent's own rules count per agent and only for that agent, on top of the server's", async () => {
  const { rl } = limiter([
    { type: 'count', window: 'minute', limit: 5, scope: 'user' },
    { type: 'count', window: 'minute', limit: 2, scope: 'user', agent: 'expensive' },
  ]);
  assert.ok((await rl.admitRequest(alice, 'expensive')).allowed);
  assert.ok((await rl.admitRequest(alice, 'expensive')).allowed);
  const third = await rl.admitRequest(alice, 'expensive');
  assert.ok(!third.allowed && third.denial.rule.agent === 'expensive');
  assert.ok((await rl.admitRequest(alice, 'cheap')).allowed, 'other agents only see the server rule');
  assert.ok((await rl.admitRequest(alice, 'cheap')).allowed);
  assert.ok((await rl.admitRequest(alice, 'cheap')).allowed, 'the denied request was given back to the server rule');
  const server = await rl.admitRequest(alice, 'cheap');
  assert.ok(!server.allowed && server.denial.rule.agent === undefined, 'the server rule counted every agent');
  assert.equal((await rl.usage(alice, 'cheap')).length, 1);
  assert.equal((await rl.usage(alice)).length, 2);
});

test('address scope: one budget per client address, whoever signs in from it', async () => {
  const { rl } = limiter([{ type: 'count', window: 'minute', limit: 2, scope: 'address' }]);
  const from = (userId: string, address: string) => ({ appId: 'default', userId, address });
  assert.ok((await rl.admitRequest(from('alice', '198.51.100.7'), A)).allowed);
  assert.ok((await rl.admitRequest(from('bob', '198.51.100.7'), A)).allowed);
  assert.equal((await rl.admitRequest(from('carol', '198.51.100.7'), A)).allowed, false);
  assert.ok((await rl.admitRequest(from('carol', '198.51.100.8'), A)).allowed);
});

test('a reservation that does not fit whole takes what is left when that covers the minimum', async () => {
  const { rl } = limiter([
    { type: 'token', window: 'minute', limit: 1_000, scope: 'user' },
    { type: 'token', window: 'day', limit: 1_500, scope: 'user' },
  ]);
  const full = await rl.reserveTokens(alice, A, { minimum: 100, maximum: 800 });
  assert.ok(full.allowed && full.reservation.granted === 800);
  const partial = await rl.reserveTokens(alice, A, { minimum: 100, maximum: 800 });
  assert.ok(partial.allowed && partial.reservation.granted === 200, 'the minute has 200 left');
  assert.deepEqual(
    (await rl.usage(alice)).map((u) => u.used),
    [1_000, 1_000],
  );
  const none = await rl.reserveTokens(alice, A, { minimum: 100, maximum: 800 });
  assert.ok(!none.allowed && none.denial.rule.window === 'minute' && none.denial.remaining === 0);
  await partial.reservation.settle(50);
  assert.deepEqual(
    (await rl.usage(alice)).map((u) => u.used),
    [850, 850],
  );
});

test('concurrent shrinking reservations never take more than the quota together', async () => {
  const { rl } = limiter([{ type: 'token', window: 'day', limit: 10_000, scope: 'app' }]);
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => rl.reserveTokens(who('default', `u${i}`), A, { minimum: 10, maximum: 700 })),
  );
  const granted = results.reduce((sum, r) => sum + (r.allowed ? r.reservation.granted : 0), 0);
  assert.ok(granted <= 10_000, `granted ${granted}`);
  assert.ok(granted >= 10_000 - 10, 'and it is used up (nearly: a remainder below the minimum is left)');
  assert.equal((await rl.usage(alice))[0]!.used, granted);
});

test('a burst on a token rule or a month window is refused when the limiter is built', () => {
  assert.throws(() => limiter([{ type: 'token', window: 'minute', limit: 10, scope: 'user', burst: 2 }]), /burst/);
  assert.throws(() => limiter([{ type: 'count', window: 'month', limit: 10, scope: 'user', burst: 2 }]), /burst/);
});

test('a failing store denies with 503 by default and lets requests through uncounted with allow; both report it', async () => {
  const broken = {
    take: async () => Promise.reject(new Error('connection refused')),
    adjust: async () => Promise.reject(new Error('connection refused')),
    peek: async () => Promise.reject(new Error('connection refused')),
    pace: async () => Promise.reject(new Error('connection refused')),
  };
  const rules: LimitRule[] = [
    { type: 'count', window: 'minute', limit: 1, scope: 'user' },
    { type: 'token', window: 'day', limit: 10, scope: 'user' },
  ];
  const reported: unknown[] = [];
  const clock = fakeClock(T0);
  const deny = createRateLimiter({ rules, store: broken, clock, onStoreError: (e) => reported.push(e) });
  await assert.rejects(
    deny.admitRequest(alice, A),
    (e: Error) => e.name === 'UnavailableError' && /unavailable/.test(e.message) && !/refused/.test(e.message),
  );
  await assert.rejects(deny.reserveTokens(alice, A, { minimum: 1, maximum: 5 }), { name: 'UnavailableError' });
  const allow = createRateLimiter({
    rules,
    store: broken,
    clock,
    onStoreFailure: 'allow',
    onStoreError: (e) => reported.push(e),
  });
  assert.ok((await allow.admitRequest(alice, A)).allowed);
  assert.ok((await allow.admitRequest(alice, A)).allowed, 'uncounted');
  const r = await allow.reserveTokens(alice, A, { minimum: 1, maximum: 50 });
  assert.ok(r.allowed && r.reservation.granted === 50);
  assert.equal(reported.length, 5);
});

test("an app's rules apply to its own requests only and count apart from same-shaped server rules", async () => {
  const clock = fakeClock(T0);
  const store = createMemoryStore({ now: clock.now });
  const server: LimitRule = { type: 'count', window: 'day', limit: 2, scope: 'app' };
  const serverOnly = createRateLimiter({ rules: [server], clock, store });
  const withApp = createRateLimiter({ rules: [server, { ...server, app: 'app-a' }], clock, store });
  // The app's rule has the server rule's shape, yet its own counter: a request counts once against each.
  assert.equal((await withApp.admitRequest(who('app-a', 'u'), A)).allowed, true);
  assert.equal((await withApp.admitRequest(who('app-a', 'u'), A)).allowed, true);
  const third = await withApp.admitRequest(who('app-a', 'u'), A);
  assert.equal(third.allowed, false);
  const usage = await withApp.usage(who('app-a', 'u'));
  assert.deepEqual(
    usage.map((s) => s.used),
    [2, 2],
    'two counters, each at 2 (not one counter at 4)',
  );
  // The same limiter, asked for another app, leaves the rule tagged app-a out.
  assert.deepEqual(
    (await withApp.usage(who('app-b', 'u'))).map((s) => s.rule.app),
    [undefined],
  );
  assert.equal((await withApp.admitRequest(who('app-b', 'u'), A)).allowed, true);
  // A limiter of the server's rules alone shares the server rule's counter with the app's limiter.
  assert.equal((await serverOnly.usage(who('app-a', 'u')))[0]?.used, 2);
});
