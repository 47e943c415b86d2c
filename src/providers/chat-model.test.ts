import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { UpstreamError } from '../shared/index.ts';
import { type RecordedRequest, type ScriptedLlm, startScriptedLlm } from '../testing/index.ts';
import { createChatModel } from './index.ts';
import type { ChatModel, ChatModelOptions, ChatStreamEvent, ProviderName, ToolSpec } from './types.ts';

/**
 * Every adapter against the scripted LLM over real HTTP, through the real AI SDK. The server requires the key,
 * so every passing call also proves the key travels in the provider's header.
 */

const KEY = 'sk-test-SECRET-0123456789abcdef';
const NO_RETRY_DELAY = { initialDelayMs: 1, maxDelayMs: 2 };

const TOOLS: ToolSpec[] = [
  {
    name: 'lookup',
    description: 'Looks a thing up',
    inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
];

/** Where each protocol puts the things the tests assert on. */
interface Wire {
  baseUrl(llm: ScriptedLlm): string;
  key(r: RecordedRequest): string | undefined;
  system(body: Rec): unknown;
  temperature(body: Rec): unknown;
  maxTokens(body: Rec): unknown;
  toolNames(body: Rec): unknown[];
  /** The tool results of the last request, in the provider's own format, normalized for comparison. */
  toolResults(body: Rec): { id: unknown; content: unknown; isError?: unknown }[];
  /** The assistant tool calls echoed back, normalized. */
  assistantToolCallIds(body: Rec): unknown[];
}
type Rec = Record<string, any>;

const WIRES: Record<ProviderName, Wire> = {
  openai: {
    baseUrl: (llm) => llm.openaiBaseUrl,
    key: (r) => String(r.headers.authorization ?? '').replace(/^Bearer /, '') || undefined,
    system: (b) => b.messages.find((m: Rec) => m.role === 'system')?.content,
    temperature: (b) => b.temperature,
    maxTokens: (b) => b.max_tokens,
    toolNames: (b) => (b.tools ?? []).map((t: Rec) => t.function.name),
    // The SDK marks an error result as a JSON document {"error": "..."}.
    toolResults: (b) =>
      b.messages
        .filter((m: Rec) => m.role === 'tool')
        .map((m: Rec) => {
          const error = m.content.startsWith('{"error"') ? JSON.parse(m.content).error : undefined;
          return { id: m.tool_call_id, content: error ?? m.content, isError: error !== undefined };
        }),
    assistantToolCallIds: (b) =>
      b.messages.flatMap((m: Rec) => (m.role === 'assistant' ? (m.tool_calls ?? []).map((c: Rec) => c.id) : [])),
  },
  anthropic: {
    baseUrl: (llm) => llm.url,
    key: (r) => r.headers['x-api-key'] as string | undefined,
    system: (b) => b.system?.[0]?.text ?? b.system,
    temperature: (b) => b.temperature,
    maxTokens: (b) => b.max_tokens,
    toolNames: (b) => (b.tools ?? []).map((t: Rec) => t.name),
    toolResults: (b) => {
      // All results of one assistant turn must be in ONE user message.
      const withResults = b.messages.filter(
        (m: Rec) =>
          m.role === 'user' && Array.isArray(m.content) && m.content.some((p: Rec) => p.type === 'tool_result'),
      );
      assert.equal(withResults.length, 1, 'tool results must be grouped in a single user message');
      return withResults[0].content.map((p: Rec) => ({
        id: p.tool_use_id,
        content: typeof p.content === 'string' ? p.content : p.content?.[0]?.text,
        isError: p.is_error === true,
      }));
    },
    assistantToolCallIds: (b) =>
      b.messages.flatMap((m: Rec) =>
        m.role === 'assistant' && Array.isArray(m.content)
          ? m.content.filter((p: Rec) => p.type === 'tool_use').map((p: Rec) => p.id)
          : [],
      ),
  },
  gemini: {
    baseUrl: (llm) => llm.url,
    key: (r) => r.headers['x-goog-api-key'] as string | undefined,
    system: (b) => b.systemInstruction?.parts?.[0]?.text,
    temperature: (b) => b.generationConfig?.temperature,
    maxTokens: (b) => b.generationConfig?.maxOutputTokens,
    toolNames: (b) => (b.tools ?? []).flatMap((t: Rec) => (t.functionDeclarations ?? []).map((f: Rec) => f.name)),
    toolResults: (b) =>
      b.contents.flatMap((c: Rec) =>
        (c.parts ?? [])
          .filter((p: Rec) => p.functionResponse)
          .map((p: Rec) => ({
            id: p.functionResponse.id,
            content: p.functionResponse.response.content ?? p.functionResponse.response.error,
            isError: 'error' in p.functionResponse.response,
          })),
      ),
    assistantToolCallIds: (b) =>
      b.contents.flatMap((c: Rec) =>
        c.role === 'model' ? (c.parts ?? []).filter((p: Rec) => p.functionCall).map((p: Rec) => p.functionCall.id) : [],
      ),
  },
  ollama: {
    baseUrl: (llm) => llm.url,
    key: (r) => String(r.headers.authorization ?? '').replace(/^Bearer /, '') || undefined,
    system: (b) => b.messages.find((m: Rec) => m.role === 'system')?.content,
    // Ollama reads sampling settings from `options`.
    temperature: (b) => b.options?.temperature,
    maxTokens: (b) => b.options?.num_predict,
    toolNames: (b) => (b.tools ?? []).map((t: Rec) => t.function.name),
    toolResults: (b) =>
      b.messages.filter((m: Rec) => m.role === 'tool').map((m: Rec) => ({ id: m.tool_call_id, content: m.content })),
    assistantToolCallIds: (b) =>
      b.messages.flatMap((m: Rec) => (m.role === 'assistant' ? (m.tool_calls ?? []).map((c: Rec) => c.id) : [])),
  },
};

const PROVIDERS = Object.keys(WIRES) as ProviderName[];

async function setup(
  t: TestContext,
  provider: ProviderName,
  overrides: Partial<ChatModelOptions> = {},
): Promise<{ llm: ScriptedLlm; model: ChatModel }> {
  const llm = await startScriptedLlm({ requireApiKey: KEY });
  t.after(() => llm.close());
  const model = createChatModel(
    {
      provider,
      model: `${provider}-test-model`,
      apiKey: KEY,
      baseUrl: WIRES[provider].baseUrl(llm),
      timeoutMs: 10_000,
      maxRetries: 2,
      ...overrides,
    },
    { backoff: NO_RETRY_DELAY },
  );
  return { llm, model };
}

const live = (): AbortSignal => new AbortController().signal;

async function collect(stream: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

function assertUpstream(e: unknown, check: (e: UpstreamError) => void): true {
  assert.ok(e instanceof UpstreamError, `expected UpstreamError, got ${String(e)}`);
  assert.ok(!e.message.includes(KEY), `the message leaks the API key: ${e.message}`);
  check(e);
  return true;
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), 'condition not reached');
}

for (const provider of PROVIDERS) {
  const wire = WIRES[provider];

  describe(`${provider} adapter`, () => {
    test('plain answer: text, finish reason, usage; system, model and key reach the wire', async (t) => {
      const { llm, model } = await setup(t, provider);
      llm.enqueue({ text: 'Hello from the model.', usage: { inputTokens: 12, outputTokens: 4 } });
      const result = await model.generate(
        { system: 'You are terse.', messages: [{ role: 'user', content: 'Say hello' }], tools: [] },
        live(),
      );
      assert.deepEqual(result, {
        text: 'Hello from the model.',
        toolCalls: [],
        finishReason: 'stop',
        usage: { inputTokens: 12, outputTokens: 4 },
      });
      assert.equal(llm.requests.length, 1);
      const req = llm.requests[0]!;
      assert.equal(req.protocol, provider);
      assert.equal(req.model, `${provider}-test-model`);
      assert.equal(req.stream, false);
      assert.equal(wire.key(req), KEY);
      assert.equal(wire.system(req.body as Rec), 'You are terse.');
      assert.equal(model.provider, provider);
      assert.equal(model.model, `${provider}-test-model`);
    });

    test('tool call round trip: the call comes back parsed, the tool result goes out in the provider format', async (t) => {
      const { llm, model } = await setup(t, provider);
      llm.enqueue(
        {
          toolCalls: [
            { id: 'call_a', name: 'lookup', args: { query: 'weather in Oslo' } },
            { id: 'call_b', name: 'lookup', args: { query: 'nope' } },
          ],
        },
        { text: 'It is sunny.' },
      );
      const first = await model.generate({ messages: [{ role: 'user', content: 'Weather?' }], tools: TOOLS }, live());
      assert.equal(first.finishReason, 'tool-calls');
      assert.deepEqual(first.toolCalls, [
        { id: 'call_a', name: 'lookup', args: { query: 'weather in Oslo' } },
        { id: 'call_b', name: 'lookup', args: { query: 'nope' } },
      ]);
      assert.deepEqual(wire.toolNames(llm.requests[0]!.body as Rec), ['lookup']);

      const second = await model.generate(
        {
          messages: [
            { role: 'user', content: 'Weather?' },
            { role: 'assistant', content: '', toolCalls: first.toolCalls },
            { role: 'tool', toolCallId: 'call_a', toolName: 'lookup', content: '{"sky":"sunny"}' },
            { role: 'tool', toolCallId: 'call_b', toolName: 'lookup', content: 'lookup failed', isError: true },
          ],
          tools: TOOLS,
        },
        live(),
      );
      assert.equal(second.text, 'It is sunny.');
      assert.equal(second.finishReason, 'stop');
      const body = llm.requests[1]!.body as Rec;
      assert.deepEqual(wire.assistantToolCallIds(body), ['call_a', 'call_b']);
      const results = wire.toolResults(body);
      assert.equal(results.length, 2);
      assert.equal(results[0]!.id, 'call_a');
      assert.equal(results[0]!.content, '{"sky":"sunny"}');
      assert.equal(results[1]!.id, 'call_b');
      assert.equal(results[1]!.content, 'lookup failed');
      // Ollama's chat API has no error flag for tool results; the others mark the failed one.
      if (provider !== 'ollama') assert.deepEqual([results[0]!.isError, results[1]!.isError], [false, true]);
    });

    test('streaming: text deltas in order, then finish with usage', async (t) => {
      const { llm, model } = await setup(t, provider);
      llm.enqueue({ chunks: ['Hel', 'lo, ', 'wor', 'ld!'], usage: { inputTokens: 7, outputTokens: 3 } });
      const events = await collect(model.stream({ messages: [{ role: 'user', content: 'hi' }], tools: [] }, live()));
      assert.deepEqual(events, [
        { type: 'text-delta', text: 'Hel' },
        { type: 'text-delta', text: 'lo, ' },
        { type: 'text-delta', text: 'wor' },
        { type: 'text-delta', text: 'ld!' },
        { type: 'finish', finishReason: 'stop', usage: { inputTokens: 7, outputTokens: 3 } },
      ]);
      assert.equal(llm.requests.length, 1);
      assert.equal(llm.requests[0]!.stream, true);
    });

    test('streaming: a tool call arrives with parsed arguments', async (t) => {
      const { llm, model } = await setup(t, provider);
      const args = { query: 'nested', options: { limit: 3, tags: ['a', 'b'] } };
      llm.enqueue({ text: 'Let me check.', toolCalls: [{ id: 'call_s', name: 'lookup', args }] });
      const events = await collect(
        model.stream({ messages: [{ role: 'user', content: 'look it up' }], tools: TOOLS }, live()),
      );
      const text = events.flatMap((e) => (e.type === 'text-delta' ? [e.text] : [])).join('');
      assert.equal(text, 'Let me check.');
      const calls = events.filter((e) => e.type === 'tool-call');
      assert.deepEqual(calls, [{ type: 'tool-call', call: { id: 'call_s', name: 'lookup', args } }]);
      const last = events.at(-1)!;
      assert.equal(last.type, 'finish');
      assert.equal(last.type === 'finish' && last.finishReason, 'tool-calls');
    });

    test('401 is not retried and says to check api_key, without echoing the key the provider sent back', async (t) => {
      const { llm, model } = await setup(t, provider, { maxRetries: 3 });
      // Providers echo (parts of) the key in 401 bodies, e.g. "Incorrect API key provided: sk-...".
      llm.enqueue({ error: { status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}` } } } });
      llm.enqueue({ text: 'must not be reached' });
      await assert.rejects(model.generate({ messages: [{ role: 'user', content: 'x' }], tools: [] }, live()), (e) =>
        assertUpstream(e, (err) => {
          assert.equal(err.retryable, false);
          assert.equal(err.status, 401);
          assert.match(err.message, new RegExp(`^${provider} model "${provider}-test-model": `));
          assert.match(err.message, /401 Unauthorized/);
          assert.match(err.message, /check api_key/);
        }),
      );
      assert.equal(llm.requests.length, 1);
      assert.equal(llm.pending(), 1);
    });

    test('400 is not retried; the provider detail is kept but the key is redacted from it', async (t) => {
      const { llm, model } = await setup(t, provider);
      llm.enqueue({ error: { status: 400, body: errorBody(provider, 400, `max_tokens too large for key ${KEY}`) } });
      await assert.rejects(model.generate({ messages: [{ role: 'user', content: 'x' }], tools: [] }, live()), (e) =>
        assertUpstream(e, (err) => {
          assert.equal(err.retryable, false);
          assert.equal(err.status, 400);
          assert.match(err.message, /400 Bad Request/);
          assert.match(err.message, /max_tokens too large for key \[redacted\]/);
        }),
      );
      assert.equal(llm.requests.length, 1);
    });

    test('429 then success: retried (honouring Retry-After) and answered', async (t) => {
      const { llm, model } = await setup(t, provider);
      llm.enqueue({ error: { status: 429, headers: { 'retry-after': '0' } } }, { text: 'after the rate limit' });
      const result = await model.generate({ messages: [{ role: 'user', content: 'x' }], tools: [] }, live());
      assert.equal(result.text, 'after the rate limit');
      assert.equal(llm.requests.length, 2);
    });

    test('429 at the start of a stream is retried too (nothing was emitted yet)', async (t) => {
      const { llm, model } = await setup(t, provider);
      llm.enqueue({ error: { status: 429, headers: { 'retry-after': '0' } } }, { chunks: ['ok'] });
      const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }], tools: [] }, live()));
      assert.deepEqual(events[0], { type: 'text-delta', text: 'ok' });
      assert.equal(events.at(-1)!.type, 'finish');
      assert.equal(llm.requests.length, 2);
    });

    test('500 on every attempt: maxRetries + 1 requests, then a retryable UpstreamError', async (t) => {
      const { llm, model } = await setup(t, provider, { maxRetries: 2 });
      llm.enqueue({ error: { status: 500 } }, { error: { status: 503 } }, { error: { status: 500 } });
      llm.enqueue({ text: 'a fourth request must not happen' });
      await assert.rejects(model.generate({ messages: [{ role: 'user', content: 'x' }], tools: [] }, live()), (e) =>
        assertUpstream(e, (err) => {
          assert.equal(err.retryable, true);
          assert.equal(err.status, 500);
          assert.match(err.message, /500 Internal Server Error after 3 attempts/);
        }),
      );
      assert.equal(llm.requests.length, 3);
      assert.equal(llm.pending(), 1);
    });

    test('a hanging provider times out per attempt, is retried, then fails naming the timeout', async (t) => {
      const { llm, model } = await setup(t, provider, { timeoutMs: 300, maxRetries: 1 });
      llm.enqueue({ hang: true }, { hang: true }, { text: 'not reached' });
      await assert.rejects(model.generate({ messages: [{ role: 'user', content: 'x' }], tools: [] }, live()), (e) =>
        assertUpstream(e, (err) => {
          assert.equal(err.retryable, true);
          assert.match(err.message, /timed out after 300 ms after 2 attempts/);
        }),
      );
      assert.equal(llm.requests.length, 2);
    });

    test('a stream that stalls before the first chunk times out the same way', async (t) => {
      const { llm, model } = await setup(t, provider, { timeoutMs: 300, maxRetries: 0 });
      llm.enqueue({ hang: true });
      await assert.rejects(
        collect(model.stream({ messages: [{ role: 'user', content: 'x' }], tools: [] }, live())),
        (e) => assertUpstream(e, (err) => assert.match(err.message, /timed out after 300 ms/)),
      );
    });

    test('caller abort during a call rejects with the signal reason and is not retried', async (t) => {
      const { llm, model } = await setup(t, provider, { maxRetries: 3 });
      llm.enqueue({ hang: true }, { text: 'a retry must not happen' });
      const controller = new AbortController();
      const reason = new Error('the user cancelled the task');
      const call = model.generate({ messages: [{ role: 'user', content: 'x' }], tools: [] }, controller.signal);
      await until(() => llm.requests.length === 1);
      controller.abort(reason);
      await assert.rejects(call, (e) => e === reason);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(llm.requests.length, 1);
      assert.equal(llm.pending(), 1);
    });

    test('caller abort mid-stream stops the stream with the signal reason', async (t) => {
      const { llm, model } = await setup(t, provider, { maxRetries: 3 });
      llm.enqueue({ chunks: ['first ', 'second ', 'third'], chunkDelayMs: 200 }, { text: 'a retry must not happen' });
      const controller = new AbortController();
      const reason = new Error('stop streaming');
      const seen: ChatStreamEvent[] = [];
      await assert.rejects(
        (async () => {
          for await (const e of model.stream(
            { messages: [{ role: 'user', content: 'x' }], tools: [] },
            controller.signal,
          )) {
            seen.push(e);
            controller.abort(reason);
          }
        })(),
        (e) => e === reason,
      );
      assert.deepEqual(seen, [{ type: 'text-delta', text: 'first ' }]);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(llm.requests.length, 1);
    });

    test('an already aborted signal rejects without any request', async (t) => {
      const { llm, model } = await setup(t, provider);
      const controller = new AbortController();
      controller.abort(new Error('too late'));
      await assert.rejects(
        model.generate({ messages: [{ role: 'user', content: 'x' }], tools: [] }, controller.signal),
        {
          message: 'too late',
        },
      );
      assert.equal(llm.requests.length, 0);
    });

    test('a provider error after output was streamed is thrown from the iterator and not retried', async (t) => {
      const { llm, model } = await setup(t, provider, { maxRetries: 3 });
      llm.enqueue({ chunks: ['partial ', 'answer'], midStreamError: 'the model is overloaded' }, { text: 'no retry' });
      const seen: ChatStreamEvent[] = [];
      await assert.rejects(
        (async () => {
          for await (const e of model.stream({ messages: [{ role: 'user', content: 'x' }], tools: [] }, live()))
            seen.push(e);
        })(),
        (e) => assertUpstream(e, (err) => assert.match(err.message, new RegExp(`^${provider} model `))),
      );
      assert.deepEqual(
        seen.map((e) => e.type === 'text-delta' && e.text),
        ['partial ', 'answer'],
      );
      assert.equal(llm.requests.length, 1);
    });

    test('temperature and max tokens reach the wire; a per-call maxTokens overrides the configured one', async (t) => {
      const { llm, model } = await setup(t, provider, { temperature: 0.25, maxTokens: 321 });
      llm.enqueue({ text: 'a' }, { text: 'b' });
      await model.generate({ messages: [{ role: 'user', content: 'x' }], tools: [] }, live());
      await collect(model.stream({ messages: [{ role: 'user', content: 'x' }], tools: [], maxTokens: 42 }, live()));
      const [a, b] = llm.requests.map((r) => r.body as Rec);
      assert.equal(wire.temperature(a!), 0.25);
      assert.equal(wire.maxTokens(a!), 321);
      assert.equal(wire.temperature(b!), 0.25);
      assert.equal(wire.maxTokens(b!), 42);
    });
  });
}

function errorBody(provider: ProviderName, status: number, message: string): unknown {
  switch (provider) {
    case 'openai':
      return { error: { message, type: 'invalid_request_error', param: null, code: null } };
    case 'anthropic':
      return { type: 'error', error: { type: 'invalid_request_error', message } };
    case 'gemini':
      return { error: { code: status, message, status: 'INVALID_ARGUMENT' } };
    case 'ollama':
      return { error: { message } };
  }
}
