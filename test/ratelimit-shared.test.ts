/**
 * The rate limiter over the SQL counter store: exact under concurrency, and one limit for several servers that
 * share a database (two separate connection pools here, as two replicas would have). PostgreSQL is the real
 * throwaway cluster of the test run; SQLite a temp file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Database, openDatabase } from '../src/persistence/index.ts';
import { createRateLimiter, type LimitRule } from '../src/ratelimit/index.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from './support/postgres.ts';

const rules: LimitRule[] = [
  { type: 'count', window: 'minute', limit: 10, scope: 'user' },
  { type: 'token', window: 'day', limit: 5_000, scope: 'app' },
];
const clock = { now: () => Date.UTC(2026, 11, 1, 12, 0, 5) };
const alice = { appId: 'default', userId: 'alice', address: '192.0.2.1' };

async function exactness(a: Database, b: Database): Promise<void> {
  const one = createRateLimiter({ rules, clock, store: a.counters });
  const two = createRateLimiter({ rules, clock, store: b.counters });
  const admitted = await Promise.all(
    Array.from({ length: 60 }, (_, i) => (i % 2 ? one : two).admitRequest(alice, 'assistant')),
  );
  assert.equal(admitted.filter((r) => r.allowed).length, 10, 'exactly the limit, across both servers');
  const reservations = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      (i % 2 ? one : two).reserveTokens({ appId: 'default', userId: `u${i}`, address: '192.0.2.1' }, 'assistant', {
        minimum: 1_000,
        maximum: 1_000,
      }),
    ),
  );
  assert.equal(reservations.filter((r) => r.allowed).length, 5, 'whole reservations only, never beyond the quota');
  for (const r of reservations) if (r.allowed) await r.reservation.settle(100);
  assert.equal((await one.usage(alice))[1]!.used, 500, 'settled to the real usage, seen by the other server too');
}

describe('rate limits over SQLite (two connections to one file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hector-rl-'));
  const dbs: Database[] = [];
  after(async () => {
    await Promise.all(dbs.map((d) => d.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  test('exact under concurrency, one limit for both', async () => {
    const url = `sqlite:${join(dir, 'rl.db')}`;
    dbs.push(await openDatabase({ url }), await openDatabase({ url }));
    await exactness(dbs[0]!, dbs[1]!);
  });
});

const skip = postgresSkipReason() ?? false;
describe('rate limits over PostgreSQL (two pools on one database)', { skip }, () => {
  let server: TestPostgres | undefined;
  const dbs: Database[] = [];
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await Promise.all(dbs.map((d) => d.close()));
    await server?.stop();
  });
  test('exact under concurrency, one limit for both', async () => {
    const url = await server!.createDatabase();
    dbs.push(await openDatabase({ url }), await openDatabase({ url }));
    await exactness(dbs[0]!, dbs[1]!);
  });
});
