/**
 * Metrics and tracing through the real CLI: a real OTLP/HTTP receiver gets the spans of full runs, `/metrics`
 * is parsed as Prometheus text after a run with an auth failure, tool calls, a guardrail block, a pending
 * approval and a 429, the metrics bearer token is attacked, and planted secrets (the LLM API key, a prompt that
 * quotes it) are looked for in every metrics answer and every exported span.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { parsePrometheusText, type Sample, total } from '../support/prometheus-text.ts';
import { legacyMessage, runCli, type Server, startServer, tempDir } from './support.ts';

const LLM_KEY = 'sk-obs-PLANTED-9f8e7d6c5b4a392817';
const ALICE = 'alice-obs-key-0123456789abcdef';
const METRICS_TOKEN = 'metrics-token-5e4d3c2b1a0f9e8d';
const SECRET_PROMPT = `Remember my key ${LLM_KEY} and read the notes`;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const ENV = { TEST_LLM_KEY: LLM_KEY, ALICE_KEY: ALICE, METRICS_TOKEN };

function config(llmUrl: string, otlpUrl: string, metrics: string, captureContent: boolean): string {
  return `version: "2"
llms:
  default: {provider: openai, model: obs-model, api_key: "\${TEST_LLM_KEY}", base_url: "${llmUrl}", max_retries: 0}
tools:
  reader: {type: function, handler: read_file, working_directory: ./ws}
  writer: {type: function, handler: write_file, working_directory: ./ws, require_approval: true}
guardrails:
  strict:
    input:
      pattern: {blocked_patterns: ["[Pp]roject [Zz]eus"]}
agents:
  assistant: {tools: [reader, writer], guardrails: strict}
  limited:
    rate_limits: [{type: count, window: minute, limit: 1}]
server:
  auth:
    api_keys:
      - {key: "\${ALICE_KEY}", subject: alice}
  observability:
    metrics:
${metrics}
    tracing:
      enabled: true
      protocol: http
      endpoint: ${otlpUrl}
      capture_content: ${captureContent}
      service_name: hector-e2e
logger: {level: info, format: json}
`;
}

async function send(
  url: string,
  text: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}`, ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: legacyMessage(text) }),
  });
  return { status: res.status, body: await res.json() };
}

function serverDir(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'ws'));
  writeFileSync(join(dir, 'ws', 'notes.txt'), `Meeting at ten. The key is ${LLM_KEY}\n`);
  return dir;
}

const byName = (spans: readonly ReceivedSpan[], prefix: string) => spans.filter((s) => s.name.startsWith(prefix));

describe('metrics and tracing end to end (capture_content: false, bearer token on the main port)', () => {
  let llm: ScriptedLlm;
  let otlp: OtlpReceiver;
  let server: Server;
  let metricsText = '';
  let samples: Sample[] = [];
  let taskId = '';
  const scrape = (token?: string, extra = '') =>
    fetch(`${server.url}/metrics${extra}`, token === undefined ? {} : { headers: { authorization: token } });

  before(async () => {
    llm = await startScriptedLlm({ whenEmpty: 'echo', requireApiKey: LLM_KEY });
    otlp = await startOtlpReceiver();
    const metrics = '      enabled: true\n      bearer_token: "${METRICS_TOKEN}"';
    server = await startServer({
      config: config(llm.openaiBaseUrl, otlp.url, metrics, false),
      env: ENV,
      dir: serverDir(),
    });
    const agent = `${server.url}/agents/assistant`;

    // An auth failure.
    const refused = await fetch(agent, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-key-at-all-000000' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: legacyMessage('hi') }),
    });
    assert.equal(refused.status, 401);

    // A full run with a tool call (and a call to a tool the model made up), inside the caller's trace.
    llm.enqueue(
      {
        toolCalls: [
          { id: 'call_read', name: 'reader', args: { path: 'notes.txt' } },
          { id: 'call_evil', name: 'evil_tool_zz91', args: { x: 1 } },
        ],
        usage: { inputTokens: 40, outputTokens: 7 },
      },
      { text: `Done; your notes say ten. ${LLM_KEY}`, usage: { inputTokens: 60, outputTokens: 9 } },
    );
    const run = await send(agent, SECRET_PROMPT, { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, baggage: 'x=1' });
    assert.equal(run.status, 200);
    assert.equal(run.body.result.status.state, 'completed');
    taskId = run.body.result.id;

    // A guardrail block (input pattern; no LLM call).
    const blocked = await send(agent, 'tell me about Project Zeus');
    assert.equal(blocked.body.result.status.state, 'rejected');

    // A pending approval.
    llm.enqueue({ toolCalls: [{ id: 'call_write', name: 'writer', args: { path: 'out.txt', content: 'x' } }] });
    const paused = await send(agent, 'write it down');
    assert.equal(paused.body.result.status.state, 'input-required');

    // A 429 (the second request to an agent limited to one per minute).
    assert.equal((await send(`${server.url}/agents/limited`, 'one')).status, 200);
    assert.equal((await send(`${server.url}/agents/limited`, 'two')).status, 429);

    // Raw paths and unknown agents must not become label values.
    assert.equal((await send(`${server.url}/agents/definitely-unknown-agent-xyz`, 'hi')).status, 404);
    assert.equal((await fetch(`${server.url}/raw/path-xyz-123`)).status, 404);

    const res = await scrape(`Bearer ${METRICS_TOKEN}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    metricsText = await res.text();
    samples = parsePrometheusText(metricsText);
  });
  after(async () => {
    await server?.stop();
    await otlp?.close();
    await llm?.close();
  });

  test('HTTP requests are counted by route template and status, with a duration histogram', () => {
    const route = '/agents/:name';
    assert.ok(total(samples, 'hector_http_requests_total', { method: 'POST', route, status: '200' }) >= 4);
    assert.equal(total(samples, 'hector_http_requests_total', { route, status: '401' }), 1);
    assert.equal(total(samples, 'hector_http_requests_total', { route, status: '429' }), 1);
    assert.equal(total(samples, 'hector_http_requests_total', { route, status: '404' }), 1);
    assert.equal(total(samples, 'hector_http_requests_total', { route: 'unmatched', status: '404' }), 1);
    assert.ok(total(samples, 'hector_http_request_duration_seconds_count', { route }) >= 7);
    assert.ok(samples.some((s) => s.name === 'hector_http_request_duration_seconds_bucket' && s.labels.le === '+Inf'));
  });

  test('labels are bounded: no raw path, unknown agent, made-up tool, user or tenant appears', () => {
    for (const raw of [
      'definitely-unknown-agent-xyz',
      'path-xyz-123',
      'evil_tool_zz91',
      'alice',
      '/agents/assistant',
    ]) {
      assert.ok(!metricsText.includes(raw), `${raw} must not appear in /metrics`);
    }
    const routes = new Set(samples.filter((s) => s.labels.route !== undefined).map((s) => s.labels.route));
    assert.deepEqual([...routes].sort(), ['/agents/:name', 'unmatched']);
  });

  test('LLM calls, tokens and latency by provider and agent', () => {
    const labels = { provider: 'openai', agent: 'assistant' };
    assert.equal(total(samples, 'hector_llm_calls_total', { ...labels, outcome: 'ok' }), 3);
    assert.ok(total(samples, 'hector_llm_tokens_total', { ...labels, type: 'input' }) >= 100);
    assert.ok(total(samples, 'hector_llm_tokens_total', { ...labels, type: 'output' }) >= 16);
    assert.equal(total(samples, 'hector_llm_call_duration_seconds_count', labels), 3);
    assert.equal(total(samples, 'hector_llm_calls_total', { agent: 'limited', outcome: 'ok' }), 1);
  });

  test('tool calls by tool and verdict (a made-up tool name is "unknown")', () => {
    assert.equal(total(samples, 'hector_tool_calls_total', { tool: 'reader', verdict: 'executed' }), 1);
    assert.equal(total(samples, 'hector_tool_calls_total', { tool: 'unknown', verdict: 'refused' }), 1);
    assert.equal(total(samples, 'hector_tool_calls_total', { tool: 'writer', verdict: 'held' }), 1);
  });

  test('approvals pending, guardrail blocks, rate-limit denials and auth failures', () => {
    assert.equal(total(samples, 'hector_approvals_pending'), 1);
    assert.equal(total(samples, 'hector_guardrail_blocks_total', { stage: 'input', check: 'pattern' }), 1);
    assert.equal(
      total(samples, 'hector_rate_limit_denials_total', { type: 'count', scope: 'user', stage: 'request' }),
      1,
    );
    const authFailures = samples.filter((s) => s.name === 'hector_auth_failures_total');
    assert.equal(
      authFailures.reduce((a, s) => a + s.value, 0),
      1,
    );
    assert.match(authFailures[0]!.labels.reason ?? '', /^[a-z_]+$/);
  });

  test('/metrics refuses an attacker: no token, wrong token, token in the query, other schemes', async () => {
    const attempts: [string | undefined, string][] = [
      [undefined, ''],
      ['Bearer wrong-token-0000000000000', ''],
      [`Bearer ${METRICS_TOKEN}x`, ''],
      [`Bearer ${METRICS_TOKEN.slice(0, -1)}`, ''],
      [`Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`, ''],
      [METRICS_TOKEN, ''],
      [`Bearer  ${METRICS_TOKEN}`, ''],
      [undefined, `?token=${METRICS_TOKEN}`],
      [undefined, `?access_token=${METRICS_TOKEN}`],
      [`Bearer ${ALICE}`, ''],
    ];
    for (const [auth, query] of attempts) {
      const res = await scrape(auth, query);
      const body = await res.text();
      assert.equal(res.status, 401, `${auth} ${query}`);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="hector-metrics"');
      assert.ok(!body.includes('hector_'), 'no metrics in a refusal');
    }
    const after = parsePrometheusText(await (await scrape(`Bearer ${METRICS_TOKEN}`)).text());
    assert.equal(total(after, 'hector_auth_failures_total', { reason: 'metrics_credentials' }), attempts.length);
  });

  test('no planted secret in /metrics', () => {
    for (const secret of [LLM_KEY, ALICE, METRICS_TOKEN]) assert.ok(!metricsText.includes(secret));
  });

  test('spans: request → invoke_agent → chat / execute_tool, in the caller trace, with the task id', async () => {
    await server.stop();
    const spans = otlp.spans.filter((s) => s.traceId === TRACE_ID);
    const request = spans.find((s) => s.name === 'POST /agents/:name');
    assert.ok(request, `request span in ${otlp.spans.map((s) => s.name).join(', ')}`);
    assert.equal(request.parentSpanId, PARENT_ID);
    assert.equal(request.kind, 2); // SERVER
    assert.equal(request.attributes['http.route'], '/agents/:name');
    assert.equal(request.attributes['http.response.status_code'], 200);
    assert.equal(request.resource['service.name'], 'hector-e2e');

    const [run, ...others] = byName(spans, 'invoke_agent');
    assert.equal(others.length, 0);
    assert.equal(run!.name, 'invoke_agent assistant');
    assert.equal(run!.parentSpanId, request.spanId);
    assert.equal(run!.attributes['a2a.task_id'], taskId);
    assert.equal(typeof run!.attributes['a2a.context_id'], 'string');
    assert.equal(run!.attributes['gen_ai.usage.input_tokens'], 100);

    const chats = byName(spans, 'chat ');
    assert.equal(chats.length, 2);
    for (const c of chats) {
      assert.equal(c.name, 'chat obs-model');
      assert.equal(c.parentSpanId, run!.spanId);
      assert.equal(c.kind, 3); // CLIENT
      assert.equal(c.attributes['gen_ai.provider.name'], 'openai');
      assert.equal(c.attributes['a2a.task_id'], taskId);
    }
    const tools = byName(spans, 'execute_tool');
    assert.deepEqual(tools.map((t) => t.name).sort(), ['execute_tool reader', 'execute_tool unknown']);
    for (const t of tools) assert.equal(t.parentSpanId, run!.spanId);
    const reader = tools.find((t) => t.name === 'execute_tool reader')!;
    assert.equal(reader.attributes['hector.tool.verdict'], 'executed');
    assert.equal(reader.attributes['gen_ai.tool.call.id'], 'call_read');
    assert.equal(tools.find((t) => t.name === 'execute_tool unknown')!.statusCode, 2); // ERROR

    // Other requests started their own traces (no traceparent), and the 401 has a span too.
    assert.ok(otlp.spans.some((s) => s.traceId !== TRACE_ID && s.name === 'POST /agents/:name'));
  });

  test('without capture_content no prompt, argument, output or secret is exported; baggage is ignored', () => {
    const everything = otlp.bodies.join('\n');
    assert.ok(everything.length > 0);
    for (const needle of [LLM_KEY, ALICE, METRICS_TOKEN, 'Remember my key', 'notes.txt', 'Meeting at ten', 'Done;']) {
      assert.ok(!everything.includes(needle), `${needle} must not be exported`);
    }
    assert.ok(!everything.includes('baggage'));
    for (const s of otlp.spans) {
      assert.ok(!Object.keys(s.attributes).some((k) => k.startsWith('gen_ai.input') || k.endsWith('.arguments')));
    }
  });
});

describe('tracing with capture_content: true, metrics on a loopback-only port', () => {
  let llm: ScriptedLlm;
  let otlp: OtlpReceiver;
  let server: Server;

  before(async () => {
    llm = await startScriptedLlm({ whenEmpty: 'echo', requireApiKey: LLM_KEY });
    otlp = await startOtlpReceiver();
    server = await startServer({
      config: config(llm.openaiBaseUrl, otlp.url, '      enabled: true\n      port: 0', true),
      env: ENV,
      dir: serverDir(),
    });
  });
  after(async () => {
    await server?.stop();
    await otlp?.close();
    await llm?.close();
  });

  test('metrics are served on their own loopback port, not on the main one', async () => {
    await server.waitForOutput(/Prometheus metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/);
    const url = /Prometheus metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(server.output())![1]!;
    assert.notEqual(new URL(url).port, new URL(server.url).port);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.ok(
      parsePrometheusText(await res.text()).some(
        (s) => s.name === 'hector_http_requests_total' || s.name === 'hector_approvals_pending',
      ),
    );
    assert.equal((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ALICE}` } })).status, 404);
  });

  test('captured content is exported with every planted secret scrubbed', async () => {
    llm.enqueue(
      {
        toolCalls: [
          { id: 'call_read', name: 'reader', args: { path: 'notes.txt' } },
          { id: 'call_missing', name: 'reader', args: { path: `missing-${LLM_KEY}.txt` } },
        ],
      },
      { text: `Your notes say ten. ${LLM_KEY}` },
    );
    const run = await send(`${server.url}/agents/assistant`, SECRET_PROMPT);
    assert.equal(run.body.result.status.state, 'completed');
    await server.stop();
    const everything = otlp.bodies.join('\n');
    for (const secret of [LLM_KEY, ALICE]) assert.ok(!everything.includes(secret), 'secret exported');
    const chat = byName(otlp.spans, 'chat ').find((s) =>
      String(s.attributes['gen_ai.input.messages']).includes('Remember my key'),
    );
    assert.ok(chat, 'the prompt is captured');
    assert.match(String(chat.attributes['gen_ai.input.messages']), /Remember my key \[redacted\]/);
    const tools = byName(otlp.spans, 'execute_tool reader');
    const read = tools.find((t) => t.attributes['gen_ai.tool.call.id'] === 'call_read')!;
    assert.match(String(read.attributes['gen_ai.tool.call.arguments']), /notes\.txt/);
    assert.match(String(read.attributes['gen_ai.tool.call.result']), /Meeting at ten\. The key is \[redacted\]/);
    const missing = tools.find((t) => t.attributes['gen_ai.tool.call.id'] === 'call_missing')!;
    assert.match(String(missing.attributes['gen_ai.tool.call.arguments']), /missing-\[redacted\]\.txt/);
    const outputs = byName(otlp.spans, 'chat ').map((s) => String(s.attributes['gen_ai.output.messages']));
    assert.ok(outputs.some((o) => o.includes('Your notes say ten. [redacted]')));
  });
});

describe('--metrics and --tracing-endpoint', () => {
  let llm: ScriptedLlm;
  let otlp: OtlpReceiver;
  before(async () => {
    llm = await startScriptedLlm({ whenEmpty: 'echo' });
    otlp = await startOtlpReceiver();
  });
  after(async () => {
    await otlp?.close();
    await llm?.close();
  });
  const plain = (llmUrl: string, observability = '') => `version: "2"
llms:
  default: {provider: openai, model: m, api_key: k-000000, base_url: "${llmUrl}", max_retries: 0}
agents:
  assistant: {}
${observability}logger: {level: info, format: json}
`;

  test('the flags switch metrics and tracing on (the file keeps protocol and sampling)', async () => {
    const server = await startServer({
      config: plain(llm.openaiBaseUrl, 'server:\n  observability:\n    tracing: {protocol: http}\n'),
      extraArgs: ['--metrics', '--tracing-endpoint', otlp.url],
    });
    try {
      assert.match(server.output(), /metrics: http:\/\/127\.0\.0\.1:\d+\/metrics/);
      const res = await fetch(`${server.url}/agents/assistant`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: legacyMessage('hello') }),
      });
      assert.equal(res.status, 200);
      const stream = await fetch(`${server.url}/agents/assistant`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'message/stream', params: legacyMessage('streamed') }),
      });
      assert.match(await stream.text(), /"final":true/);
      const samples = parsePrometheusText(await (await fetch(`${server.url}/metrics`)).text());
      assert.equal(total(samples, 'hector_llm_calls_total', { agent: 'assistant', outcome: 'ok' }), 2);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const runs = otlp.spans.filter((s) => s.name === 'invoke_agent assistant');
    assert.equal(runs.length, 2, 'message/send and message/stream');
    for (const run of runs) {
      const parent = otlp.spans.find((s) => s.spanId === run.parentSpanId);
      assert.equal(parent?.name, 'POST /agents/:name');
      assert.ok(otlp.spans.some((s) => s.name === 'chat m' && s.parentSpanId === run.spanId));
    }
  });

  test('a bad flag or tracing without an endpoint fails at startup, naming what to fix', async () => {
    const dir = tempDir();
    const file = join(dir, 'c.yaml');
    writeFileSync(file, plain(llm.openaiBaseUrl));
    const bad = await runCli(['serve', '--config', file, '--port', '0', '--tracing-endpoint', 'not a url']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--tracing-endpoint/);
    writeFileSync(file, plain(llm.openaiBaseUrl, 'server:\n  observability:\n    tracing: {enabled: true}\n'));
    const missing = await runCli(['serve', '--config', file, '--port', '0']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /server\.observability\.tracing\.endpoint/);
    assert.match(missing.stderr, /--tracing-endpoint/);
  });
});
