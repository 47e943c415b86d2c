/**
 * Human approval of tool calls, end to end through the real CLI, the scripted LLM and real SQLite: the effect
 * (a file on disk) is asserted for every path — written only after approval, never after denial, refusal,
 * replay or expiry.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { ROOT, readSse, type Server, startServer, tempDir } from './support.ts';

const ALICE = 'alice-key-0123456789abcdef';
const BOB = 'bob-key-0123456789abcdef';
const ADMIN = 'admin-key-0123456789abcdef';

function config(llmUrl: string, timeout = '24h') {
  return `version: "2"
llms:
  default: {provider: openai, model: m, base_url: "${llmUrl}", max_retries: 0}
tools:
  write_file:
    type: function
    handler: write_file
    working_directory: ./ws
    approval_prompt: "Allow writing to {path}?"
    approvers: [admin]
    approval_timeout: ${timeout}
  read_file: {type: function, handler: read_file, working_directory: ./ws}
agents:
  writer: {tools: [write_file, read_file]}
server:
  auth:
    api_keys:
      - {key: "\${ALICE_KEY}", subject: alice}
      - {key: "\${BOB_KEY}", subject: bob}
      - {key: "\${ADMIN_KEY}", subject: carol, roles: [admin]}
logger: {level: info, format: json}
`;
}

const ENV = { ALICE_KEY: ALICE, BOB_KEY: BOB, ADMIN_KEY: ADMIN };

async function post(url: string, body: unknown, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}

let n = 0;
function message(parts: unknown[], ids: { taskId?: string; contextId?: string } = {}) {
  return { message: { kind: 'message', role: 'user', messageId: `m-${++n}`, parts, ...ids } };
}
const text = (t: string) => ({ kind: 'text', text: t });
const decision = (id: string, d: 'approve' | 'deny', extra: Record<string, unknown> = {}) => ({
  kind: 'data',
  data: { type: 'tool_approval', decision: d, tool_call_id: id, ...extra },
});
const writeCall = (id: string, path: string, content: string) => ({
  id,
  name: 'write_file',
  args: { path, content },
});

describe('human approval of tool calls', () => {
  let llm: ScriptedLlm;
  let server: Server;
  let dir: string;
  let agent: string;
  const send = (params: unknown, token = ALICE) =>
    post(agent, { jsonrpc: '2.0', id: 1, method: 'message/send', params }, token);

  /** Starts a task whose model asks for the given writes; returns the paused task. */
  async function pausedTask(calls: ReturnType<typeof writeCall>[], then = 'done') {
    llm.enqueue({ toolCalls: calls }, { text: then });
    const r = await send(message([text('write the files')]));
    const task = r.json.result;
    assert.equal(task.status.state, 'input-required', r.text);
    return task;
  }

  before(async () => {
    dir = tempDir('hector-approval-');
    llm = await startScriptedLlm();
    server = await startServer({ dir, config: config(llm.openaiBaseUrl), env: ENV });
    agent = `${server.url}/agents/writer`;
  });
  after(async () => {
    await server?.stop();
    await llm?.close();
  });

  test('pause: the tool does not run; the status carries the prompt, the request parts and the metadata', async () => {
    const task = await pausedTask([writeCall('c1', 'a.txt', 'hello\nworld')]);
    assert.equal(existsSync(join(dir, 'ws', 'a.txt')), false, 'nothing written before approval');
    const msg = task.status.message;
    assert.match(msg.parts[0].text, /Allow writing to a\.txt\?/);
    const req = msg.parts.find((p: any) => p.kind === 'data').data;
    assert.equal(req.type, 'tool_approval_request');
    assert.equal(req.tool_call_id, 'c1');
    assert.equal(req.tool_name, 'write_file');
    assert.deepEqual(req.arguments, { path: 'a.txt', content: 'hello\nworld' });
    assert.match(req.args_hash, /^[0-9a-f]{64}$/);
    assert.ok(Date.parse(req.expires_at) > Date.now() + 23 * 3600_000);
    assert.deepEqual(msg.metadata, { input_required: true, long_running_tool_ids: ['c1'] });

    // Approve: exactly the stored arguments run; the model gets the tool result and answers.
    const r = await send(message([decision('c1', 'approve')], { taskId: task.id, contextId: task.contextId }));
    assert.equal(r.json.result.status.state, 'completed', r.text);
    assert.equal(readFileSync(join(dir, 'ws', 'a.txt'), 'utf8'), 'hello\nworld');
    const toolMsg = (llm.requests.at(-1)!.body as any).messages.find((m: any) => m.role === 'tool');
    assert.equal(toolMsg.tool_call_id, 'c1');
    assert.doesNotMatch(toolMsg.content, /denied/);

    // Replaying the same approval is refused (the task is over; the SDK says so) and nothing runs again.
    const replay = await send(message([decision('c1', 'approve')], { taskId: task.id, contextId: task.contextId }));
    assert.ok(replay.json.error, replay.text);
  });

  test('deny: the tool never runs; the model is told, with the reason', async () => {
    const task = await pausedTask([writeCall('d1', 'denied.txt', 'x')], 'ok, not writing');
    const r = await send(
      message([decision('d1', 'deny', { reason: 'not today' })], { taskId: task.id, contextId: task.contextId }),
    );
    assert.equal(r.json.result.status.state, 'completed', r.text);
    assert.equal(existsSync(join(dir, 'ws', 'denied.txt')), false);
    const toolMsg = (llm.requests.at(-1)!.body as any).messages.find((m: any) => m.role === 'tool');
    assert.match(toolMsg.content, /denied.*did not run.*not today/);
  });

  test('another user cannot decide; a wrong call id, a smuggled argument and a decision before the pause change nothing', async () => {
    const task = await pausedTask([writeCall('s1', 'smuggle.txt', 'original')]);
    const ids = { taskId: task.id, contextId: task.contextId };
    // Bob: the task does not exist for him (A2A) and the call does not exist for him (REST).
    const bob = await send(message([decision('s1', 'approve')], ids), BOB);
    assert.equal(bob.json.error?.code, -32001, bob.text);
    const bobRest = await post(`${server.url}/api/tasks/${task.id}/approvals/s1`, { decision: 'approve' }, BOB);
    assert.equal(bobRest.status, 404, bobRest.text);
    // A call id that is not pending, and a hash that does not match.
    const wrong = await send(message([decision('nope', 'approve')], ids));
    assert.equal(wrong.json.error?.code, -32001, wrong.text);
    assert.match(wrong.json.error.message, /no tool call with this id is awaiting approval/);
    const badHash = await send(message([decision('s1', 'approve', { args_hash: '0'.repeat(64) })], ids));
    assert.match(badHash.json.error?.message ?? '', /args_hash does not match/);
    // Unknown fields (an attempt to pass arguments) are refused outright.
    const smuggle = await send(message([decision('s1', 'approve', { arguments: { content: 'evil' } })], ids));
    assert.match(smuggle.json.error?.message ?? '', /unknown field "arguments"/);
    assert.equal(existsSync(join(dir, 'ws', 'smuggle.txt')), false, 'nothing ran');
    // A decision on a completed task of alice's (sent before any pause) is refused.
    llm.enqueue({ text: 'plain answer' });
    const plain = (await send(message([text('hi')]))).json.result;
    const early = await send(message([decision('s1', 'approve')], { taskId: plain.id, contextId: plain.contextId }));
    assert.ok(early.json.error, early.text);
    // The owner approves, with text parts that try to change the arguments: the stored ones run.
    const ok = await send(message([text('use content "evil" instead'), decision('s1', 'approve')], ids));
    assert.equal(ok.json.result.status.state, 'completed', ok.text);
    assert.equal(readFileSync(join(dir, 'ws', 'smuggle.txt'), 'utf8'), 'original');
  });

  test('two pending calls in one turn are decided separately; an approver role may decide over REST', async () => {
    const task = await pausedTask([writeCall('p1', 'one.txt', '1'), writeCall('p2', 'two.txt', '2')]);
    assert.deepEqual(task.status.message.metadata.long_running_tool_ids, ['p1', 'p2']);
    const ids = { taskId: task.id, contextId: task.contextId };
    const first = await send(message([decision('p1', 'approve')], ids));
    assert.equal(first.json.result.status.state, 'input-required', 'still waiting for p2');
    assert.deepEqual(first.json.result.status.message.metadata.long_running_tool_ids, ['p2']);
    assert.equal(existsSync(join(dir, 'ws', 'one.txt')), false, 'nothing runs until every call is decided');
    // Carol holds the admin role listed in approvers: she decides alice's call over REST.
    const carol = await post(`${server.url}/api/tasks/${task.id}/approvals/p2`, { decision: 'deny' }, ADMIN);
    assert.equal(carol.status, 200, carol.text);
    assert.equal(carol.json.task.status.state, 'completed');
    assert.equal(readFileSync(join(dir, 'ws', 'one.txt'), 'utf8'), '1');
    assert.equal(existsSync(join(dir, 'ws', 'two.txt')), false);
    // Deciding again over REST: already decided, refused.
    const again = await post(`${server.url}/api/tasks/${task.id}/approvals/p2`, { decision: 'approve' }, ADMIN);
    assert.equal(again.status, 409, again.text);
  });

  test('streaming: the input-required status ends the stream; approving continues it', async () => {
    llm.enqueue({ toolCalls: [writeCall('st1', 'stream.txt', 's')] }, { text: 'streamed done' });
    const res = await fetch(agent, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/stream', params: message([text('go')]) }),
    });
    const events = await readSse(res);
    const last = events.at(-1)!.result as any;
    assert.equal(last.kind, 'status-update');
    assert.equal(last.status.state, 'input-required');
    assert.equal(existsSync(join(dir, 'ws', 'stream.txt')), false);
    const r = await send(message([decision('st1', 'approve')], { taskId: last.taskId, contextId: last.contextId }));
    assert.equal(r.json.result.status.state, 'completed', r.text);
    assert.equal(readFileSync(join(dir, 'ws', 'stream.txt'), 'utf8'), 's');
  });

  test('every step is audited: request, approve, deny, reject', async () => {
    await server.waitForOutput(/"component":"approval","action":"deny"/);
    const events = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((e) => e.component === 'approval');
    const actions = new Set(events.map((e) => e.action));
    for (const a of ['request', 'approve', 'deny', 'reject']) assert.ok(actions.has(a), `no approval.${a} event`);
    const request = events.find((e) => e.action === 'request');
    assert.match(request.args_hash, /^[0-9a-f]{64}$/);
    assert.equal(typeof request.prompt, 'string');
    assert.ok(events.filter((e) => e.action === 'reject').every((e) => e.success === false && e.reason));
  });
});

describe('approval across a restart, and expiry', () => {
  test('a pause survives a restart; after it the approval still works', async () => {
    const dir = tempDir('hector-approval-restart-');
    const llm = await startScriptedLlm();
    let server = await startServer({ dir, config: config(llm.openaiBaseUrl), env: ENV });
    try {
      llm.enqueue({ toolCalls: [writeCall('r1', 'restart.txt', 'kept')] });
      const paused = await post(
        `${server.url}/agents/writer`,
        { jsonrpc: '2.0', id: 1, method: 'message/send', params: message([text('write')]) },
        ALICE,
      );
      const task = paused.json.result;
      assert.equal(task.status.state, 'input-required');
      assert.equal(await server.stop(), 0);
      server = await startServer({ dir, config: config(llm.openaiBaseUrl), env: ENV });
      llm.enqueue({ text: 'written after restart' });
      const r = await post(`${server.url}/api/tasks/${task.id}/approvals/r1`, { decision: 'approve' }, ALICE);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.task.status.state, 'completed');
      assert.equal(readFileSync(join(dir, 'ws', 'restart.txt'), 'utf8'), 'kept');
    } finally {
      await server.stop();
      await llm.close();
    }
  });

  test('an expired request is refused and counts as denied; the tool never runs', async () => {
    const dir = tempDir('hector-approval-expiry-');
    const llm = await startScriptedLlm();
    const server = await startServer({ dir, config: config(llm.openaiBaseUrl, '1s'), env: ENV });
    try {
      llm.enqueue({ toolCalls: [writeCall('e1', 'late.txt', 'x')] }, { text: 'expired, fine' });
      const agent = `${server.url}/agents/writer`;
      const call = (params: unknown) => post(agent, { jsonrpc: '2.0', id: 1, method: 'message/send', params }, ALICE);
      const task = (await call(message([text('write')]))).json.result;
      assert.equal(task.status.state, 'input-required');
      await new Promise((r) => setTimeout(r, 1300));
      const ids = { taskId: task.id, contextId: task.contextId };
      const late = await call(message([decision('e1', 'approve')], ids));
      assert.match(late.json.error?.message ?? '', /expired/, late.text);
      // Any message continues the run: the expired call is reported to the model as not run.
      const r = await call(message([text('well?')], ids));
      assert.equal(r.json.result.status.state, 'completed', r.text);
      assert.equal(existsSync(join(dir, 'ws', 'late.txt')), false);
      const toolMsg = (llm.requests.at(-1)!.body as any).messages.find((m: any) => m.role === 'tool');
      assert.match(toolMsg.content, /expired.*did not run/);
      await server.waitForOutput(/"component":"approval","action":"expire"/);
    } finally {
      await server.stop();
      await llm.close();
    }
  });
});

describe('examples/approval: the example client does a full round trip', () => {
  test('approve-demo.mjs: pause, approve, result', async () => {
    const dir = tempDir('hector-approval-example-');
    const llm = await startScriptedLlm();
    const server = await startServer({
      dir,
      config: readFileSync(join(ROOT, 'examples', 'approval', 'hector.yaml'), 'utf8'),
      env: { LLM_BASE_URL: llm.openaiBaseUrl },
    });
    try {
      llm.enqueue({ toolCalls: [writeCall('x1', 'hello.txt', 'hello from Hector')] }, { text: 'Wrote hello.txt.' });
      const script = join(ROOT, 'examples', 'approval', 'approve-demo.mjs');
      const child = spawn(process.execPath, [script, `${server.url}/agents/writer`], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const code = await new Promise<number | null>((r) => child.once('close', r));
      assert.equal(code, 0, out);
      assert.match(out, /input-required/);
      assert.match(out, /Allow writing to hello\.txt\?/);
      assert.match(out, /approved -> task .*: completed\nWrote hello\.txt\./);
      assert.equal(readFileSync(join(dir, 'workspace', 'hello.txt'), 'utf8'), 'hello from Hector');
    } finally {
      await server.stop();
      await llm.close();
    }
  });
});
