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
