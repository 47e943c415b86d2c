import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TaskState, taskStateToJSON } from '@a2a-js/sdk';
import type { AuditInput, AuditSink, Logger } from '../observability/index.ts';
import { type Database, openDatabase, type TaskStore } from '../persistence/index.ts';
import { createTaskLeases, isActiveState, SERVER_LOST_MESSAGE } from './leases.ts';
import { createRunTracker } from './runs.ts';

const scope = { appId: 'default', userId: 'alice' };

function audit(): AuditSink & { events: AuditInput[] } {
  const events: AuditInput[] = [];
  return { events, emit: (e) => void events.push(e), flush: async () => {} };
}

const warnings: string[] = [];
const logger = {
  warn: (_fields: unknown, message: string) => void warnings.push(message),
  info: () => {},
  error: () => {},
  debug: () => {},
} as unknown as Logger;

async function withDb(clock: { now(): number }, fn: (db: Database) => Promise<void>): Promise<void> {
  const db = await openDatabase({ url: ':memory:' }, { clock });
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

const save = (db: Database, id: string) =>
  db.tasks.save(scope, {
    id,
    contextId: 'ctx',
    agent: 'assistant',
    state: 'TASK_STATE_WORKING',
    task: { id, contextId: 'ctx', status: { state: 'TASK_STATE_WORKING' }, history: [] },
    leaseMs: 1_000,
  });

test("a sweep fails expired tasks once, audited, but never this server's own runs, however late its renewals", async () => {
  const clock = { t: Date.now(), now: () => clock.t };
  await withDb(clock, async (db) => {
    for (const id of ['dead-1', 'dead-2', 'mine']) await save(db, id);
    const runs = createRunTracker();
    const release = runs.addRun(() => {}, 'mine');
    const trail = audit();
    const leases = createTaskLeases({ tasks: db.tasks, runs, leaseMs: 1_000, audit: trail, logger });
    clock.t += 2_000;
    assert.equal(await leases.sweep(), 2);
    assert.equal(await leases.sweep(), 0, 'once');
    assert.equal((await db.tasks.get(scope, 'mine'))?.state, 'TASK_STATE_WORKING', 'its own run is left alone');
    const dead = await db.tasks.get(scope, 'dead-1');
    assert.equal(dead?.state, 'TASK_STATE_FAILED');
    assert.match(JSON.stringify(dead?.task), /it crashed or was killed/);
    assert.deepEqual(
      trail.events.map((e) => [e.task_id, e.interrupted, e.success, e.user, e.tenant]),
      [
        ['dead-1', 'server_lost', false, 'alice', 'default'],
        ['dead-2', 'server_lost', false, 'alice', 'default'],
      ],
    );
    // Renewed, the run's lease is good again; released and expired, another sweep takes it.
    await leases.renew();
    assert.deepEqual(await db.tasks.expiredLeases(10), []);
    release();
    clock.t += 2_000;
    assert.equal(await leases.sweep(), 1);
  });
});

test('a damaged task row is failed with what can be known of it; the sweep goes on to the others', async () => {
  const clock = { t: Date.now(), now: () => clock.t };
  await withDb(clock, async (db) => {
    await save(db, 'ok');
    const tasks: TaskStore = {
      ...db.tasks,
      expiredLeases: async (limit) =>
        (await db.tasks.expiredLeases(limit)).flatMap((row) => [
          { ...row, id: 'damaged', task: null },
          { ...row, id: 'damaged-2', task: 'not a task' },
          row,
        ]),
      replaceExpired: async (s, id, update) => {
        if (id.startsWith('damaged')) {
          assert.match(JSON.stringify(update.task), new RegExp(`"id":"${id}"`));
          assert.ok(JSON.stringify(update.task).includes(SERVER_LOST_MESSAGE));
          return true;
        }
        return db.tasks.replaceExpired(s, id, update);
      },
    };
    const leases = createTaskLeases({ tasks, runs: createRunTracker(), leaseMs: 1_000, audit: audit(), logger });
    clock.t += 2_000;
    assert.equal(await leases.sweep(), 3);
    assert.equal((await db.tasks.get(scope, 'ok'))?.state, 'TASK_STATE_FAILED');
  });
});

test('a sweep that hangs (a locked row) never holds up the renewals, nor the stop', async () => {
  const clock = { now: () => Date.now() };
  await withDb(clock, async (db) => {
    let renewals = 0;
    let sweeps = 0;
    const tasks: TaskStore = {
      ...db.tasks,
      renewLeases: async () => {
        renewals++;
      },
      expiredLeases: () => {
        sweeps++;
        return new Promise(() => {});
      },
    };
    const runs = createRunTracker();
    runs.addRun(() => {}, 'mine');
    warnings.length = 0;
    const leases = createTaskLeases({ tasks, runs, leaseMs: 2_000, audit: audit(), logger });
    leases.start();
    // Beats every 500 ms: wait for several renewals while the first sweep never returns.
    for (let i = 0; i < 100 && renewals < 3; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(renewals >= 3, `renewals went on: ${renewals}`);
    assert.equal(sweeps, 1, 'no second sweep starts while one is stuck');
    for (let i = 0; i < 100 && warnings.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(warnings.join('\n'), /running for longer than a lease/);
    await leases.stop();
    const before = renewals;
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(renewals, before, 'no renewal after stop');
  });
});

test("the store's active states are the SDK's names for submitted and working, and only those", () => {
  for (const [name, state] of Object.entries(TaskState)) {
    if (typeof state !== 'number') continue;
    const active = state === TaskState.TASK_STATE_SUBMITTED || state === TaskState.TASK_STATE_WORKING;
    assert.equal(isActiveState(taskStateToJSON(state)), active, name);
  }
});
