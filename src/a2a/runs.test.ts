import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRunTracker, ShutdownInterruptError } from './runs.ts';

test('settled waits for runs and writes; times out with false', async () => {
  const runs = createRunTracker();
  assert.equal(await runs.settled(10), true, 'nothing in flight');
  const release = runs.addRun(() => {});
  let finishWrite!: () => void;
  runs.addWrite(new Promise<void>((r) => (finishWrite = r)));
  assert.equal(runs.runs, 1);
  assert.equal(await runs.settled(20), false);
  const waiting = runs.settled(5_000);
  release();
  finishWrite();
  assert.equal(await waiting, true);
  assert.equal(runs.runs, 0);
});

test('a failed write still settles; interruptAll aborts every run and any run added afterwards', async () => {
  const runs = createRunTracker();
  runs.addWrite(Promise.reject(new Error('disk full')));
  assert.equal(await runs.settled(1_000), true);
  const reasons: unknown[] = [];
  runs.addRun((r) => reasons.push(r));
  runs.addRun((r) => reasons.push(r));
  assert.equal(runs.interruptAll(), 2);
  runs.addRun((r) => reasons.push(r));
  assert.equal(reasons.length, 3);
  assert.ok(reasons.every((r) => r instanceof ShutdownInterruptError));
});

test('caps: admit refuses at the cap of the tracker or of a parent; setLimit changes it; releases make room', () => {
  const server = createRunTracker(undefined, { scope: 'server', limit: 3 });
  const app1 = createRunTracker(server, { scope: 'app', limit: 2 });
  const app2 = createRunTracker(server, { scope: 'app' });
  assert.equal(app1.admit(), undefined);
  const r1 = app1.addRun(() => {}, 't1');
  app1.addRun(() => {}, 't2');
  assert.deepEqual(app1.admit(), { scope: 'app', limit: 2 }, "the app's own cap");
  assert.equal(app2.admit(), undefined, 'another app is not held back by it');
  app2.addRun(() => {}, 't3');
  assert.deepEqual(app2.admit(), { scope: 'server', limit: 3 }, "the server's cap counts every app");
  assert.deepEqual(app1.admit(), { scope: 'app', limit: 2 }, 'the nearest cap is named first');
  r1();
  assert.deepEqual(app1.admit(), undefined, 'a finished run makes room');
  app1.setLimit(1);
  assert.deepEqual(app1.admit(), { scope: 'app', limit: 1 }, 'a lowered cap applies to new runs');
  assert.deepEqual(server.taskIds().sort(), ['t2', 't3'], 'runs in flight go on');
  app1.setLimit(undefined);
  server.setLimit(undefined);
  assert.equal(app1.admit(), undefined);
});
