/**
 * MCP toolsets end to end: the real CLI, the scripted LLM, and @modelcontextprotocol/server-everything over
 * stdio inside the bubblewrap sandbox. Asserts what the model was offered, what reached the server, what the
 * audit log says, approval on an MCP tool, environment scrubbing, and crash → unavailable → reconnect.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { EVERYTHING, NODE, READ_ONLY } from '../support/mcp/servers.ts';
import { runCli, type Server, startServer, tempDir } from './support.ts';

const ALICE = 'alice-key-0123456789abcdef';
const LLM_KEY = 'sk-llm-key-must-never-reach-mcp-0123456789';

function config(llmUrl: string) {
  return `version: "2"
llms:
  default: {provider: openai, model: m, base_url: "${llmUrl}", api_key: "\${TEST_LLM_KEY}", max_retries: 0}
tools:
  everything:
    type: mcp
    command: ${JSON.stringify(NODE)}
    args: [${JSON.stringify(EVERYTHING)}, stdio]
    env: {GRANTED: "\${GRANTED_VALUE}"}
    read_only_paths: ${JSON.stringify(READ_ONLY)}
    working_directory: ./mcp-everything
    filter: [echo, "get-*"]
    deny: [get-tiny-image, "get-resource-*"]
    require_approval: [get-env]
    approval_prompt: "Let the MCP server print its environment?"
agents:
  assistant: {tools: [everything]}
  narrow: {tools: [everything.echo]}
server:
  auth:
    api_keys:
      - {key: "\${ALICE_KEY}", subject: alice}
logger: {level: info, format: json}
`;
}

const ENV = { ALICE_KEY: ALICE, TEST_LLM_KEY: LLM_KEY, GRANTED_VALUE: 'granted-123' };
const OFFERED = [
  'everything__echo',
  'everything__get-annotated-message',
  'everything__get-env',
  'everything__get-structured-content',
  'everything__get-sum',
];

async function post(url: string, body: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}

let n = 0;
const send = (agentUrl: string, parts: unknown[], ids: Record<string, string> = {}) =>
  post(agentUrl, {
    jsonrpc: '2.0',
    id: 1,
    method: 'message/send',
    params: { message: { kind: 'message', role: 'user', messageId: `m-${++n}`, parts, ...ids } },
  });
const text = (t: string) => ({ kind: 'text', text: t });

function auditLines(server: Server): any[] {
  return server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((e) => e.component === 'tool' && e.action === 'execute');
}

function toolNamesOffered(request: { body: unknown }): string[] {
  return ((request.body as any).tools ?? []).map((t: any) => t.function.name).sort();
}

function toolMessages(request: { body: unknown }): any[] {
  return (request.body as any).messages.filter((m: any) => m.role === 'tool');
}

async function health(server: Server) {
  return (await (await fetch(`${server.url}/health`)).json()) as any;
}

describe('MCP toolsets through the CLI', () => {
  let llm: ScriptedLlm;
  let server: Server;
  before(async () => {
    llm = await startScriptedLlm();
    server = await startServer({ dir: tempDir('hector-mcp-e2e-'), config: config(llm.openaiBaseUrl), env: ENV });
  });
  after(async () => {
    await server?.stop();
    await llm?.close();
  });

  test('health reports the toolset; the model is offered exactly the allowed tools', async () => {
    const h = await health(server);
    assert.equal(h.status, 'ok');
    assert.deepEqual(h.toolsets, { everything: { status: 'ready', tools: 5 } });
    llm.enqueue({ text: 'hi' }, { text: 'hi' });
    await send(`${server.url}/agents/assistant`, [text('hello')]);
    assert.deepEqual(toolNamesOffered(llm.requests.at(-1)!), OFFERED);
    await send(`${server.url}/agents/narrow`, [text('hello')]);
    assert.deepEqual(toolNamesOffered(llm.requests.at(-1)!), ['everything__echo']);
  });

  test('a call runs on the server; the result reaches the model; the audit names server and tool', async () => {
    llm.enqueue(
      { toolCalls: [{ id: 'e1', name: 'everything__echo', args: { message: 'via mcp' } }] },
      { text: 'done' },
    );
    const r = await send(`${server.url}/agents/narrow`, [text('echo it')]);
    assert.equal(r.json.result.status.state, 'completed', r.text);
    assert.equal(toolMessages(llm.requests.at(-1)!)[0].content, 'Echo: via mcp');
    const event = auditLines(server).find((e) => e.tool === 'everything__echo');
    assert.ok(event, server.output());
    assert.equal(event.verdict, 'executed');
    assert.equal(event.server, 'everything');
    assert.equal(event.remote_tool, 'echo');
    assert.deepEqual(event.arguments, { message: 'via mcp' });
    assert.equal(typeof event.duration_ms, 'number');
  });

  test('names the agent may not use, denied tools and invented tools are refused without running', async () => {
    const calls = [
      { id: 'r1', name: 'everything__get-sum', args: { a: 1, b: 2 } },
      { id: 'r2', name: 'everything__get-tiny-image', args: {} },
      { id: 'r3', name: 'everything__toggle-simulated-logging', args: {} },
      { id: 'r4', name: 'everything.echo', args: { message: 'x' } },
    ];
    llm.enqueue({ toolCalls: calls }, { text: 'ok' });
    const r = await send(`${server.url}/agents/narrow`, [text('try things')]);
    assert.equal(r.json.result.status.state, 'completed', r.text);
    const results = toolMessages(llm.requests.at(-1)!);
    assert.equal(results.length, 4);
    for (const m of results)
      assert.match(m.content, /is not available to this agent; available tools: everything__echo/);
    const events = auditLines(server);
    for (const call of calls) {
      const event = events.findLast((e) => e.tool === call.name);
      assert.equal(event?.verdict, 'refused', call.name);
      assert.equal(event.server, undefined, 'nothing reached the MCP server');
    }
  });

  test('require_approval on an MCP tool: held, approved, and the server sees only the granted environment', async () => {
    llm.enqueue({ toolCalls: [{ id: 'a1', name: 'everything__get-env', args: {} }] }, { text: 'env shown' });
    const agent = `${server.url}/agents/assistant`;
    const paused = (await send(agent, [text('print env')])).json.result;
    assert.equal(paused.status.state, 'input-required');
    assert.match(paused.status.message.parts[0].text, /Let the MCP server print its environment\?/);
    const requests = llm.requests.length;
    const ids = { taskId: paused.id, contextId: paused.contextId };
    const decision = { kind: 'data', data: { type: 'tool_approval', decision: 'approve', tool_call_id: 'a1' } };
    const done = await send(agent, [decision], ids);
    assert.equal(done.json.result.status.state, 'completed', done.text);
    assert.equal(llm.requests.length, requests + 1);
    const env = JSON.parse(toolMessages(llm.requests.at(-1)!)[0].content);
    assert.equal(env.GRANTED, 'granted-123');
    assert.deepEqual(Object.keys(env).sort(), ['GRANTED', 'HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR']);
    const dump = JSON.stringify(env);
    for (const secret of [LLM_KEY, ALICE]) assert.ok(!dump.includes(secret));
  });

  test('a crashed server is reported unavailable (health, log), reconnects, and its tools work again', async () => {
    const victims = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .flatMap((p) => {
        try {
          const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
          return cmd[0] === NODE && cmd[1] === EVERYTHING && cmd[2] === 'stdio' ? [Number(p)] : [];
        } catch {
          return [];
        }
      });
    assert.equal(victims.length, 1, 'exactly one sandboxed server process');
    process.kill(victims[0]!, 'SIGKILL');
    for (let i = 0; i < 200 && (await health(server)).toolsets.everything.status === 'ready'; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const h = await health(server);
    if (h.toolsets.everything.status !== 'ready') {
      assert.equal(h.status, 'degraded');
      assert.equal(h.toolsets.everything.status, 'unavailable');
    }
    await server.waitForOutput(/MCP toolset everything disconnected/);
    for (let i = 0; i < 300 && (await health(server)).toolsets.everything.status !== 'ready'; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await health(server)).status, 'ok');
    llm.enqueue({ toolCalls: [{ id: 'b1', name: 'everything__echo', args: { message: 'back' } }] }, { text: 'ok' });
    await send(`${server.url}/agents/narrow`, [text('again')]);
    assert.equal(toolMessages(llm.requests.at(-1)!)[0].content, 'Echo: back');
  });
});

test('fail closed at startup: a program invisible in the sandbox or a path exposing the host stops the server', async () => {
  const dir = tempDir('hector-mcp-bad-');
  const file = join(dir, 'hector.yaml');
  writeFileSync(
    file,
    `version: "2"
llms:
  default: {provider: openai, model: m, base_url: "http://127.0.0.1:1/v1"}
tools:
  x:
    type: mcp
    command: ${JSON.stringify(NODE)}
    args: [${JSON.stringify(EVERYTHING)}]
    read_only_paths: ["/", ${JSON.stringify(dir)}]
agents:
  a: {tools: [x]}
`,
  );
  const r = await runCli(['serve', '--config', file, '--port', '0', '--database', `sqlite:${join(dir, 'h.db')}`], {
    cwd: dir,
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /tools\.x\.read_only_paths\.0: \/ is the filesystem root/);
  assert.match(
    r.stderr,
    /tools\.x\.read_only_paths\.1: .* overlaps the server's state directory or the config's \.env/,
  );
  assert.match(r.stderr, /tools\.x\.command: .* is not visible inside the sandbox/);
  assert.doesNotMatch(r.stdout, /listening on/);
});
