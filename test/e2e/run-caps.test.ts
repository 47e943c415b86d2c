/**
 * Caps on agent runs in flight, through the real CLI: an admin's `max_concurrent_runs` on an app, and
 * `server.max_concurrent_runs` over every app. A burst of messages cannot slip under a cap (the check and the
 * registration of a run are one step); a message over it gets a rejected task that says which cap, and is
 * audited; another app is not held back by one app's cap; a run that finishes makes room; a PUT changes the cap
 * for new runs; bad values are a 400.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { adminRequest, legacyMessage, requestJson, type Server, startServer, tempDir, until } from './support.ts';

const ADMIN = 'admin-secret-run-caps-0123456789';

function fileConfig(llmUrl: string, serverCap: number) {
  return `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${LLM_KEY}", base_url: "${llmUrl}", max_retries: 0}
agents:
  support:
    description: the file's support agent
server:
  max_concurrent_runs: ${serverCap}
`;
}

const appConfig = (llmUrl: string) => ({
  llms: { default: { provider: 'openai', model: 'm', api_key: 'sk-app-0123456789abcdef', base_url: llmUrl } },
  agents: { support: { description: 'the app support agent' } },
});

/** A non-blocking message: the run goes on after the answer. */
const send = (server: Server, token: string, text = 'hi') =>
  requestJson(`${server.url}/agents/support`, {
    method: 'POST',
    token,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'message/send',
      params: { ...legacyMessage(text), configuration: { blocking: false } },
    }),
  });

const admin = (server: Server, method: string, path: string, body?: Record<string, unknown>) =>
  adminRequest(server.url, ADMIN, method, path, body);

describe('caps on agent runs in flight (real CLI, Admin API)', () => {
  let llm: ScriptedLlm;
  let server: Server;
  const dir = tempDir('hector-caps-');
  let alpha: { id: string; token: string };
  let beta: { id: string; token: string };

  before(async () => {
    llm = await startScriptedLlm();
    server = await startServer({
      dir,
      config: fileConfig(llm.openaiBaseUrl, 5),
      env: { LLM_KEY: 'sk-file-0123456789', HECTOR_AUTH_SECRET: ADMIN },
    });
    const create = async (name: string, extra: Record<string, unknown>) => {
      const r = await admin(server, 'POST', '/admin/apps', {
        name,
        config: appConfig(llm.openaiBaseUrl),
        allowed_ranges: ['127.0.0.0/8'],
        ...extra,
      });
      assert.equal(r.status, 201, r.text);
      return { id: r.body.app.id as string, token: r.body.access_token as string };
    };
    alpha = await create('alpha', { max_concurrent_runs: 2 });
    beta = await create('beta', {});
  });
  after(async () => {
    await server?.stop('SIGKILL');
    await llm?.close();
  });

  test('a burst against an app cap of 2 admits exactly 2; the rest are rejected, saying so; other apps go on', async () => {
    assert.equal((await admin(server, 'GET', `/admin/apps/${alpha.id}`)).body.app.max_concurrent_runs, 2);
    assert.equal((await admin(server, 'GET', `/admin/apps/${beta.id}`)).body.app.max_concurrent_runs, null);
    for (let i = 0; i < 10; i++) llm.enqueue({ hang: true });
    const before = llm.requests.length;
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => send(server, alpha.token, `burst ${i}`)));
    const states = burst.map((r) => r.body.result?.status?.state);
    assert.equal(states.filter((s) => s === 'rejected').length, 6, JSON.stringify(states));
    assert.equal(states.filter((s) => s === 'submitted' || s === 'working').length, 2, JSON.stringify(states));
    const refusal = burst.find((r) => r.body.result.status.state === 'rejected')!;
    assert.match(
      JSON.stringify(refusal.body.result.status.message),
      /this app already has 2 agent runs in flight, its cap \(max_concurrent_runs\)/,
    );
    await until(() => llm.requests.length >= before + 2, 'the two admitted LLM calls');

    // beta has no cap of its own: it is not held back by alpha's.
    const other = await send(server, beta.token);
    assert.notEqual(other.body.result.status.state, 'rejected', other.text);
    await until(() => llm.requests.length >= before + 3, "beta's LLM call");
    assert.equal(llm.requests.length, before + 3, 'a rejected message never reaches the LLM');

    const db = new DatabaseSync(join(dir, 'hector.db'), { readOnly: true });
    try {
      const refused = (
        db
          .prepare("SELECT event FROM audit WHERE component = 'agent' AND action = 'request' AND app_id = ?")
          .all(alpha.id) as { event: string }[]
      )
        .map((r) => JSON.parse(r.event))
        .filter((e) => e.refused === 'max_concurrent_runs');
      assert.equal(refused.length, 6);
      assert.ok(refused.every((e) => e.success === false && e.cap_scope === 'app' && e.cap === 2));
    } finally {
      db.close();
    }
  });

  test("the server's cap counts every app; a canceled run makes room; a PUT raises the app's cap", async () => {
    // In flight now: alpha 2, beta 1 (from the test before). The server's cap is 5.
    for (let i = 0; i < 10; i++) llm.enqueue({ hang: true });
    const b1 = await send(server, beta.token);
    const b2 = await send(server, beta.token);
    assert.notEqual(b1.body.result.status.state, 'rejected');
    assert.notEqual(b2.body.result.status.state, 'rejected');
    const over = await send(server, beta.token);
    assert.equal(over.body.result.status.state, 'rejected');
    assert.match(
      JSON.stringify(over.body.result.status.message),
      /the server is at its limit of agent runs in flight \(server\.max_concurrent_runs\); send the message again shortly/,
    );

    // Canceling one of beta's runs makes room for one more.
    const cancel = await requestJson(`${server.url}/agents/support`, {
      method: 'POST',
      token: beta.token,
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tasks/cancel', params: { id: b1.body.result.id } }),
    });
    assert.equal(cancel.body.result?.status?.state, 'canceled', cancel.text);
    await until(async () => (await send(server, beta.token)).body.result.status.state !== 'rejected', 'room');

    // alpha's cap raised to 3 cannot exceed the server's: the server is full again.
    const put = await admin(server, 'PUT', `/admin/apps/${alpha.id}`, { max_concurrent_runs: 3 });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.app.max_concurrent_runs, 3);
    const full = await send(server, alpha.token);
    assert.match(JSON.stringify(full.body.result.status.message), /server\.max_concurrent_runs/);
    assert.doesNotMatch(JSON.stringify(full.body.result.status.message), /\b5\b/, "the server's cap is not quoted");
  });

  test('bad caps are a 400 that names the field, and change nothing', async () => {
    for (const bad of [0, -1, 1.5, '3', 100_001, true, {}]) {
      const r = await admin(server, 'PUT', `/admin/apps/${beta.id}`, { max_concurrent_runs: bad });
      assert.equal(r.status, 400, `${JSON.stringify(bad)}: ${r.text}`);
      assert.match(r.text, /max_concurrent_runs must be null .* or a whole number from 1 to 100000/);
    }
    const created = await admin(server, 'POST', '/admin/apps', {
      name: 'gamma',
      config: appConfig(llm.openaiBaseUrl),
      max_concurrent_runs: 0,
    });
    assert.equal(created.status, 400);
    assert.equal((await admin(server, 'GET', '/admin/apps')).body.apps.length, 2, 'nothing was created');
    assert.equal((await admin(server, 'GET', `/admin/apps/${beta.id}`)).body.app.max_concurrent_runs, null);
    const cleared = await admin(server, 'PUT', `/admin/apps/${alpha.id}`, { max_concurrent_runs: null });
    assert.equal(cleared.body.app.max_concurrent_runs, null);
  });
});

describe('caps and tasks already started (real CLI, server.max_concurrent_runs: 1)', () => {
  const KEY = 'alice-key-run-caps-0123456789';
  const BOB = 'bob-key-run-caps-0123456789ab';
  let llm: ScriptedLlm;
  let server: Server;
  let n = 0;
  const message = (parts: unknown[], ids: { taskId?: string; contextId?: string } = {}, blocking = true) => ({
    message: { kind: 'message', role: 'user', messageId: `cap-${++n}`, parts, ...ids },
    ...(blocking ? {} : { configuration: { blocking: false } }),
  });
  const rpc = (method: string, params: unknown) =>
    requestJson(`${server.url}/agents/writer`, {
      method: 'POST',
      token: KEY,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
  const text = (t: string) => ({ kind: 'text', text: t });

  before(async () => {
    llm = await startScriptedLlm();
    server = await startServer({
      config: `version: "2"
llms:
  default: {provider: openai, model: m, base_url: "${llm.openaiBaseUrl}", max_retries: 0}
tools:
  write_file: {type: function, handler: write_file, working_directory: ./ws, approval_prompt: "Allow writing to {path}?"}
agents:
  writer: {tools: [write_file]}
server:
  max_concurrent_runs: 1
  auth:
    api_keys: [{key: "\${ALICE_KEY}", subject: alice}, {key: "\${BOB_KEY}", subject: bob}]
`,
      env: { ALICE_KEY: KEY, BOB_KEY: BOB },
    });
  });
  after(async () => {
    await server?.stop('SIGKILL');
    await llm?.close();
  });

  test('a paused task resumed at the cap stays paused, its decision kept, and goes on once there is room', async () => {
    llm.enqueue({ toolCalls: [{ id: 'w1', name: 'write_file', args: { path: 'a.txt', content: 'A' } }] });
    const paused = (await rpc('message/send', message([text('write a.txt')]))).body.result;
    assert.equal(paused.status.state, 'input-required', JSON.stringify(paused));

    // Another run takes the one slot.
    llm.enqueue({ hang: true });
    const busy = (await rpc('message/send', message([text('hang')], {}, false))).body.result;
    await until(async () => (await rpc('tasks/get', { id: busy.id })).body.result.status.state === 'working', 'busy');

    const before = llm.requests.length;
    const decided = await rpc(
      'message/send',
      message([{ kind: 'data', data: { type: 'tool_approval', decision: 'approve', tool_call_id: 'w1' } }], {
        taskId: paused.id,
        contextId: paused.contextId,
      }),
    );
    const status = decided.body.result?.status;
    assert.equal(status?.state, 'input-required', decided.text);
    assert.match(JSON.stringify(status.message), /server is at its limit of agent runs in flight/);
    assert.equal(llm.requests.length, before, 'the resumed run did not start');

    const canceled = await rpc('tasks/cancel', { id: busy.id });
    assert.equal(canceled.body.result?.status?.state, 'canceled', canceled.text);
    llm.enqueue({ text: 'wrote it after the wait' });
    const resumed = await rpc(
      'message/send',
      message([text('go on')], { taskId: paused.id, contextId: paused.contextId }),
    );
    assert.equal(resumed.body.result?.status?.state, 'completed', resumed.text);
    assert.match(JSON.stringify(resumed.body.result), /wrote it after the wait/);
  });

  test('a message to a task whose run is still going is a conflict error, and the run is not disturbed', async () => {
    llm.enqueue({ hang: true });
    const running = (await rpc('message/send', message([text('hang again')], {}, false))).body.result;
    await until(
      async () => (await rpc('tasks/get', { id: running.id })).body.result.status.state === 'working',
      'the run',
    );
    for (const method of ['message/send', 'message/stream']) {
      const again = await rpc(method, message([text('and this too')], { taskId: running.id }));
      assert.equal(again.body.error?.code, -32049, again.text);
      assert.match(again.body.error.message, /this task is still running: wait for its answer/);
    }
    // Another user's message to that task id is answered as for any unknown id, not "still running".
    const bob = await requestJson(`${server.url}/agents/writer`, {
      method: 'POST',
      token: BOB,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 4,
        method: 'message/send',
        params: message([text('hi')], { taskId: running.id }),
      }),
    });
    assert.ok(bob.body.error, bob.text);
    assert.doesNotMatch(bob.text, /still running/);
    assert.match(bob.text, /not found/i);
    // The 1.0 method with the proto spelling task_id, which the SDK also reads.
    const core = await requestJson(`${server.url}/agents/writer`, {
      method: 'POST',
      token: KEY,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'SendMessage',
        params: {
          message: { messageId: `core-${++n}`, task_id: running.id, role: 'ROLE_USER', parts: [{ text: 'x' }] },
        },
      }),
    });
    assert.equal(core.body.error?.code, -32049, core.text);
    assert.equal((await rpc('tasks/get', { id: running.id })).body.result.status.state, 'working');
    const canceled = await rpc('tasks/cancel', { id: running.id });
    assert.equal(canceled.body.result?.status?.state, 'canceled', 'the run can still be canceled');
    const before = llm.requests.length;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(llm.requests.length, before, 'and no second run started');
  });

  test('messages sent at once to one paused task start one run; another user learns nothing of the task', async () => {
    llm.enqueue({ toolCalls: [{ id: 'w2', name: 'write_file', args: { path: 'b.txt', content: 'B' } }] });
    const paused = (await rpc('message/send', message([text('write b.txt')]))).body.result;
    assert.equal(paused.status.state, 'input-required');
    llm.enqueue({ delayMs: 500, text: 'wrote b.txt' });
    const before = llm.requests.length;
    const decide = () =>
      rpc(
        'message/send',
        message([{ kind: 'data', data: { type: 'tool_approval', decision: 'approve', tool_call_id: 'w2' } }], {
          taskId: paused.id,
          contextId: paused.contextId,
        }),
      );
    const answers = await Promise.all([decide(), decide(), decide()]);
    const completed = answers.filter((a) => a.body.result?.status?.state === 'completed');
    assert.equal(completed.length, 1, JSON.stringify(answers.map((a) => a.body)));
    assert.ok(
      answers.every((a) => a.body.result?.status?.state === 'completed' || a.body.error),
      'the others are refused',
    );
    assert.equal(llm.requests.length, before + 1, 'one run, one LLM call');
  });

  test("another user's messages with the task id, sent alongside, never switch off the owner's claim", async () => {
    llm.enqueue({ toolCalls: [{ id: 'w3', name: 'write_file', args: { path: 'c.txt', content: 'C' } }] });
    const paused = (await rpc('message/send', message([text('write c.txt')]))).body.result;
    assert.equal(paused.status.state, 'input-required');
    llm.enqueue({ delayMs: 300, text: 'wrote c.txt' });
    const before = llm.requests.length;
    const bob = () =>
      requestJson(`${server.url}/agents/writer`, {
        method: 'POST',
        token: BOB,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 5,
          method: 'message/send',
          params: message([text('x')], { taskId: paused.id }),
        }),
      });
    const alice = () =>
      rpc(
        'message/send',
        message([{ kind: 'data', data: { type: 'tool_approval', decision: 'approve', tool_call_id: 'w3' } }], {
          taskId: paused.id,
          contextId: paused.contextId,
        }),
      );
    const all = await Promise.all([
      ...Array.from({ length: 10 }, bob),
      alice(),
      ...Array.from({ length: 10 }, bob),
      alice(),
      alice(),
    ]);
    const mine = all.slice(10, 11).concat(all.slice(21));
    assert.equal(mine.filter((a) => a.body.result?.status?.state === 'completed').length, 1, JSON.stringify(mine));
    assert.equal(llm.requests.length, before + 1, 'one run');
    assert.ok(
      all.slice(0, 10).every((b) => /not found/i.test(b.text)),
      'bob learns nothing',
    );
  });

  test('a client that leaves a message stream does not lose the answer: the run is saved to the end', async () => {
    llm.enqueue({ delayMs: 600, text: 'the answer nobody waited for' });
    const controller = new AbortController();
    const res = await fetch(`${server.url}/agents/writer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'message/stream', params: message([text('stream me')]) }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const taskId = /"(?:taskId|id)":"([0-9a-f-]{36})"/.exec(first)?.[1];
    assert.ok(taskId, first);
    controller.abort();
    await until(
      async () => (await rpc('tasks/get', { id: taskId })).body.result?.status?.state === 'completed',
      'the run to be saved',
    );
    assert.match(JSON.stringify((await rpc('tasks/get', { id: taskId })).body.result), /the answer nobody waited for/);
  });
});
