/**
 * Graceful shutdown of the real CLI (server/shutdown.ts): SIGTERM with an agent run in flight. The run that
 * finishes within server.shutdown_timeout completes for its client; one that does not is interrupted, its task
 * saved `failed` and audited; new connections are refused meanwhile; the process exits 0 within its bound and
 * the audit events of the request are in the database.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { basicConfig, legacyMessage, readSse, type Server, startServer, tempDir, until } from './support.ts';

const KEY = 'sk-test-shutdown-0123456789';
const SHUTDOWN_MESSAGE = 'the server shut down before this task finished; send the message again';

function auditRows(dbPath: string, requestId: string): { component: string; action: string; event: any }[] {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const rows = db
      .prepare('SELECT component, action, event FROM audit WHERE request_id = ? ORDER BY id')
      .all(requestId) as { component: string; action: string; event: string }[];
    return rows.map((r) => ({ ...r, event: JSON.parse(r.event) }));
  } finally {
    db.close();
  }
}

function taskRow(dbPath: string, taskId: string): { state: string; task: any } | undefined {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const row = db.prepare('SELECT state, task FROM tasks WHERE id = ?').get(taskId) as
      | { state: string; task: string }
      | undefined;
    return row && { state: row.state, task: JSON.parse(row.task) };
  } finally {
    db.close();
  }
}

/** Whether a new TCP connection to `url` is refused (fetch fails with ECONNREFUSED). */
async function refused(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    return false;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return cause?.code === 'ECONNREFUSED';
  }
}

describe('graceful shutdown (real CLI, SIGTERM)', () => {
  let llm: ScriptedLlm;
  before(async () => {
    llm = await startScriptedLlm({ requireApiKey: KEY });
  });
  const dirs: string[] = [];
  after(async () => {
    await llm?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function start(shutdownTimeout: string): Promise<{ server: Server; dbPath: string }> {
    const dir = tempDir('hector-shutdown-');
    dirs.push(dir);
    const server = await startServer({
      dir,
      config: basicConfig(llm.openaiBaseUrl, `server:\n  shutdown_timeout: ${shutdownTimeout}\n`),
      env: { TEST_LLM_KEY: KEY },
    });
    return { server, dbPath: join(dir, 'hector.db') };
  }

  test('a request in flight completes, new connections are refused, exit 0, its audit events are stored', async () => {
    const { server, dbPath } = await start('10s');
    const before = llm.requests.length;
    llm.enqueue({ text: 'finished after the signal', delayMs: 1_500 });
    const inFlight = fetch(`${server.url}/agents/assistant`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: legacyMessage('slow one') }),
    });
    await until(() => llm.requests.length > before, 'the LLM call');
    const signalled = Date.now();
    const exited = server.stop('SIGTERM');
    await until(() => /signal received: stopping gracefully/.test(server.output()), 'the shutdown log line');

    assert.equal(await refused(server.url), true, 'a new connection during shutdown must be refused');

    const res = await inFlight;
    assert.equal(res.status, 200);
    const requestId = res.headers.get('x-request-id')!;
    const body = (await res.json()) as any;
    assert.equal(body.result.status.state, 'completed');
    assert.match(JSON.stringify(body.result), /finished after the signal/);

    assert.equal(await exited, 0, server.output());
    assert.ok(Date.now() - signalled < 10_000, 'exited within shutdown_timeout');
    const rows = auditRows(dbPath, requestId);
    const run = rows.find((r) => r.component === 'agent' && r.action === 'request');
    assert.ok(run, `the agent request is audited: ${JSON.stringify(rows)}`);
    assert.equal(run.event.success, true);
    assert.equal(run.event.interrupted, undefined);
  });

  test('a run past shutdown_timeout is interrupted: its stream ends failed, the task is stored failed and audited', async () => {
    const { server, dbPath } = await start('1s');
    const before = llm.requests.length;
    llm.enqueue({ hang: true });
    const stream = fetch(`${server.url}/agents/assistant`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/stream', params: legacyMessage('never ends') }),
    });
    await until(() => llm.requests.length > before, 'the LLM call');
    const signalled = Date.now();
    const code = server.stop('SIGTERM');
    const res = await stream;
    const requestId = res.headers.get('x-request-id')!;
    const events = await readSse(res);
    assert.equal(await code, 0, server.output());
    const elapsed = Date.now() - signalled;
    // 1 s of shutdown_timeout plus at most 2 × 2 s for interrupted runs; in practice far less.
    assert.ok(elapsed < 6_000, `exited after ${elapsed} ms`);

    const last = events.at(-1) as any;
    assert.equal(last.result.status.state, 'failed', JSON.stringify(events));
    assert.match(JSON.stringify(last.result.status.message), /the server shut down before this task finished/);
    const taskId = last.result.taskId as string;

    const task = taskRow(dbPath, taskId);
    assert.equal(task?.state, 'TASK_STATE_FAILED');
    assert.match(JSON.stringify(task?.task), new RegExp(SHUTDOWN_MESSAGE));
    const run = auditRows(dbPath, requestId).find((r) => r.component === 'agent' && r.action === 'request');
    assert.ok(run, 'the interrupted run is audited');
    assert.equal(run.event.success, false);
    assert.equal(run.event.interrupted, 'shutdown');
    assert.match(server.output(), /interrupting agent runs still in flight/);
    await until(() => llm.requests.at(-1)?.clientAborted === true, 'the LLM call to be aborted', 2_000);
  });
});
