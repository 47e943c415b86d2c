/**
 * HTTP observability: a middleware that times every request and opens its server span, and the Prometheus
 * metrics endpoint (on the main app, or a separate app for a loopback-only port).
 *
 * Contract:
 * - The `route` label and span name use the matched route template (`/agents/:name`), never the raw path: a
 *   request that matched no route is `unmatched`. Durations are to the response headers (an SSE stream's
 *   request ends when the stream opens; the run's own span covers the rest).
 * - Incoming `traceparent`/`tracestate` continue the caller's trace; `baggage` is never read.
 * - The metrics endpoint with a bearer token answers 401 unless `Authorization: Bearer <token>` matches
 *   (compared in constant time); a token anywhere else (query string, other headers) is ignored. Each refusal
 *   writes a `metrics.authenticate` audit event (which the metered audit sink counts as an auth failure).
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { AuditSink, Span, Telemetry } from '../observability/index.ts';
import { constantTimeEqual } from '../shared/index.ts';
import { auditAddress } from './rate-limit.ts';

export interface MetricsEndpointOptions {
  /** Path of the metrics (validated by config). */
  path: string;
  /** Required bearer token (absent: the endpoint is open to whoever reaches it). */
  bearerToken?: string | undefined;
  render: () => Promise<{ contentType: string; body: string }>;
  audit: AuditSink;
}

/** The route template that answered, if it is one of the app's registered paths; else `unmatched`. */
function routeOf(c: Context, known: ReadonlySet<string>): string {
  const path = c.req.routePath;
  return known.has(path) ? path : 'unmatched';
}

/**
 * Times requests into `telemetry.metrics` and wraps them in a server span (stored as the context's `span`).
 * `routes` lists the app's registered paths; it is read on the first request, after every route is added.
 */
export function observeRequests(telemetry: Telemetry, routes: () => readonly { path: string }[]): MiddlewareHandler {
  let known: ReadonlySet<string> | undefined;
  return async (c, next) => {
    known ??= new Set(
      routes()
        .map((r) => r.path)
        .filter((p) => p !== '*' && p !== '/*'),
    );
    const started = performance.now();
    const method = c.req.method;
    const span: Span = telemetry.tracer.startRequest(
      method,
      { traceparent: c.req.header('traceparent'), tracestate: c.req.header('tracestate') },
      { 'http.request.method': method },
    );
    c.set('span', span);
    try {
      await next();
    } finally {
      const route = routeOf(c, known);
      const status = c.res.status;
      telemetry.metrics.httpRequest({ method, route, status, seconds: (performance.now() - started) / 1000 });
      span.rename(route === 'unmatched' ? method : `${method} ${route}`);
      span.set({
        'http.route': route,
        'http.response.status_code': status,
        'hector.request_id': c.res.headers.get('x-request-id') ?? undefined,
      });
      if (status >= 500) span.fail(String(status));
      span.end();
    }
  };
}

/** The handler of the metrics path (GET). */
export function metricsHandler(options: MetricsEndpointOptions) {
  const token = options.bearerToken;
  return async (c: Context) => {
    c.header('Cache-Control', 'no-store');
    if (token !== undefined) {
      const match = /^Bearer ([^\s]+)$/.exec(c.req.header('authorization') ?? '');
      if (!match || !constantTimeEqual(match[1]!, token)) {
        options.audit.emit({
          level: 'warn',
          component: 'metrics',
          action: 'authenticate',
          user: null,
          tenant: 'default',
          success: false,
          request_id: (c.get('requestId') as string | undefined) ?? null,
          client_address: auditAddress(c),
        });
        c.header('WWW-Authenticate', 'Bearer realm="hector-metrics"');
        return c.json(
          {
            error: {
              code: 'authentication_required',
              message: `${options.path} needs Authorization: Bearer <server.observability.metrics.bearer_token>`,
            },
          },
          401,
        );
      }
    }
    const { contentType, body } = await options.render();
    return c.body(body, 200, { 'Content-Type': contentType });
  };
}

/** A stand-alone app serving only the metrics path (for `metrics.port`, bound to loopback by the server). */
export function createMetricsApp(options: MetricsEndpointOptions): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
  });
  app.get(options.path, metricsHandler(options));
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `metrics are at ${options.path}` } }, 404));
  app.onError((_err, c) => c.json({ error: { code: 'internal', message: 'collecting metrics failed' } }, 500));
  return app;
}
