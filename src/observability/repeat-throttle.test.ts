import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditInput, AuditSink } from './audit.ts';
import { throttleRepeatedFailures } from './repeat-throttle.ts';

function recorder(): AuditSink & { events: AuditInput[]; flushed: number } {
  const events: AuditInput[] = [];
  const sink = {
    events,
    flushed: 0,
    emit: (e: AuditInput) => void events.push(e),
    flush: async () => {
      sink.flushed++;
    },
  };
  return sink;
}

function clock(start = Date.parse('2026-01-01T00:00:00.000Z')) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

const authFailure = (address: string, reason = 'invalid_credentials', request = 'req-1'): AuditInput => ({
  level: 'warn',
  component: 'auth',
  action: 'authenticate',
  user: null,
  tenant: 'default',
  success: false,
  request_id: request,
  client_address: address,
  reason,
});

const denial = (user: string, extra: Record<string, unknown> = {}): AuditInput => ({
  level: 'warn',
  component: 'ratelimit',
  action: 'deny',
  user,
  tenant: 'app-1',
  success: false,
  request_id: 'req',
  client_address: '10.0.0.9',
  stage: 'request',
  limit_type: 'count',
  window: 'minute',
  limit: 5,
  scope: 'user',
  ...extra,
});

test('a flood of one failure: the first `limit` are written, the rest counted in one repeated event', async () => {
  const sink = recorder();
  const c = clock();
  const throttle = throttleRepeatedFailures(sink, { limit: 3, windowMs: 60_000, now: c.now });
  for (let i = 0; i < 1_000; i++) throttle.emit(authFailure('203.0.113.7', 'invalid_credentials', `req-${i}`));
  assert.equal(sink.events.length, 3);
  assert.deepEqual(
    sink.events.map((e) => e.request_id),
    ['req-0', 'req-1', 'req-2'],
  );
  c.advance(30_000);
  await throttle.flush();
  assert.equal(sink.flushed, 1, 'flush reaches the sink');
  assert.equal(sink.events.length, 4);
  assert.deepEqual(sink.events[3], {
    level: 'warn',
    component: 'auth',
    action: 'repeated',
    user: null,
    tenant: 'default',
    success: false,
    request_id: null,
    repeated_action: 'authenticate',
    client_address: '203.0.113.7',
    reason: 'invalid_credentials',
    count: 997,
    window_start: '2026-01-01T00:00:00.000Z',
    window_end: '2026-01-01T00:00:30.000Z',
  });
  await throttle.flush();
  assert.equal(sink.events.length, 4, 'a summary is written once');
});

test('keys: other addresses, reasons, components and subjects are counted apart; others pass untouched', () => {
  const sink = recorder();
  const throttle = throttleRepeatedFailures(sink, { limit: 1, now: clock().now });
  const success = { ...authFailure('203.0.113.7'), success: true };
  const others: AuditInput[] = [
    authFailure('203.0.113.7'),
    authFailure('203.0.113.8'),
    authFailure('203.0.113.7', 'expired'),
    { ...authFailure('203.0.113.7'), component: 'admin', reason: undefined },
    { ...authFailure('203.0.113.7'), component: 'metrics', reason: undefined },
    denial('alice'),
    denial('bob'),
    denial('alice', { stage: 'tokens' }),
    denial('alice', { window: 'day' }),
    { ...denial('alice'), tenant: 'app-2' },
  ];
  for (let round = 0; round < 3; round++) {
    for (const e of others) throttle.emit(e);
    for (let i = 0; i < 5; i++) throttle.emit(success);
    throttle.emit({ component: 'agent', action: 'request', user: 'u', tenant: 't', success: false, request_id: 'r' });
  }
  assert.equal(sink.events.filter((e) => e.success === true).length, 15, 'successes are never throttled');
  assert.equal(sink.events.filter((e) => e.component === 'agent').length, 3, 'nor other failures');
  const failures = sink.events.filter((e) => e.success === false && e.component !== 'agent');
  assert.deepEqual(failures, others, 'each key wrote its first event, once');
});

test('windows: a new window writes again, and the ended one is summarised by the sweep or the next event', () => {
  const sink = recorder();
  const c = clock();
  const throttle = throttleRepeatedFailures(sink, { limit: 2, windowMs: 60_000, now: c.now });
  for (let i = 0; i < 5; i++) throttle.emit(authFailure('198.51.100.1'));
  for (let i = 0; i < 4; i++) throttle.emit(authFailure('198.51.100.2'));
  c.advance(60_000);
  throttle.emit(authFailure('198.51.100.1'));
  const summary1 = sink.events.find((e) => e.action === 'repeated' && e.client_address === '198.51.100.1');
  assert.equal(summary1?.count, 3);
  assert.equal(summary1?.window_end, '2026-01-01T00:01:00.000Z');
  assert.equal(sink.events.at(-1)?.action, 'authenticate', 'the new window writes again');
  assert.ok(!sink.events.some((e) => e.action === 'repeated' && e.client_address === '198.51.100.2'));
  throttle.sweep();
  const summary2 = sink.events.find((e) => e.action === 'repeated' && e.client_address === '198.51.100.2');
  assert.equal(summary2?.count, 2);
  throttle.sweep();
  assert.equal(sink.events.filter((e) => e.action === 'repeated').length, 2, 'no summary of a window twice');
});

test('a window below the limit leaves no summary; limit 0 writes every event', async () => {
  const sink = recorder();
  const c = clock();
  const throttle = throttleRepeatedFailures(sink, { limit: 5, now: c.now });
  for (let i = 0; i < 5; i++) throttle.emit(authFailure('192.0.2.1'));
  c.advance(120_000);
  await throttle.flush();
  assert.equal(sink.events.length, 5);
  assert.ok(sink.events.every((e) => e.action === 'authenticate'));

  const all = recorder();
  const open = throttleRepeatedFailures(all, { limit: 0, now: c.now });
  for (let i = 0; i < 500; i++) open.emit(authFailure('192.0.2.1'));
  await open.flush();
  assert.equal(all.events.length, 500);
});

test('an attacker rotating addresses cannot grow the keys past maxKeys; the overflow is counted under *', async () => {
  const sink = recorder();
  const c = clock();
  const throttle = throttleRepeatedFailures(sink, { limit: 1, maxKeys: 100, now: c.now });
  for (let i = 0; i < 5_000; i++) throttle.emit(authFailure(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`));
  // 100 keys write their first event; the overflow key writes its first, and counts the rest.
  assert.equal(sink.events.length, 101);
  assert.equal(sink.events[100]?.client_address, '10.0.0.100', 'a written event keeps its own address');
  await throttle.flush();
  const overflow = sink.events.filter((e) => e.action === 'repeated');
  assert.equal(overflow.length, 1);
  assert.equal(overflow[0]?.client_address, '*');
  assert.equal(overflow[0]?.count, 5_000 - 101);
});

test('field values cannot forge a key: separators and lookalikes stay apart', () => {
  const sink = recorder();
  const throttle = throttleRepeatedFailures(sink, { limit: 1, now: clock().now });
  throttle.emit(authFailure('a","b', 'c'));
  throttle.emit(authFailure('a', 'b","c'));
  throttle.emit(authFailure('a', 'b\u0000c'));
  throttle.emit({ ...authFailure('a'), client_address: null, reason: 'null' });
  throttle.emit({ ...authFailure('a'), client_address: null, reason: null });
  assert.equal(sink.events.length, 5);
});

test('a flood of bad credentials from many addresses cannot hide another tenant’s denials, nor merge tenants', async () => {
  const sink = recorder();
  const c = clock();
  const throttle = throttleRepeatedFailures(sink, { limit: 2, maxKeys: 50, maxKeysPerTenant: 50, now: c.now });
  for (let i = 0; i < 500; i++) throttle.emit(authFailure(`2001:db8:${i.toString(16)}::/64`));
  // The attacker's own app fills its denial keys too, under many users.
  for (let i = 0; i < 200; i++) throttle.emit({ ...denial(`mallory-${i}`), tenant: 'app-attacker' });
  for (let i = 0; i < 10; i++) throttle.emit({ ...denial('victim-user'), tenant: 'app-victim' });
  const victim = sink.events.filter((e) => e.tenant === 'app-victim');
  assert.equal(victim.length, 2, "the victim tenant's denials are written under its own key");
  await throttle.flush();
  const summaries = sink.events.filter((e) => e.action === 'repeated' && e.component === 'ratelimit');
  const victimSummary = summaries.filter((s) => s.tenant === 'app-victim');
  assert.equal(victimSummary.length, 1);
  assert.equal(victimSummary[0]?.count, 8);
  assert.equal(victimSummary[0]?.user, 'victim-user');
  const overflow = summaries.find((s) => s.tenant === 'app-attacker' && s.client_address === '*');
  assert.equal(overflow?.user, null, 'an overflow key of many users names none of them');
});

test('a second address of the same user is written, not counted under the first; rules of other limits apart', () => {
  const sink = recorder();
  const throttle = throttleRepeatedFailures(sink, { limit: 1, now: clock().now });
  for (let i = 0; i < 5; i++) throttle.emit(denial('alice'));
  throttle.emit({ ...denial('alice'), client_address: '203.0.113.66' });
  throttle.emit({ ...denial('alice'), limit: 50 });
  assert.deepEqual(
    sink.events.map((e) => [e.client_address, e.limit]),
    [
      ['10.0.0.9', 5],
      ['203.0.113.66', 5],
      ['10.0.0.9', 50],
    ],
  );
});

test('a summary names the user only when every event counted had that user', async () => {
  const sink = recorder();
  const throttle = throttleRepeatedFailures(sink, { limit: 1, now: clock().now });
  const unknownTenant = (user: string) => ({ ...authFailure('192.0.2.9', 'unknown_tenant'), user });
  throttle.emit(unknownTenant('alice'));
  throttle.emit(unknownTenant('alice'));
  throttle.emit(unknownTenant('bob'));
  await throttle.flush();
  const summary = sink.events.find((e) => e.action === 'repeated');
  assert.equal(summary?.count, 2);
  assert.equal(summary?.user, null);
});

test('one tenant rotating addresses fills only its own denial budget; another tenant keeps its own keys', async () => {
  const sink = recorder();
  const throttle = throttleRepeatedFailures(sink, { limit: 2, maxKeysPerTenant: 100, now: clock().now });
  for (let i = 0; i < 500; i++) {
    throttle.emit({ ...denial('mallory'), tenant: 'tenant-a', client_address: `2001:db8:${i.toString(16)}::/64` });
  }
  for (const user of ['bob', 'bob', 'carol', 'carol', 'carol']) throttle.emit({ ...denial(user), tenant: 'tenant-b' });
  assert.deepEqual(
    sink.events.filter((e) => e.tenant === 'tenant-b').map((e) => e.user),
    ['bob', 'bob', 'carol', 'carol'],
  );
  await throttle.flush();
  const b = sink.events.filter((e) => e.tenant === 'tenant-b' && e.action === 'repeated');
  assert.deepEqual(
    b.map((e) => [e.user, e.count]),
    [['carol', 1]],
  );
  const a = sink.events.filter((e) => e.tenant === 'tenant-a' && e.action === 'repeated');
  assert.deepEqual(
    a.map((e) => [e.client_address, e.count]),
    [['*', 400 - 2]],
    "past its budget, tenant-a's new addresses share one key",
  );
});

test('denial keys are bounded over all tenants too: past the total, each tenant counts under its own overflow', async () => {
  const sink = recorder();
  const throttle = throttleRepeatedFailures(sink, {
    limit: 1,
    maxKeysPerTenant: 100,
    maxDenialKeys: 300,
    now: clock().now,
  });
  let sent = 0;
  for (let t = 0; t < 10; t++) {
    for (let i = 0; i < 100; i++, sent++) {
      throttle.emit({ ...denial('u'), tenant: `app-${t}`, client_address: `10.0.${t}.${i}` });
    }
  }
  const written = sink.events.length;
  // 300 keys of their own (3 tenants' worth), then one overflow key per later tenant, each writing its first.
  assert.equal(written, 300 + 7);
  await throttle.flush();
  const summaries = sink.events.filter((e) => e.action === 'repeated');
  assert.equal(summaries.length, 7);
  assert.ok(summaries.every((s) => s.client_address === '*' && s.count === 99));
  assert.deepEqual(
    summaries.map((s) => s.tenant),
    ['app-3', 'app-4', 'app-5', 'app-6', 'app-7', 'app-8', 'app-9'],
    'never across tenants',
  );
  assert.equal(written + summaries.reduce((a, s) => a + (s.count as number), 0), sent, 'every denial accounted for');
});

test("a full total is freed by another tenant's ended windows, not only the tenant's own", async () => {
  const sink = recorder();
  const c = clock();
  const throttle = throttleRepeatedFailures(sink, {
    limit: 1,
    maxKeysPerTenant: 100,
    maxDenialKeys: 150,
    now: c.now,
  });
  for (let i = 0; i < 100; i++) throttle.emit({ ...denial('u'), tenant: 'app-a', client_address: `10.1.0.${i}` });
  for (let i = 0; i < 50; i++) throttle.emit({ ...denial('u'), tenant: 'app-b', client_address: `10.2.0.${i}` });
  c.advance(61_000);
  // app-a's windows have ended (the interval timer has not run): app-b's new keys are its own again.
  for (let i = 50; i < 100; i++) throttle.emit({ ...denial('u'), tenant: 'app-b', client_address: `10.2.0.${i}` });
  await throttle.flush();
  assert.equal(sink.events.filter((e) => e.action === 'repeated').length, 0, 'nothing went to an overflow key');
  assert.equal(sink.events.filter((e) => e.tenant === 'app-b').length, 100);
});
