import assert from 'node:assert/strict';
import { test } from 'node:test';
import { register } from 'prom-client';
import { createAuditSink } from './audit.ts';
import { createLogger } from './logger.ts';
import { meterAuditSink } from './metered-audit.ts';
import { createLabelGuard, createMetrics, MAX_VALUES_PER_LABEL } from './metrics.ts';

const render = async (m: ReturnType<typeof createMetrics>) => (await m.render()).body;

test('each Metrics has its own registry; the process-global default registry stays empty', async () => {
  const a = createMetrics({ processMetrics: false });
  const b = createMetrics({ processMetrics: false });
  a.authFailure({ reason: 'invalid_token' });
  assert.match(await render(a), /hector_auth_failures_total\{reason="invalid_token"\} 1/);
  assert.doesNotMatch(await render(b), /reason="invalid_token"/);
  assert.equal((await register.metrics()).includes('hector_'), false);
});

test('label values are bounded: unsafe characters become "invalid", too many distinct values "other"', async () => {
  const guard = createLabelGuard(3);
  assert.equal(guard('m', 'l', 'a'), 'a');
  assert.equal(guard('m', 'l', 'b"} 1\nfake_metric 9'), 'invalid');
  assert.equal(guard('m', 'l', ''), 'invalid');
  assert.equal(guard('m', 'l', 'x'.repeat(129)), 'invalid');
  guard('m', 'l', 'b');
  guard('m', 'l', 'c');
  assert.equal(guard('m', 'l', 'd'), 'other');
  assert.equal(guard('m', 'l', 'a'), 'a', 'known values stay');
  assert.equal(guard('m', 'other-label', 'd'), 'd', 'the cap is per label');

  const metrics = createMetrics({ processMetrics: false });
  for (let i = 0; i < MAX_VALUES_PER_LABEL + 50; i++) metrics.toolCall({ tool: `t${i}`, verdict: 'executed' });
  metrics.httpRequest({ method: 'BREW', route: '/x', status: 200, seconds: 0.01 });
  const text = await render(metrics);
  const series = text.split('\n').filter((l) => l.startsWith('hector_tool_calls_total{'));
  assert.equal(series.length, MAX_VALUES_PER_LABEL + 1);
  assert.match(text, /hector_tool_calls_total\{tool="other",verdict="executed"\} 50/);
  assert.match(text, /hector_http_requests_total\{method="other",route="\/x",status="200"\} 1/);
});

test('LLM calls record calls, latency and tokens; zero tokens add no token series', async () => {
  const m = createMetrics({ processMetrics: false });
  m.llmCall({ provider: 'openai', agent: 'a', outcome: 'ok', seconds: 0.3, inputTokens: 12, outputTokens: 3 });
  m.llmCall({ provider: 'openai', agent: 'a', outcome: 'error', seconds: 0.1, inputTokens: 0, outputTokens: 0 });
  const text = await render(m);
  assert.match(text, /hector_llm_calls_total\{provider="openai",agent="a",outcome="ok"\} 1/);
  assert.match(text, /hector_llm_calls_total\{provider="openai",agent="a",outcome="error"\} 1/);
  assert.match(text, /hector_llm_tokens_total\{provider="openai",agent="a",type="input"\} 12/);
  assert.match(text, /hector_llm_call_duration_seconds_count\{provider="openai",agent="a"\} 2/);
});

test('the pending-approvals gauge is read at every scrape; a failing read keeps the last value', async () => {
  let pending = 2;
  let fail = false;
  const errors: unknown[] = [];
  const m = createMetrics({
    processMetrics: false,
    pendingApprovals: async () => {
      if (fail) throw new Error('db down');
      return pending;
    },
    onCollectError: (e) => errors.push(e),
  });
  assert.match(await render(m), /hector_approvals_pending 2/);
  pending = 5;
  assert.match(await render(m), /hector_approvals_pending 5/);
  fail = true;
  assert.match(await render(m), /hector_approvals_pending 5/);
  assert.equal(errors.length, 1);
});

test('the metered audit sink counts auth failures, denials and blocks from their audit events', async () => {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    format: 'json',
    secrets: [],
    destination: { write: (l: string) => lines.push(l) },
  });
  const m = createMetrics({ processMetrics: false });
  const audit = meterAuditSink(createAuditSink({ logger }), m);
  const base = { user: null, tenant: 'default', request_id: null };
  audit.emit({ ...base, component: 'auth', action: 'authenticate', success: false, reason: 'invalid_token' });
  audit.emit({ ...base, component: 'auth', action: 'authenticate', success: true, user: 'alice' });
  audit.emit({ ...base, component: 'admin', action: 'authenticate', success: false });
  audit.emit({
    ...base,
    component: 'ratelimit',
    action: 'deny',
    success: false,
    limit_type: 'token',
    scope: 'user',
    stage: 'tokens',
  });
  audit.emit({
    ...base,
    component: 'guardrails',
    action: 'block',
    success: false,
    stage: 'output',
    check: 'pii',
    agent: 'x',
  });
  audit.emit({ ...base, component: 'guardrails', action: 'redact', success: true, stage: 'output', check: 'pii' });
  audit.emit({ ...base, component: 'tool', action: 'execute', success: true, tool: 'evil' });
  await audit.flush();
  assert.equal(lines.length, 7, 'every event still reaches the sink');
  const text = await render(m);
  assert.match(text, /hector_auth_failures_total\{reason="invalid_token"\} 1/);
  assert.match(text, /hector_auth_failures_total\{reason="admin_credentials"\} 1/);
  assert.match(text, /hector_rate_limit_denials_total\{type="token",scope="user",stage="tokens"\} 1/);
  assert.match(text, /hector_guardrail_blocks_total\{stage="output",check="pii"\} 1/);
  assert.doesNotMatch(text, /alice|evil/);
});
