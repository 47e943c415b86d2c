/** The real CLI against the scripted LLM, driven by the official A2A client and by raw JSON-RPC. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Task, TaskState } from '@a2a-js/sdk';
import { Client, ClientFactory } from '@a2a-js/sdk/client';
import { LegacyJsonRpcTransport } from '@a2a-js/sdk/compat/v0_3/client';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import {
  basicConfig,
  coreRequest,
  legacyMessage,
  readSse,
  rpc,
  type Server,
  startServer,
  startStreamingTask,
} from './support.ts';

const KEY = 'sk-test-e2e-0123456789abcdef';

describe('A2A server end to end', () => {
  let llm: ScriptedLlm;
  let server: Server;
  let agentUrl: string;

  before(async () => {
    llm = await startScriptedLlm({ requireApiKey: KEY });
    server = await startServer({ config: basicConfig(llm.openaiBaseUrl), env: { TEST_LLM_KEY: KEY } });
    agentUrl = `${server.url}/agents/assistant`;
  });
  after(async () => {
    await server?.stop();
    await llm?.close();
  });

  test('discovery, cards and health', async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as any;
    assert.equal(health.status, 'ok');
    assert.equal(health.agents, 1);
    assert.equal(health.storage, 'sqlite');

    const list = (await (await fetch(`${server.url}/agents`)).json()) as any;
    assert.equal(list.total, 1);
    assert.equal(list.agents[0].name, 'assistant');
    assert.equal(list.agents[0].url, agentUrl);

    for (const path of [
      '/agents/assistant',
      '/agents/assistant/.well-known/agent-card.json',
      '/.well-known/agent-card.json',
    ]) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 200, path);
      const card = (await res.json()) as any;
      assert.equal(card.url, agentUrl, path);
      assert.equal(card.protocolVersion, '0.3.0');
      assert.equal(card.capabilities.streaming, true);
      assert.ok(card.supportedInterfaces.some((i: { protocolVersion: string }) => i.protocolVersion === '1.0'));
    }
    const missing = await fetch(`${server.url}/agents/nope`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as any).error.message, /agent "nope" not found/);
  });

  test('official client (A2A 1.0): send, history per context, get', async () => {
    const client = await new ClientFactory().createFromUrl(server.url, '/agents/assistant/.well-known/agent-card.json');
    llm.enqueue({ text: 'Hello from the scripted model.' });
    const first = await client.sendMessage(coreRequest('Hi, I am Ada.'));
    assert.ok('status' in first, 'expected a Task');
    const task = first as Task;
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED);
    const answer = task.status?.message?.parts[0]?.content;
    assert.deepEqual(answer, { $case: 'text', value: 'Hello from the scripted model.' });
    // The API key reached the provider (the scripted server refuses requests without it).
    assert.equal(llm.requests.at(-1)!.headers.authorization, `Bearer ${KEY}`);

    llm.enqueue({ text: 'Your name is Ada.' });
    const second = (await client.sendMessage(coreRequest('What is my name?', task.contextId))) as Task;
    assert.equal(second.status?.state, TaskState.TASK_STATE_COMPLETED);
    const sent = JSON.stringify(llm.requests.at(-1)!.body);
    assert.match(sent, /Hi, I am Ada\./, 'history of the context reaches the model');
    assert.match(sent, /Hello from the scripted model\./);
    assert.match(sent, /You are a test assistant\./, 'instruction is the system prompt');

    const fetched = await client.getTask({ tenant: '', id: second.id, historyLength: undefined });
    assert.equal(fetched.id, second.id);
    assert.equal(fetched.status?.state, TaskState.TASK_STATE_COMPLETED);

    llm.enqueue({ text: 'Fresh context.' });
    await client.sendMessage(coreRequest('Who am I?'));
    assert.doesNotMatch(JSON.stringify(llm.requests.at(-1)!.body), /Ada/, 'a new context has no history');
  });

  test("official client (A2A 1.0): ListTasks pages through this agent's tasks of a context", async () => {
    const client = await new ClientFactory().createFromUrl(server.url, '/agents/assistant/.well-known/agent-card.json');
    llm.enqueue({ text: 'one' }, { text: 'two' }, { text: 'three' });
    const first = (await client.sendMessage(coreRequest('t1'))) as Task;
    await client.sendMessage(coreRequest('t2', first.contextId));
    await client.sendMessage(coreRequest('t3', first.contextId));
    const page1 = await client.listTasks({
      tenant: '',
      contextId: first.contextId,
      status: 0,
      pageSize: 2,
      pageToken: '',
      historyLength: undefined,
      statusTimestampAfter: undefined,
      includeArtifacts: false,
    } as any);
    assert.equal(page1.tasks.length, 2);
    assert.ok(page1.nextPageToken);
    const page2 = await client.listTasks({
      tenant: '',
      contextId: first.contextId,
      status: 0,
      pageSize: 2,
      pageToken: page1.nextPageToken,
      historyLength: undefined,
      statusTimestampAfter: undefined,
      includeArtifacts: false,
    } as any);
    assert.equal(page2.tasks.length, 1);
    const ids = new Set([...page1.tasks, ...page2.tasks].map((t) => t.id));
    assert.equal(ids.size, 3);
    assert.ok(ids.has(first.id));
  });

  test('official client (A2A 1.0): streaming delivers chunks then completion', async () => {
    const client = await new ClientFactory().createFromUrl(server.url, '/agents/assistant/.well-known/agent-card.json');
    llm.enqueue({ chunks: ['Stream', 'ing ', 'works.'] });
    const events = [];
    for await (const ev of client.sendMessageStream(coreRequest('stream please'))) events.push(ev);
    const text = events
      .flatMap((e) => (e.payload?.$case === 'artifactUpdate' ? (e.payload.value.artifact?.parts ?? []) : []))
      .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
      .join('');
    assert.equal(text, 'Streaming works.');
    const last = events.at(-1)!;
    assert.equal(last.payload?.$case, 'statusUpdate');
    if (last.payload?.$case === 'statusUpdate') {
      assert.equal(last.payload.value.status?.state, TaskState.TASK_STATE_COMPLETED);
    }
  });

  test('official client over A2A 0.3 method names (message/send, tasks/get)', async () => {
    const card = await new ClientFactory()
      .createFromUrl(server.url, '/agents/assistant/.well-known/agent-card.json')
      .then((c) => c.getAgentCard());
    const client = new Client(new LegacyJsonRpcTransport({ endpoint: agentUrl }), card);
    llm.enqueue({ text: 'legacy ok' });
    const result = (await client.sendMessage(coreRequest('legacy hello'))) as Task;
    assert.equal(result.status?.state, TaskState.TASK_STATE_COMPLETED);
    const got = await client.getTask({ tenant: '', id: result.id, historyLength: undefined });
    assert.equal(Task.toJSON(got) !== undefined, true);
    assert.equal(got.status?.state, TaskState.TASK_STATE_COMPLETED);
  });

  test('raw JSON-RPC 0.3: message/send returns a task with kind fields; message/stream is SSE', async () => {
    llm.enqueue({ text: 'raw answer' });
    const { status, body } = await rpc(agentUrl, 'message/send', legacyMessage('raw hello'));
    assert.equal(status, 200);
    const result = body.result as Record<string, any>;
    assert.equal(result.kind, 'task');
    assert.equal(result.status.state, 'completed');
    assert.equal(result.status.message.parts[0].kind, 'text');
    assert.equal(result.status.message.parts[0].text, 'raw answer');

    llm.enqueue({ chunks: ['a', 'b'] });
    const res = await fetch(agentUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'message/stream', params: legacyMessage('sse') }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = await readSse(res);
    assert.ok(events.length >= 3);
    for (const e of events) assert.equal(e.id, 7);
    const final = events.at(-1)!.result as Record<string, any>;
    assert.equal(final.kind, 'status-update');
    assert.equal(final.status.state, 'completed');
    assert.equal(final.final, true);
  });

  test('bad requests get the right HTTP and JSON-RPC errors', async () => {
    const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      fetch(agentUrl, { method: 'POST', headers, body });

    let res = await post('{"jsonrpc": "2.0", "id": 1, "method": ');
    assert.equal(res.status, 400);
    assert.deepEqual(((await res.json()) as any).error.code, -32700);

    res = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send' }), {
      'content-type': 'text/plain',
    });
    assert.equal(res.status, 415);
    assert.match(((await res.json()) as any).error.message, /Content-Type must be application\/json/);

    res = await post(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'message/send' }]));
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as any).error.message, /batch requests are not supported/);

    res = await post(JSON.stringify({ id: 1, method: 'message/send' }));
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as any).error.code, -32600);

    let r = await rpc(agentUrl, 'tasks/doesNotExist', {});
    assert.equal(r.body.error && (r.body.error as any).code, -32601);
    r = await rpc(agentUrl, 'NoSuchMethod', {});
    assert.equal((r.body.error as any).code, -32601);

    r = await rpc(agentUrl, 'tasks/get', { id: 'no-such-task' });
    assert.equal((r.body.error as any).code, -32001);

    const big = 'x'.repeat(1_100_000);
    res = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: legacyMessage(big) }));
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as any).error.message, /exceeds the limit of 1048576 bytes/);

    res = await fetch(`${server.url}/agents/ghost`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: legacyMessage('x') }),
    });
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as any).error.message, /agent "ghost" not found/);
  });

  test('provider errors become a failed task with a clear message (no retries configured)', async () => {
    llm.enqueue({ error: { status: 401, body: { error: { message: 'bad key' } } } });
    const { body } = await rpc(agentUrl, 'message/send', legacyMessage('fail please'));
    const result = body.result as Record<string, any>;
    assert.equal(result.status.state, 'failed');
    const msg = result.status.message.parts[0].text as string;
    assert.match(msg, /LLM "default"/);
    assert.match(msg, /401/);
    assert.doesNotMatch(msg, new RegExp(KEY));
  });

  test('cancel stops the running LLM call', async () => {
    llm.enqueue({ hang: true });
    const before = llm.requests.length;
    const { taskId, reader } = await startStreamingTask(agentUrl, 'hang');
    // Wait until the LLM request is in flight.
    for (let i = 0; i < 100 && llm.requests.length === before; i++) await new Promise((r) => setTimeout(r, 50));
    const { body } = await rpc(agentUrl, 'tasks/cancel', { id: taskId });
    const canceled = body.result as Record<string, any>;
    assert.equal(canceled.status.state, 'canceled');
    await reader.cancel();
    const got = await rpc(agentUrl, 'tasks/get', { id: taskId });
    assert.equal((got.body.result as any).status.state, 'canceled');
    const llmCall = llm.requests[before]!;
    for (let i = 0; i < 100 && !llmCall.clientAborted; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(llmCall.clientAborted, true, 'the in-flight LLM request was aborted');
  });

  test('tasks/resubscribe re-attaches to a running task and sees it complete', async () => {
    llm.enqueue({ chunks: ['one ', 'two ', 'three'], chunkDelayMs: 150 });
    const { taskId, reader } = await startStreamingTask(agentUrl, 'slow stream');
    await reader.cancel();
    const res = await fetch(agentUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tasks/resubscribe', params: { id: taskId } }),
    });
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = await readSse(res);
    const final = events.at(-1)!.result as Record<string, any>;
    assert.equal(final.status.state, 'completed');
    assert.equal(final.final, true);
  });

  test('a chunked body over the limit is refused with 413 too', async () => {
    const big = new TextEncoder().encode(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: legacyMessage('y'.repeat(1_200_000)) }),
    );
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < big.length; i += 64 * 1024) controller.enqueue(big.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const res = await fetch(agentUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
  });

  test('every agent request writes an agent.request audit event with the outcome', () => {
    const events = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.audit === true && e.component === 'agent' && e.action === 'request');
    assert.ok(events.length >= 5, `only ${events.length} agent.request events`);
    for (const e of events) {
      assert.equal(e.user, 'anonymous');
      assert.equal(e.tenant, 'default');
      assert.equal(e.agent, 'assistant');
      assert.match(String(e.request_id), /^req_/);
      assert.equal(typeof e.timestamp, 'string');
      assert.equal(typeof e.success, 'boolean');
    }
    assert.ok(
      events.some((e) => e.success === false && /401/.test(String(e.error))),
      'the failed request is audited',
    );
  });

  test('the API key never appears in the logs', () => {
    assert.ok(server.output().length > 0);
    assert.ok(!server.output().includes(KEY), 'API key leaked into the server output');
  });
});
