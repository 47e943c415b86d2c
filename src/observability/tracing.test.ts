import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { createTelemetry } from './create-telemetry.ts';
import { httpTracesUrl, MAX_CONTENT_CHARS, type TracingOptions } from './tracing.ts';

const SECRET = 'sk-planted-secret-value-123456';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/** Keeps every exported span (unlike InMemorySpanExporter, shutting down does not clear them). */
function collectingExporter(): SpanExporter & { getFinishedSpans(): ReadableSpan[] } {
  const spans: ReadableSpan[] = [];
  return {
    export(batch, done) {
      spans.push(...batch);
      done({ code: 0 });
    },
    shutdown: async () => {},
    getFinishedSpans: () => spans,
  };
}

function setup(extra: Partial<TracingOptions> = {}) {
  const exporter = collectingExporter();
  const telemetry = createTelemetry({
    tracing: {
      endpoint: 'http://127.0.0.1:1',
      protocol: 'http',
      sampling: 1,
      captureContent: false,
      serviceName: 'test',
      serviceVersion: '0.0.0',
      secrets: [SECRET],
      exporter,
      ...extra,
    },
  });
  return { exporter, telemetry, tracer: telemetry.tracer };
}

test('a valid traceparent is continued; its sampled flag is not obeyed; children are parented', async () => {
  const { exporter, telemetry, tracer } = setup();
  const request = tracer.startRequest('POST', { traceparent: `00-${TRACE}-00f067aa0ba902b7-00`, tracestate: 'a=b' });
  const run = tracer.start('invoke_agent a', request, { 'a2a.task_id': 't1', skipped: undefined });
  const tool = tracer.start('execute_tool x', run);
  tool.end();
  run.end();
  request.rename('POST /agents/:name');
  request.end();
  request.end();
  await telemetry.shutdown();
  const spans = exporter.getFinishedSpans();
  assert.equal(spans.length, 3);
  const [t, r, q] = spans;
  for (const s of spans) assert.equal(s!.spanContext().traceId, TRACE);
  assert.equal(q!.name, 'POST /agents/:name');
  assert.equal(q!.parentSpanContext?.spanId, '00f067aa0ba902b7');
  assert.equal(r!.parentSpanContext?.spanId, q!.spanContext().spanId);
  assert.equal(t!.parentSpanContext?.spanId, r!.spanContext().spanId);
  assert.equal(r!.attributes['a2a.task_id'], 't1');
  assert.equal('skipped' in r!.attributes, false);
  assert.match(q!.spanContext().spanId, /^[0-9a-f]{16}$/);
});

test('a malformed traceparent starts a new trace', async () => {
  const { exporter, telemetry, tracer } = setup();
  for (const bad of ['garbage', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, `ff-${TRACE}-00f067aa0ba902b7-01`]) {
    tracer.startRequest('GET', { traceparent: bad }).end();
  }
  await telemetry.shutdown();
  const spans = exporter.getFinishedSpans();
  assert.equal(spans.length, 3);
  for (const s of spans) {
    assert.notEqual(s.spanContext().traceId, TRACE);
    assert.equal(s.parentSpanContext, undefined);
    assert.match(s.spanContext().traceId, /^[0-9a-f]{32}$/);
  }
});

test('sampling 0 exports nothing, even when the caller says sampled', async () => {
  const { exporter, telemetry, tracer } = setup({ sampling: 0 });
  const span = tracer.startRequest('GET', { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` });
  tracer.start('child', span).end();
  span.end();
  await telemetry.shutdown();
  assert.equal(exporter.getFinishedSpans().length, 0);
});

test('content is dropped without capture_content', async () => {
  const { exporter, telemetry, tracer } = setup();
  assert.equal(tracer.capturesContent, false);
  const span = tracer.start('chat m', undefined);
  span.content('gen_ai.input.messages', [{ role: 'user', content: `hi ${SECRET}` }]);
  span.end();
  await telemetry.shutdown();
  assert.deepEqual(Object.keys(exporter.getFinishedSpans()[0]!.attributes), []);
});

test('with capture_content, content is scrubbed of secrets (raw and JSON-escaped) and capped', async () => {
  const { exporter, telemetry, tracer } = setup({ captureContent: true, secrets: [SECRET, 'quote"d-secret'] });
  const span = tracer.start('chat m', undefined);
  span.content('gen_ai.input.messages', [{ role: 'user', content: `hi ${SECRET} and quote"d-secret` }]);
  span.content('gen_ai.tool.call.result', `${SECRET}${'x'.repeat(MAX_CONTENT_CHARS * 2)}`);
  span.fail('upstream_error');
  span.end();
  await telemetry.shutdown();
  const s = exporter.getFinishedSpans()[0]!;
  const input = String(s.attributes['gen_ai.input.messages']);
  assert.equal(input, '[{"role":"user","content":"hi [redacted] and [redacted]"}]');
  const result = String(s.attributes['gen_ai.tool.call.result']);
  assert.ok(result.startsWith('[redacted]xxx'));
  assert.ok(result.length < MAX_CONTENT_CHARS + 40);
  assert.match(result, /…\[\+\d+ chars\]$/);
  assert.equal(s.status.code, 2);
  assert.equal(s.status.message, 'upstream_error');
  assert.equal(s.attributes['error.type'], 'upstream_error');
});

test('two telemetries in one process keep their spans apart', async () => {
  const a = setup();
  const b = setup();
  const parent = a.tracer.start('a-parent', undefined);
  b.tracer.start('b-child', parent).end();
  parent.end();
  await a.telemetry.shutdown();
  await b.telemetry.shutdown();
  assert.deepEqual(
    a.exporter.getFinishedSpans().map((s) => s.name),
    ['a-parent'],
  );
  const child = b.exporter.getFinishedSpans()[0]!;
  assert.equal(child.name, 'b-child');
  assert.equal(child.parentSpanContext, undefined, 'a span of another tracer is no parent');
});

test('OTLP/HTTP URL: /v1/traces is appended to an endpoint without a path', () => {
  assert.equal(httpTracesUrl('http://c:4318'), 'http://c:4318/v1/traces');
  assert.equal(httpTracesUrl('http://c:4318/'), 'http://c:4318/v1/traces');
  assert.equal(httpTracesUrl('https://c/custom/traces'), 'https://c/custom/traces');
});

test('shutdown gives up on a collector that never answers (a stop is never held up)', async () => {
  const hanging: SpanExporter = { export: () => {}, shutdown: () => new Promise(() => {}) };
  const { telemetry, tracer } = setup({ exporter: hanging, exportTimeoutMs: 200 });
  tracer.start('lost', undefined).end();
  const t0 = performance.now();
  await telemetry.shutdown();
  assert.ok(performance.now() - t0 < 2000);
});

test('a client cannot force sampling with a crafted trace id: the ratio is drawn on the server', async () => {
  const { exporter, telemetry, tracer } = setup({ sampling: 0.0001 });
  // Trace ids whose 32-bit chunks XOR to 0: the SDK's trace-id ratio sampler would take every one of them.
  const crafted = 'aabbaabbaabbaabb0000000000000000';
  for (let i = 0; i < 200; i++) {
    const span = tracer.startRequest('POST', { traceparent: `00-${crafted}-00f067aa0ba902b${i % 10}-00` });
    span.end();
  }
  await telemetry.shutdown();
  assert.ok(exporter.getFinishedSpans().length < 5, `${exporter.getFinishedSpans().length} of 200 sampled`);
});
