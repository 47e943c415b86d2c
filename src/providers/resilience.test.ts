import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { UpstreamError } from '../shared/index.ts';
import { startScriptedLlm } from '../testing/index.ts';
import { backoffDelay, DEFAULT_BACKOFF } from './attempt.ts';
import { retryAfter, sanitize } from './failure.ts';
import { createChatModel } from './index.ts';
import { resolveBaseUrl } from './sdk-model.ts';
import type { ChatStreamEvent } from './types.ts';

/** Failure modes the scripted LLM cannot produce: refused connections, redirects, cut streams, foreign servers. */

const FAST = { initialDelayMs: 1, maxDelayMs: 2 };
const live = (): AbortSignal => new AbortController().signal;
const ask = { messages: [{ role: 'user' as const, content: 'hi' }], tools: [] };

async function serve(t: TestContext, handler: RequestListener): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function collect(stream: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const out: ChatStreamEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

describe('transport failures', () => {
  test('connection refused is retried and reported with its code, not the address', async () => {
    const port = await closedPort();
    const model = createChatModel(
      {
        provider: 'openai',
        model: 'm',
        apiKey: 'k',
        baseUrl: `http://127.0.0.1:${port}/v1`,
        timeoutMs: 5000,
        maxRetries: 1,
      },
      { backoff: FAST },
    );
    await assert.rejects(model.generate(ask, live()), (e) => {
      assert.ok(e instanceof UpstreamError);
      assert.equal(e.retryable, true);
      assert.match(e.message, /cannot connect to the provider \(ECONNREFUSED\) after 2 attempts; check base_url/);
      assert.ok(!e.message.includes(String(port)), 'the endpoint is an internal detail');
      return true;
    });
  });

  test('a redirect is refused, so the x-api-key header never reaches the redirect target', async (t) => {
    const target = await startScriptedLlm();
    t.after(() => target.close());
    target.enqueue({ text: 'stolen' });
    const redirector = await serve(t, (_req, res) => {
      res.writeHead(307, { location: `${target.url}/v1/messages` });
      res.end();
    });
    const model = createChatModel(
      {
        provider: 'anthropic',
        model: 'm',
        apiKey: 'sk-ant-secret',
        baseUrl: redirector.url,
        timeoutMs: 5000,
        maxRetries: 2,
      },
      { backoff: FAST },
    );
    await assert.rejects(model.generate(ask, live()), (e) => {
      assert.ok(e instanceof UpstreamError);
      assert.equal(e.retryable, false);
      assert.match(e.message, /redirect, which is refused/);
      return true;
    });
    assert.equal(redirector.hits(), 1, 'not retried');
    assert.equal(target.requests.length, 0, 'the redirect was not followed');
  });

  test('a stream cut off after output is an error (not a silent short answer) and is not retried', async (t) => {
    const chunk = (content: string) =>
      `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    const server = await serve(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(chunk('half an ans')); // no finish_reason, no [DONE]
    });
    const model = createChatModel(
      { provider: 'openai', model: 'm', apiKey: 'k', baseUrl: `${server.url}/v1`, timeoutMs: 5000, maxRetries: 2 },
      { backoff: FAST },
    );
    const seen: ChatStreamEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of model.stream(ask, live())) seen.push(e);
      })(),
      (e) => e instanceof UpstreamError && /stream ended before the provider finished \(mid-stream/.test(e.message),
    );
    assert.deepEqual(seen, [{ type: 'text-delta', text: 'half an ans' }]);
    assert.equal(server.hits(), 1);
  });

  test('an empty stream (cut before any output) is retried', async (t) => {
    let n = 0;
    const server = await serve(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (++n === 1) {
        res.end();
        return;
      }
      const base = { id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm' };
      res.write(
        `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: null }] })}\n\n`,
      );
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
    const model = createChatModel(
      { provider: 'openai', model: 'm', apiKey: 'k', baseUrl: `${server.url}/v1`, timeoutMs: 5000, maxRetries: 1 },
      { backoff: FAST },
    );
    const events = await collect(model.stream(ask, live()));
    assert.deepEqual(events[0], { type: 'text-delta', text: 'ok' });
    assert.equal(events.at(-1)?.type, 'finish');
    assert.equal(server.hits(), 2);
  });

  test('a base_url that is not an LLM API (HTML 200) fails clearly and is not retried', async (t) => {
    const server = await serve(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login page</html>');
    });
    const model = createChatModel(
      { provider: 'openai', model: 'm', apiKey: 'k', baseUrl: `${server.url}/v1`, timeoutMs: 5000, maxRetries: 2 },
      { backoff: FAST },
    );
    await assert.rejects(model.generate(ask, live()), (e) => {
      assert.ok(e instanceof UpstreamError);
      assert.equal(e.retryable, false);
      assert.match(e.message, /response could not be understood/);
      return true;
    });
    assert.equal(server.hits(), 1);
  });

  test('Retry-After from the provider replaces the exponential backoff', async (t) => {
    const llm = await startScriptedLlm();
    t.after(() => llm.close());
    // Backoff alone would wait ten minutes; Retry-After: 0 lets the retry go at once.
    const model = createChatModel(
      { provider: 'gemini', model: 'm', apiKey: 'k', baseUrl: llm.url, timeoutMs: 5000, maxRetries: 1 },
      { backoff: { initialDelayMs: 600_000, maxDelayMs: 600_000 } },
    );
    llm.enqueue({ error: { status: 503, headers: { 'retry-after': '0' } } }, { text: 'back' });
    assert.equal((await model.generate(ask, live())).text, 'back');
  });

  test('an abort during the backoff wait rejects at once with the reason', async (t) => {
    const llm = await startScriptedLlm();
    t.after(() => llm.close());
    const model = createChatModel(
      { provider: 'openai', model: 'm', apiKey: 'k', baseUrl: llm.openaiBaseUrl, timeoutMs: 5000, maxRetries: 3 },
      { backoff: { initialDelayMs: 600_000, maxDelayMs: 600_000 } },
    );
    llm.enqueue({ error: { status: 500 } }, { text: 'never' });
    const controller = new AbortController();
    const call = model.generate(ask, controller.signal);
    for (let i = 0; i < 500 && llm.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    const reason = new Error('cancelled while waiting');
    controller.abort(reason);
    await assert.rejects(call, (e) => e === reason);
    assert.equal(llm.requests.length, 1);
  });
});

describe('retry policy', () => {
  test('exponential backoff with jitter stays within [exp/2, exp] and is capped', () => {
    const s = { initialDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };
    assert.equal(
      backoffDelay(1, undefined, s, () => 0),
      50,
    );
    assert.equal(backoffDelay(1, undefined, s, () => 0.999999) < 100, true);
    assert.equal(
      backoffDelay(3, undefined, s, () => 0),
      200,
    );
    assert.equal(
      backoffDelay(20, undefined, s, () => 1),
      1000,
    );
  });

  test('Retry-After wins over backoff and is capped', () => {
    assert.equal(
      backoffDelay(1, 1234, DEFAULT_BACKOFF, () => 0.5),
      1234,
    );
    assert.equal(
      backoffDelay(1, 10 * 60_000, DEFAULT_BACKOFF, () => 0.5),
      DEFAULT_BACKOFF.maxRetryAfterMs,
    );
    assert.equal(
      backoffDelay(1, -5, DEFAULT_BACKOFF, () => 0.5),
      0,
    );
  });

  test('Retry-After parsing: seconds, milliseconds, HTTP date, garbage', () => {
    assert.deepEqual(retryAfter({ 'retry-after': '2' }), { retryAfterMs: 2000 });
    assert.deepEqual(retryAfter({ 'retry-after-ms': '150', 'retry-after': '9' }), { retryAfterMs: 150 });
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const fromDate = retryAfter({ 'retry-after': inAMinute }).retryAfterMs ?? -1;
    assert.ok(fromDate > 50_000 && fromDate <= 60_000, String(fromDate));
    assert.deepEqual(retryAfter({ 'retry-after': 'soon-ish' }), {});
    assert.deepEqual(retryAfter(undefined), {});
  });

  test('provider detail is redacted, single-line and truncated', () => {
    assert.equal(sanitize('bad key sk-1\n\n and sk-1 again', 'sk-1'), 'bad key [redacted] and [redacted] again');
    assert.equal(sanitize('x'.repeat(500), undefined).length, 201);
  });
});

describe('base_url', () => {
  test('a bare origin gets the provider API prefix; a path is kept as given', () => {
    assert.equal(resolveBaseUrl('ollama', 'http://localhost:11434'), 'http://localhost:11434/api');
    assert.equal(resolveBaseUrl('ollama', 'http://localhost:11434/'), 'http://localhost:11434/api');
    assert.equal(resolveBaseUrl('anthropic', 'https://proxy.internal'), 'https://proxy.internal/v1');
    assert.equal(resolveBaseUrl('gemini', 'https://g.example'), 'https://g.example/v1beta');
    assert.equal(resolveBaseUrl('openai', 'https://api.groq.com/openai/v1/'), 'https://api.groq.com/openai/v1');
    assert.equal(resolveBaseUrl('openai', undefined), 'https://api.openai.com/v1');
  });
});
