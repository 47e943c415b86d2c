import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { A2AService } from '../a2a/index.ts';
import type { Logger } from '../observability/index.ts';
import { NotFoundError, newId, PayloadTooLargeError, type Principal } from '../shared/index.ts';
import { resolveBaseUrl } from './base-url.ts';
import { jsonRpcErrorBody, restErrorBody, toWireError } from './errors.ts';
import { handleJsonRpc } from './jsonrpc-route.ts';

export interface HealthInfo {
  status: 'ok';
  version: string;
  agents: number;
  storage: string;
}

export interface HttpAppOptions {
  a2a: A2AService;
  logger: Logger;
  version: string;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  /** `server.public_url`, used in agent cards when set. */
  publicUrl?: string | undefined;
  /** Base URL when neither public_url nor a valid Host header is available (the bound address). */
  fallbackBaseUrl: () => string;
  health: () => HealthInfo;
  /**
   * Resolves the verified principal of a request. Until authentication is configured this returns the anonymous
   * principal; it throws AuthenticationError to refuse a request.
   */
  authenticate: (headers: Headers) => Promise<Principal>;
}

type Env = { Variables: { requestId: string } };

/** The Hono application: routes, request ids, body limits, and the error → HTTP mapping. */
export function createHttpApp(options: HttpAppOptions): Hono<Env> {
  const app = new Hono<Env>();
  const { a2a, logger } = options;

  app.use('*', async (c, next) => {
    const requestId = newId('req');
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cache-Control', 'no-store');
    const started = performance.now();
    await next();
    logger.debug(
      {
        component: 'http',
        request_id: requestId,
        method: c.req.method,
        path: c.req.routePath,
        status: c.res.status,
        duration_ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });

  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? 'unknown';
    const wire = toWireError(err, requestId);
    if (wire.code === 'internal') logger.error({ component: 'http', request_id: requestId, err }, 'unhandled error');
    return c.json(restErrorBody(wire, requestId), wire.status as 500);
  });

  app.notFound((c) => {
    const wire = toWireError(new NotFoundError(`no route for ${c.req.method} ${c.req.path}`), c.get('requestId'));
    return c.json(restErrorBody(wire, c.get('requestId')), 404);
  });

  const baseUrl = (host: string | undefined) => resolveBaseUrl(options.publicUrl, host, options.fallbackBaseUrl());
  const cardOf = (name: string, host: string | undefined) => {
    const card = a2a.card(name, baseUrl(host));
    if (!card) throw new NotFoundError(`agent "${name}" not found; GET /agents lists the agents`);
    return card;
  };

  app.get('/health', (c) => c.json(options.health()));

  app.get('/agents', async (c) => {
    await options.authenticate(c.req.raw.headers);
    const host = c.req.header('host');
    const agents = a2a.agentNames.map((name) => cardOf(name, host));
    return c.json({ agents, total: agents.length });
  });

  app.get('/.well-known/agent-card.json', async (c) => {
    await options.authenticate(c.req.raw.headers);
    const first = a2a.agentNames[0];
    if (!first) throw new NotFoundError('no agents are configured');
    return c.json(cardOf(first, c.req.header('host')));
  });

  app.get('/agents/:name/.well-known/agent-card.json', async (c) => {
    await options.authenticate(c.req.raw.headers);
    return c.json(cardOf(c.req.param('name'), c.req.header('host')));
  });

  app.get('/agents/:name', async (c) => {
    await options.authenticate(c.req.raw.headers);
    return c.json(cardOf(c.req.param('name'), c.req.header('host')));
  });

  app.post(
    '/agents/:name',
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) => {
        const err = new PayloadTooLargeError(options.maxBodyBytes);
        // The rest of the body is not read: the connection must not be reused for another request.
        c.header('Connection', 'close');
        return c.json(jsonRpcErrorBody(null, -32600, `Invalid Request: ${err.message}`), 413);
      },
    }),
    async (c) => {
      const name = c.req.param('name');
      const principal = await options.authenticate(c.req.raw.headers);
      if (!a2a.has(name)) {
        return c.json(jsonRpcErrorBody(null, -32601, `agent "${name}" not found; GET /agents lists the agents`), 404);
      }
      return handleJsonRpc(c, { a2a, logger }, name, principal);
    },
  );

  return app;
}
