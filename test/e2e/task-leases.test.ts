/**
 * Task leases through the real CLI (a2a/leases.ts): two servers on one SQLite file, as two replicas would be.
 * A run that outlives several leases on a live server is never failed by the other replica's sweeps; once its
 * server is SIGKILLed, the surviving replica fails the task within about a lease, with a message that says
 * what happened, and audits it as the agent request, `interrupted: "server_lost"`. A server started later
 * on the same file fails such tasks at startup.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { basicConfig, legacyMessage, rpc, type Server, startServer, tempDir, until } from './support.ts';

const KEY = 'sk-test-leases-0123456789';
const LOST = /the server running this task stopped before it finished \(it crashed or was killed\)/;

function lostAudits(dbPath: string, taskId: string): any[] {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const rows = db
      .prepare("SELECT event FROM audit WHERE component = 'agent' AND action = 'request' ORDER BY id")
      .all() as { event: string }[];
    return rows.map((r) => JSON.parse(r.event)).filter((e) => e.task_id === taskId && e.interrupted === 'server_lost');
  } finally {
    db.close();
  }
}

async function taskState(server: Server, taskId: string): Promise<any> {
  const { body } = await rpc(`${server.url}/agents/assistant`, 'tasks/get', { id: taskId });
  return (body.result as any)?.status;
}

/** Starts a non-blocking run whose LLM call never answers; resolves with its task id once the call is made. */
async function startHangingRun(server: Server, llm: ScriptedLlm): Promise<string> {
  const before = llm.requests.length;
  llm.enqueue({ hang: true });
  const { body } = await rpc(`${server.url}/agents/assistant`, 'message/send', {
    ...legacyMessage('this run outlives its server'),
    configuration: { blocking: false },
  });
  const taskId = (body.result as any)?.id as string;
  assert.ok(taskId, JSON.stringify(body));
  await until(() => llm.requests.length > before, 'the LLM call');
  return taskId;
}

describe('task leases: a task whose server died is failed by another (real CLI, two servers, one SQLite file)', () => {
  let llm: ScriptedLlm;
  const dir = tempDir('hector-leases-');
  const dbPath = join(dir, 'hector.db');
  const servers: Server[] = [];
  const config = basicConfig('LLM_URL', 'server:\n  task_lease: 2s\n');
  const start = async () => {
    const server = await startServer({
      config: config.replace('LLM_URL', llm.openaiBaseUrl),
      database: `sqlite:${dbPath}`,
      env: { TEST_LLM_KEY: KEY },
    });
    servers.push(server);
    return server;
  };
  before(async () => {
    llm = await startScriptedLlm({ requireApiKey: KEY });
  });
  after(async () => {
    for (const s of servers) await s.stop('SIGKILL');
    await llm?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a live server's long run survives the other replica's sweeps; after a SIGKILL the survivor fails it", async () => {
    const a = await start();
    const b = await start();

    // A run three leases long completes on A while B sweeps every half second.
    const before = llm.requests.length;
    llm.enqueue({ text: 'slow but alive', delayMs: 6_000 });
    const slow = rpc(`${a.url}/agents/assistant`, 'message/send', legacyMessage('take your time'));
    await until(() => llm.requests.length > before, 'the slow LLM call');
    const done = (await slow).body.result as any;
    assert.equal(done.status.state, 'completed', JSON.stringify(done));
    assert.match(JSON.stringify(done), /slow but alive/);
    assert.deepEqual(lostAudits(dbPath, done.id), []);

    // A run that never ends: alive on A (B's sweeps leave it alone for several leases)...
    const taskId = await startHangingRun(a, llm);
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal((await taskState(b, taskId)).state, 'working', 'a live run is never failed by a sweep');

    // ...until A is killed: B fails it within about a lease.
    const killed = Date.now();
    await a.stop('SIGKILL');
    await until(async () => (await taskState(b, taskId)).state === 'failed', 'the survivor to fail the task', 15_000);
    const waited = Date.now() - killed;
    const status = await taskState(b, taskId);
    assert.match(JSON.stringify(status.message), LOST);
    const audits = lostAudits(dbPath, taskId);
    assert.equal(audits.length, 1, 'audited once, by the one server that failed it');
    assert.equal(audits[0].success, false);
    assert.equal(audits[0].agent, 'assistant');
    assert.equal(audits[0].lease_ms, 2_000);
    assert.ok(waited >= 500, `failed ${waited} ms after the kill: only once the lease had run out`);
    await b.waitForOutput(/marked tasks failed whose server stopped while they ran/);
  });

  test('a server started after a crash fails the dead server’s tasks at startup', async () => {
    const a = await start();
    const taskId = await startHangingRun(a, llm);
    await a.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 2_100));
    const c = await start();
    // The startup sweep runs in the background as the server starts.
    await until(async () => (await taskState(c, taskId)).state === 'failed', 'the startup sweep');
    const status = await taskState(c, taskId);
    assert.match(JSON.stringify(status.message), LOST);
    assert.equal(lostAudits(dbPath, taskId).length, 1);
  });
});
