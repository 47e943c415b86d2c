import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hono } from 'hono';
import { type AuditInput, NOOP_TELEMETRY, type Span, type Telemetry } from '../observability/index.ts';
import { createMetricsApp, metricsHandler, observeRequests } from './observe.ts';

function recording() {
  const requests: { method: string; route: string; status: number }[] = [];
  const spans: { name: string; attributes: Record<string, unknown>; failed?: string; carrier: unknown }[] = [];
  const telemetry: Telemetry = {
    ...NOOP_TELEMETRY,
    metrics: {
      ...NOOP_TELEMETRY.metrics,
      httpRequest: ({ method, route, status }) => requests.push({ method, route, status }),
    },
    tracer: {
      capturesContent: false,
      start: NOOP_TELEMETRY.tracer.start,
      startRequest(name, carrier, attributes): Span {
        const s = {
          name,
          attributes: { ...attributes } as Record<string, unknown>,
          carrier,
          failed: undefined as string | undefined,
        };
        spans.push(s);
        return {
          set: (a) => Object.assign(s.attributes, a),
          content: () => {},
          fail: (code) => {
            s.failed = code;
          },
          rename: (n) => {
            s.name = n;
          },
          end: () => {},
        };
      },
    },
  };
  return { telemetry, requests, spans };
}

test('route templates (mounted sub-apps included), never raw paths; unmatched; errors fail the span', async () => {
  const { telemetry, requests, spans } = recording();
  const app = new Hono();
  app.use(
    '*',
    observeRequests(telemetry, () => app.routes),
  );
  app.get('/agents/:name', (c) => c.text(c.req.param('name')));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  const admin = new Hono();
  admin.use('/admin/*', async (c, next) => (c.req.header('authorization') ? next() : c.text('no', 401)));
  admin.get('/admin/apps/:id', (c) => c.text('app'));
  app.route('/', admin);
  app.onError((_e, c) => c.text('internal', 500));

  await app.request('/agents/secret-agent-name');
  await app.request('/admin/apps/app-123', { headers: { authorization: 'x' } });
  await app.request('/admin/apps/app-123');
  await app.request('/no/such/path-9');
  await app.request('/boom');
  await app.request('/agents/x', {
    headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', baggage: 'user=alice' },
  });
  assert.deepEqual(
    requests.map((r) => `${r.method} ${r.route} ${r.status}`),
    [
      'GET /agents/:name 200',
      'GET /admin/apps/:id 200',
      'GET /admin/* 401',
      'GET unmatched 404',
      'GET /boom 500',
      'GET /agents/:name 200',
    ],
  );
  assert.ok(!JSON.stringify({ requests, spans }).includes('secret-agent-name'));
  assert.ok(!JSON.stringify({ requests, spans }).includes('app-123'));
  assert.equal(spans[0]!.name, 'GET /agents/:name');
  assert.equal(spans[3]!.name, 'GET');
  assert.equal(spans[4]!.failed, '500');
  assert.deepEqual(spans[5]!.carrier, {
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    tracestate: undefined,
  });
});

test('the metrics endpoint: bearer token in the Authorization header only, audited refusals', async () => {
  const audited: AuditInput[] = [];
  const options = {
    path: '/metrics',
    bearerToken: 'token-0123456789abcdef',
    render: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'hector_x 1\n' }),
    audit: { emit: (e: AuditInput) => audited.push(e), flush: async () => {} },
  };
  const app = createMetricsApp(options);
  const ok = await app.request('/metrics', { headers: { authorization: 'Bearer token-0123456789abcdef' } });
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), 'hector_x 1\n');
  assert.equal(ok.headers.get('cache-control'), 'no-store');
  for (const init of [
    {},
    { headers: { authorization: 'Bearer token-0123456789abcdeX' } },
    { headers: { authorization: 'bearer token-0123456789abcdef' } },
    { headers: { 'x-api-key': 'token-0123456789abcdef' } },
  ]) {
    assert.equal((await app.request('/metrics', init)).status, 401);
  }
  assert.equal((await app.request('/metrics?token=token-0123456789abcdef')).status, 401);
  assert.equal((await app.request('/other')).status, 404);
  assert.equal(audited.length, 5);
  assert.ok(audited.every((e) => e.component === 'metrics' && e.action === 'authenticate' && e.success === false));

  const open = new Hono();
  open.get('/m', metricsHandler({ ...options, path: '/m', bearerToken: undefined }));
  assert.equal((await open.request('/m')).status, 200);
});
