import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ECHO_PREFIX,
  EMPTY_SCRIPT_MESSAGE,
  type ScriptedLlm,
  type ScriptedLlmOptions,
  startScriptedLlm,
} from './index.ts';

/** The scripted LLM spoken to with raw fetch, so its wire shapes are checked independently of the AI SDK. */

async function start(t: TestContext, options?: ScriptedLlmOptions): Promise<ScriptedLlm> {
  const llm = await startScriptedLlm(options);
  t.after(() => llm.close());
  return llm;
}

type Call = { path: string; body: Record<string, unknown>; headers?: Record<string, string> };

/** One minimal request per protocol, asking `text` (optionally streamed). */
function requestFor(protocol: string, text: string, stream: boolean, key?: string): Call {
  switch (protocol) {
    case 'openai':
      return {
        path: '/v1/chat/completions',
        body: { model: 'gpt-x', stream, messages: [{ role: 'user', content: text }] },
        headers: key ? { authorization: `Bearer ${key}` } : {},
      };
    case 'anthropic':
      return {
        path: '/v1/messages',
        body: {
          model: 'claude-x',
          stream,
          max_tokens: 10,
          messages: [{ role: 'user', content: [{ type: 'text', text }] }],
        },
        headers: key ? { 'x-api-key': key } : {},
      };
    case 'gemini':
      return {
        path: stream
          ? '/v1beta/models/gemini-x:streamGenerateContent?alt=sse'
          : '/v1beta/models/gemini-x:generateContent',
        body: { contents: [{ role: 'user', parts: [{ text }] }] },
        headers: key ? { 'x-goog-api-key': key } : {},
      };
    default:
      return {
        path: '/api/chat',
        body: { model: 'llama-x', stream, messages: [{ role: 'user', content: text }] },
        headers: key ? { authorization: `Bearer ${key}` } : {},
      };
  }
}

async function post(llm: ScriptedLlm, call: Call): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(llm.url + call.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...call.headers },
    body: JSON.stringify(call.body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** The answer text of a non-streamed response, per protocol. */
function answerText(protocol: string, json: any): string {
  switch (protocol) {
    case 'openai':
      return json.choices[0].message.content;
    case 'anthropic':
      return json.content.find((b: any) => b.type === 'text').text;
    case 'gemini':
      return json.candidates[0].content.parts[0].text;
    default:
      return json.message.content;
  }
}

/** The error message of an error response, per protocol. */
function errorMessage(protocol: string, json: any): string {
  if (protocol === 'ollama') return json.error;
  return json.error.message;
}

const PROTOCOLS = ['openai', 'anthropic', 'gemini', 'ollama'];

describe('scripted LLM wire protocols', () => {
  for (const protocol of PROTOCOLS) {
    test(`${protocol}: an empty script answers 500 "${EMPTY_SCRIPT_MESSAGE}" in the protocol's error shape`, async (t) => {
      const llm = await start(t);
      const res = await post(llm, requestFor(protocol, 'hi', false));
      assert.equal(res.status, 500);
      assert.equal(errorMessage(protocol, res.json), EMPTY_SCRIPT_MESSAGE);
      assert.equal(llm.requests.length, 1);
      assert.equal(llm.requests[0]!.protocol, protocol);
    });

    test(`${protocol}: echo mode labels itself and repeats the last user text`, async (t) => {
      const llm = await start(t, { whenEmpty: 'echo' });
      const res = await post(llm, requestFor(protocol, 'the quick fox', false));
      assert.equal(res.status, 200);
      assert.equal(answerText(protocol, res.json), `${ECHO_PREFIX}the quick fox`);
    });

    test(`${protocol}: requireApiKey rejects a missing or wrong key with 401 and accepts the right one`, async (t) => {
      const llm = await start(t, { requireApiKey: 'right-key' });
      llm.enqueue({ text: 'welcome' });
      for (const key of [undefined, 'wrong-key', 'right-key-plus']) {
        const res = await post(llm, requestFor(protocol, 'x', false, key));
        assert.equal(res.status, 401, `key ${key}`);
        assert.match(errorMessage(protocol, res.json), /missing or invalid API key/);
      }
      assert.equal(llm.pending(), 1, 'a rejected request consumes no turn');
      const ok = await post(llm, requestFor(protocol, 'x', false, 'right-key'));
      assert.equal(ok.status, 200);
      assert.equal(answerText(protocol, ok.json), 'welcome');
      assert.equal(llm.requests.length, 4);
    });

    test(`${protocol}: a scripted error uses the given status, headers and the protocol's error shape`, async (t) => {
      const llm = await start(t);
      llm.enqueue({ error: { status: 429, headers: { 'retry-after': '7' } } });
      const res = await fetch(llm.url + requestFor(protocol, 'x', false).path, {
        method: 'POST',
        body: JSON.stringify(requestFor(protocol, 'x', false).body),
      });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '7');
      assert.match(errorMessage(protocol, (await res.json()) as any), /HTTP 429/);
    });
  }

  test('the key is only accepted in the protocol header (x-api-key is not an OpenAI key)', async (t) => {
    const llm = await start(t, { requireApiKey: 'k1' });
    const res = await post(llm, { ...requestFor('openai', 'x', false), headers: { 'x-api-key': 'k1' } });
    assert.equal(res.status, 401);
    const gem = requestFor('gemini', 'x', false);
    llm.enqueue({ text: 'via query' });
    const viaQuery = await post(llm, { ...gem, path: `${gem.path}?key=k1`, headers: {} });
    assert.equal(viaQuery.status, 200);
  });

  test('openai stream: role chunk, content deltas, tool call deltas, finish, usage chunk, [DONE]', async (t) => {
    const llm = await start(t);
    llm.enqueue({
      chunks: ['a', 'b'],
      toolCalls: [{ id: 'c1', name: 'f', args: { x: 1 } }],
      usage: { inputTokens: 3, outputTokens: 2 },
    });
    const call = requestFor('openai', 'x', true);
    call.body.stream_options = { include_usage: true };
    const res = await post(llm, call);
    const events = res.text.split('\n\n').filter(Boolean);
    assert.equal(events.at(-1), 'data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')));
    const content = chunks.flatMap((c) => c.choices.map((ch: any) => ch.delta.content ?? '')).join('');
    assert.equal(content, 'ab');
    const args = chunks
      .flatMap((c) => c.choices.flatMap((ch: any) => ch.delta.tool_calls ?? []))
      .map((tc: any) => tc.function.arguments)
      .join('');
    assert.deepEqual(JSON.parse(args), { x: 1 });
    assert.equal(chunks.at(-2).choices[0].finish_reason, 'tool_calls');
    assert.deepEqual(chunks.at(-1).usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  test('anthropic stream: the full event sequence with tool_use and input_json_delta', async (t) => {
    const llm = await start(t);
    llm.enqueue({ text: 'hi', toolCalls: [{ id: 'toolu_1', name: 'f', args: { y: 'z' } }] });
    const res = await post(llm, requestFor('anthropic', 'x', true));
    const events = [...res.text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    assert.deepEqual(events, [
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    assert.match(res.text, /"stop_reason":"tool_use"/);
  });

  test('gemini stream: SSE chunks, functionCall part and usageMetadata on the last chunk', async (t) => {
    const llm = await start(t);
    llm.enqueue({ text: 'one two', toolCalls: [{ name: 'f', args: { n: 2 } }] });
    const res = await post(llm, requestFor('gemini', 'x', true));
    const chunks = res.text
      .split('\n\n')
      .filter(Boolean)
      .map((e) => JSON.parse(e.replace(/^data: /, '')));
    assert.equal(chunks.length, 3);
    const last = chunks.at(-1);
    assert.deepEqual(last.candidates[0].content.parts[0].functionCall.args, { n: 2 });
    assert.match(last.candidates[0].content.parts[0].functionCall.id, /^call_scripted_\d+$/);
    assert.equal(last.usageMetadata.totalTokenCount, 15);
    assert.equal(llm.requests[0]!.model, 'gemini-x');
    assert.equal(llm.requests[0]!.stream, true);
  });

  test('ollama streams NDJSON by default (stream omitted), ending with done: true and counts', async (t) => {
    const llm = await start(t);
    llm.enqueue({ text: 'a b c' });
    const call = requestFor('ollama', 'x', true);
    delete call.body.stream;
    const res = await post(llm, call);
    const lines = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.message.content),
      ['a ', 'b ', 'c', ''],
    );
    assert.deepEqual(
      lines.map((l) => l.done),
      [false, false, false, true],
    );
    assert.equal(lines.at(-1).eval_count, 5);
  });

  test('records method-independent facts of every request: path, headers, body, messages, tools', async (t) => {
    const llm = await start(t);
    llm.enqueue({ text: 'ok' });
    const call = requestFor('openai', 'x', false);
    call.body.tools = [{ type: 'function', function: { name: 't' } }];
    await post(llm, { ...call, headers: { authorization: 'Bearer abc' } });
    const r = llm.requests[0]!;
    assert.equal(r.path, '/v1/chat/completions');
    assert.equal(r.headers.authorization, 'Bearer abc');
    assert.deepEqual(r.messages, [{ role: 'user', content: 'x' }]);
    assert.deepEqual(r.tools, [{ type: 'function', function: { name: 't' } }]);
    assert.equal(r.stream, false);
  });
});

describe('scripted LLM robustness', () => {
  test('unknown endpoints are 404 and not recorded; bad JSON is 400', async (t) => {
    const llm = await start(t);
    const notFound = await fetch(`${llm.url}/v1/completions`, { method: 'POST', body: '{}' });
    assert.equal(notFound.status, 404);
    const getChat = await fetch(`${llm.url}/v1/chat/completions`);
    assert.equal(getChat.status, 404);
    const bad = await fetch(`${llm.url}/v1/messages`, { method: 'POST', body: '{not json' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as any).type, 'error');
    const arr = await fetch(`${llm.url}/api/chat`, { method: 'POST', body: '[1,2]' });
    assert.equal(arr.status, 400);
    assert.equal(llm.requests.length, 0);
  });

  test('a body over 16 MiB is refused with 413', async (t) => {
    const llm = await start(t);
    const big = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(17 * 1024 * 1024) }] });
    const res = await fetch(`${llm.url}/v1/chat/completions`, { method: 'POST', body: big }).catch((e: unknown) => e);
    // The server may answer 413 before the upload finishes, or reset the socket mid-upload.
    if (res instanceof Response) assert.equal(res.status, 413);
    assert.equal(llm.requests.length, 0);
  });

  test('a __proto__ key in a request body does not pollute anything', async (t) => {
    const llm = await start(t);
    llm.enqueue({ text: 'ok' });
    const res = await fetch(`${llm.url}/v1/chat/completions`, {
      method: 'POST',
      body: '{"model":"m","messages":[],"__proto__":{"polluted":true}}',
    });
    assert.equal(res.status, 200);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((llm.requests[0]!.body as Record<string, unknown>).polluted, undefined);
  });

  test('close() is immediate even with a hanging request, and the client sees the connection end', async (t) => {
    const llm = await startScriptedLlm();
    llm.enqueue({ hang: true });
    const pending = fetch(`${llm.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: [] }),
    }).then(
      () => 'answered',
      () => 'connection closed',
    );
    for (let i = 0; i < 500 && llm.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await llm.close();
    assert.equal(await pending, 'connection closed');
    await llm.close(); // idempotent
    t.diagnostic('closed');
  });

  test('invalid options and turns are refused up front', async (t) => {
    await assert.rejects(startScriptedLlm({ port: 70_000 }), /port must be an integer/);
    await assert.rejects(startScriptedLlm({ whenEmpty: 'maybe' as 'echo' }), /whenEmpty/);
    await assert.rejects(startScriptedLlm({ requireApiKey: '' }), /requireApiKey/);
    const llm = await start(t);
    assert.throws(() => llm.enqueue({ text: 'ab', chunks: ['a', 'c'] }), /chunks must join/);
    assert.throws(() => llm.enqueue({ error: { status: 200 } }), /400\.\.599/);
    assert.throws(() => llm.enqueue({ toolCalls: [{ name: '', args: {} }] }), /needs a name/);
    assert.equal(llm.pending(), 0);
  });

  test('listens on 127.0.0.1 by default and exposes the OpenAI base URL', async (t) => {
    const llm = await start(t);
    assert.match(llm.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(llm.openaiBaseUrl, `${llm.url}/v1`);
  });
});

describe('scripted LLM CLI', () => {
  const CLI = fileURLToPath(new URL('./scripted-llm-cli.ts', import.meta.url));

  function run(args: string[]) {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const firstLine = new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    return { child, firstLine };
  }

  test('--port 0 --echo prints SCRIPTED_LLM_URL, answers in echo mode and exits 0 on SIGTERM', async (t) => {
    const { child, firstLine } = run(['--port', '0', '--echo']);
    t.after(() => child.kill('SIGKILL'));
    const line = await firstLine;
    const m = /^SCRIPTED_LLM_URL=(http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
    assert.ok(m, line);
    const res = await fetch(`${m[1]}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'ping' }] }),
    });
    assert.equal(((await res.json()) as any).choices[0].message.content, `${ECHO_PREFIX}ping`);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  });

  test('exits by itself after --max-lifetime', async () => {
    const { child, firstLine } = run(['--port', '0', '--max-lifetime', '0.3']);
    await firstLine;
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  });

  test('bad arguments exit 2 with a usage message', async () => {
    const child = spawn(process.execPath, [CLI, '--bogus'], { stdio: ['ignore', 'ignore', 'pipe'], shell: false });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 2);
    assert.match(stderr, /usage/);
  });
});
