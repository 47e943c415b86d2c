import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { type A2AService, WORK_METHODS } from '../a2a/index.ts';
import type { Authenticator, AuthMethodsInfo } from '../auth/index.ts';
import type { AuditSink, Logger, Span, Telemetry } from '../observability/index.ts';
import {
  auditDenial,
  denialError,
  type LimitDenial,
  type LimitStatus,
  type RateLimiter,
  retryAfterSeconds,
} from '../ratelimit/index.ts';
import {
  type Cidr,
  DEFAULT_APP_ID,
  InvalidRequestError,
  newId,
  PayloadTooLargeError,
  PermissionDeniedError,
  type Principal,
  type RateSubject,
  safeJsonParse,
  UnsupportedMediaTypeError,
} from '../shared/index.ts';
import { type AdminRoutesOptions, createAdminRoutes } from './admin-routes.ts';
import { type AuthDeps, principalOf } from './authenticate.ts';
import { resolveBaseUrl } from './base-url.ts';
import { type CorsOptions, corsMiddleware } from './cors.ts';
import { ERROR_WIRE, jsonRpcErrorBody, restErrorBody, toWireError } from './errors.ts';
import { handleJsonRpc } from './jsonrpc-route.ts';
import { type MetricsEndpointOptions, metricsHandler, observeRequests } from './observe.ts';
import {
  admitWork,
  clientAddress,
  isTrustedPeer,
  limitView,
  peerAddress,
  type RateLimitHttpOptions,
  rateSubject,
  setDenialHeaders,
  setRateLimitHeaders,
} from './rate-limit.ts';

export interface HealthInfo {
  /** `degraded` while an MCP toolset is not connected (the server still serves; its calls fail clearly). */
  status: 'ok' | 'degraded';
  version: string;
  agents: number;
  storage: string;
  /** MCP toolsets by name: connection status and tools offered (reasons go to the log, not here). */
  toolsets: Record<string, { status: string; tools: number }>;
  auth: { enabled: boolean; methods: AuthMethodsInfo };
}

/** What serves one app: its A2A service, and the limiter of its rules (absent: nothing is counted). */
export interface TenantService {
  /** The app's id: the tenant its data is kept under (credentials may name the app by its name). */
  readonly appId: string;
  readonly a2a: A2AService;
  readonly limiter?: RateLimiter | undefined;
}

export interface HttpAppOptions {
  a2a: A2AService;
  logger: Logger;
  audit: AuditSink;
  authenticator: Authenticator;
  version: string;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  /** `server.public_url`, used in agent cards when set. */
  publicUrl?: string | undefined;
  /**
   * `server.trusted_proxies`: peers whose `X-Forwarded-Proto` is believed for agent-card URLs (rate limiting
   * takes its own copy for `X-Forwarded-For`). Default: none.
   */
  trustedProxies?: readonly Cidr[] | undefined;
  /** Base URL when neither public_url nor a valid Host header is available (the bound address). */
  fallbackBaseUrl: () => string;
  /** Agents, storage and toolsets for /health. */
  health: () => { agents: number; storage: string; toolsets: Record<string, { status: string; tools: number }> };
  cors?: CorsOptions | undefined;
  /** Request rate limits and token quotas (absent: off). */
  rateLimit?: RateLimitHttpOptions | undefined;
  /**
   * What serves an app other than the default one (the file's), or undefined when no such app exists:
   * a principal of an unknown tenant is then refused. Absent (no Admin API): the file's agents serve every
   * tenant, with data scoped per tenant.
   */
  tenants?: ((tenant: string) => Promise<TenantService | undefined>) | undefined;
  /** The Admin API (`/admin/*`), mounted when set. */
  admin?: AdminRoutesOptions | undefined;
  /** Request metrics and spans (absent: none). */
  telemetry?: Telemetry | undefined;
  /** The metrics endpoint on this app (absent: not served here; it may have its own port). */
  metrics?: MetricsEndpointOptions | undefined;
}

type Env = {
  Variables: { requestId: string; peer: string | undefined; client: string | undefined; span: Span | undefined };
};

/**
 * Whether `principal` may know that `agent` exists: public agents are visible to everyone (calling them still
 * needs credentials when authentication is on), internal ones only to authenticated callers, private ones never
 * over HTTP.
 */
function visibleTo(visibility: 'public' | 'internal' | 'private' | undefined, principal: Principal): boolean {
  if (visibility === 'public') return true;
  if (visibility === 'internal') return principal.method !== 'none';
  return false;
}

/** The one "no such agent" answer, identical for unknown, private and hidden internal agents. */
function agentNotFound(name: string): { error: { code: 'not_found'; message: string } } {
  return { error: { code: 'not_found', message: `agent "${name}" not found; GET /agents lists the agents` } };
}

/** The Hono application: routes, request ids, CORS, authentication, visibility, body limits, error mapping. */
export function createHttpApp(options: HttpAppOptions): Hono<Env> {
  const app = new Hono<Env>();
  const { a2a, logger, authenticator, audit } = options;
  /** What serves each principal that authentication resolved to an app (see authDeps.resolveTenant). */
  const resolved = new WeakMap<Principal, TenantService>();
  const authDeps: AuthDeps = {
    authenticator,
    audit,
    // With the Admin API, the tenant is resolved (name → id, unknown → 403) as part of authenticating, so the
    // audit event of the attempt names the app by its id and a tenant that is no app is a failed attempt.
    resolveTenant: options.tenants
      ? async (principal) => {
          if (principal.tenant === DEFAULT_APP_ID) return principal;
          const tenant = await options.tenants?.(principal.tenant);
          if (!tenant) return undefined;
          const scoped =
            tenant.appId === principal.tenant ? principal : Object.freeze({ ...principal, tenant: tenant.appId });
          resolved.set(scoped, tenant);
          return scoped;
        }
      : undefined,
  };

  if (options.telemetry)
    app.use(
      '*',
      observeRequests(options.telemetry, () => app.routes),
    );
  app.use('*', async (c, next) => {
    const requestId = newId('req');
    c.set('requestId', requestId);
    c.set('peer', peerAddress(c));
    // For audit events (rate limiting keys on its own copy of the trusted proxies, the same list).
    c.set('client', clientAddress(c, c.get('peer'), options.trustedProxies ?? []));
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
  app.use('*', corsMiddleware(options.cors));

  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? 'unknown';
    const wire = toWireError(err, requestId);
    if (wire.code === 'internal') logger.error({ component: 'http', request_id: requestId, err }, 'unhandled error');
    if (wire.code === 'authentication_required') c.header('WWW-Authenticate', 'Bearer realm="hector"');
    return c.json(restErrorBody(wire), wire.status as 500);
  });

  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
  );

  const rateLimit = options.rateLimit;
  /** The caller's rate-limit subject: the principal, and the address (trusted proxies only). */
  const subjectOf = (c: Context<Env>, principal: Principal) => {
    const address = clientAddress(c, c.get('peer'), rateLimit?.trustedProxies ?? []);
    // No peer address (the connection was gone before the request was read): never a shared "unknown" budget.
    if (address === undefined) throw new InvalidRequestError('the client address of this request is unknown');
    return rateSubject(principal, address);
  };
  /**
   * Counts one request that starts or continues agent work. Denied: the audit event and the 429 headers are
   * set, and the denial returned; the caller shapes the body (JSON-RPC or REST).
   */
  const countWork = async (
    c: Context<Env>,
    limiter: RateLimiter | undefined,
    subject: RateSubject | undefined,
    agent: string | null,
    method: string,
  ): Promise<LimitDenial | undefined> => {
    if (!limiter || !subject) return undefined;
    const result = await admitWork(limiter, subject, agent);
    if (result.allowed) {
      setRateLimitHeaders(c, result.status);
      return undefined;
    }
    auditDenial(audit, subject, result.denial, { requestId: c.get('requestId'), agent, method, stage: 'request' });
    setDenialHeaders(c, result.denial);
    return result.denial;
  };
  /** Top-level fields of every 429 body, next to its `error`. */
  const denialFields = (denial: LimitDenial) => ({
    limit: denial.rule.limit,
    window: denial.rule.window,
    retry_after: retryAfterSeconds(denial),
  });

  /** The agent-card base URL of this request: public_url, else Host + the scheme a trusted proxy reports. */
  const baseUrl = (c: Context<Env>) =>
    resolveBaseUrl(
      options.publicUrl,
      {
        host: c.req.header('host'),
        forwardedProto: c.req.header('x-forwarded-proto'),
        fromTrustedProxy: isTrustedPeer(c.get('peer'), options.trustedProxies ?? []),
      },
      options.fallbackBaseUrl(),
    );
  /**
   * The A2A service of the principal's app: the file's for the default tenant, the app's own otherwise. The
   * tenant comes only from verified credentials; one that is no app here is refused.
   */
  const fileApp = { a2a, limiter: rateLimit?.limiter };
  /**
   * Also returns the principal with its tenant set to the app's id, under which the app's data is kept: an
   * identity provider's `tenant_id` may name the app by its name.
   */
  const tenantOf = async (principal: Principal): Promise<TenantService & { principal: Principal }> => {
    // Without the Admin API there are no apps: the file's agents serve every tenant, data scoped per tenant.
    if (principal.tenant === DEFAULT_APP_ID || !options.tenants) {
      return { ...fileApp, appId: principal.tenant, principal };
    }
    const tenant = resolved.get(principal) ?? (await options.tenants(principal.tenant));
    if (!tenant) throw new PermissionDeniedError('the tenant of these credentials is not an app on this server');
    const scoped =
      tenant.appId === principal.tenant ? principal : Object.freeze({ ...principal, tenant: tenant.appId });
    return { ...tenant, principal: scoped };
  };
  /** Whether the app's requests are counted at all: a limiter with at least one rule. */
  const counts = (tenant: TenantService) => rateLimit !== undefined && (tenant.limiter?.rules.length ?? 0) > 0;
  const serviceFor = async (principal: Principal): Promise<A2AService> => (await tenantOf(principal)).a2a;
  const visibleAgents = (service: A2AService, principal: Principal) =>
    service.agentNames.filter((name) => visibleTo(service.visibilityOf(name), principal));

  app.get('/health', (c) => {
    const health = options.health();
    const degraded = Object.values(health.toolsets).some((t) => t.status !== 'ready');
    return c.json({
      status: degraded ? 'degraded' : 'ok',
      version: options.version,
      ...health,
      auth: { enabled: authenticator.enabled, methods: authenticator.methods },
    } satisfies HealthInfo);
  });

  app.get('/agents', async (c) => {
    const principal = await principalOf(c, authDeps, 'optional');
    const service = await serviceFor(principal);
    const agents = visibleAgents(service, principal).map((name) => service.card(name, baseUrl(c)));
    return c.json({ agents, total: agents.length });
  });

  app.get('/.well-known/agent-card.json', async (c) => {
    const principal = await principalOf(c, authDeps, 'optional');
    const service = await serviceFor(principal);
    const first = visibleAgents(service, principal)[0];
    if (!first) return c.json({ error: { code: 'not_found', message: 'no agents are available' } }, 404);
    return c.json(service.card(first, baseUrl(c)));
  });

  const cardRoute = async (c: Context<Env>) => {
    const principal = await principalOf(c, authDeps, 'optional');
    const name = c.req.param('name') ?? '';
    const service = await serviceFor(principal);
    if (!visibleTo(service.visibilityOf(name), principal)) return c.json(agentNotFound(name), 404);
    return c.json(service.card(name, baseUrl(c)));
  };
  app.get('/agents/:name/.well-known/agent-card.json', cardRoute);
  app.get('/agents/:name', cardRoute);

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
      let credentials: Principal;
      try {
        credentials = await principalOf(c, authDeps, 'required');
      } catch (err) {
        const wire = toWireError(err, c.get('requestId'));
        if (wire.code === 'authentication_required') c.header('WWW-Authenticate', 'Bearer realm="hector"');
        return c.json(jsonRpcErrorBody(null, wire.jsonRpc, wire.message), wire.status as 401);
      }
      const name = c.req.param('name');
      let tenant: TenantService & { principal: Principal };
      try {
        tenant = await tenantOf(credentials);
      } catch (err) {
        const wire = toWireError(err, c.get('requestId'));
        return c.json(jsonRpcErrorBody(null, wire.jsonRpc, wire.message), wire.status as 403);
      }
      const { a2a: service, principal } = tenant;
      if (!visibleTo(service.visibilityOf(name), principal)) {
        return c.json(jsonRpcErrorBody(null, -32601, agentNotFound(name).error.message), 404);
      }
      const subject = counts(tenant) ? subjectOf(c, principal) : undefined;
      const admit = async (method: string, id: string | number | null) => {
        if (!WORK_METHODS.has(method)) return undefined;
        const denial = await countWork(c, tenant.limiter, subject, name, method);
        if (!denial) return undefined;
        const err = denialError(denial);
        return c.json(
          {
            ...jsonRpcErrorBody(id, ERROR_WIRE.rate_limited.jsonRpc, err.message, { ...err.details }),
            ...denialFields(denial),
          },
          429,
        );
      };
      return handleJsonRpc(c, { a2a: service, logger, ...(rateLimit ? { admit } : {}) }, name, principal, subject);
    },
  );

  /**
   * Decides one tool call held for approval: `{decision: "approve" | "deny", reason?, args_hash?}`. The caller
   * must own the task or hold one of the tool's `approvers` roles; for anyone else the call does not exist
   * (404). Answers with the task after the run continued (the JSON-RPC `result`), or the error.
   */
  app.post(
    '/api/tasks/:taskId/approvals/:toolCallId',
    bodyLimit({
      maxSize: 64 * 1024,
      onError: (c) => c.json({ error: { code: 'payload_too_large', message: 'body exceeds 65536 bytes' } }, 413),
    }),
    async (c) => {
      const tenant = await tenantOf(await principalOf(c, authDeps, 'required'));
      const { principal } = tenant;
      const subject = counts(tenant) ? subjectOf(c, principal) : undefined;
      // Deciding continues the run: it counts as a request (the app's rules; the agent is not known yet).
      const denial = await countWork(c, tenant.limiter, subject, null, 'approval');
      if (denial) {
        const err = denialError(denial);
        return c.json(
          { error: { code: 'rate_limited', message: err.message, details: err.details }, ...denialFields(denial) },
          429,
        );
      }
      const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (contentType !== 'application/json') {
        throw new UnsupportedMediaTypeError('Content-Type must be application/json');
      }
      const parsed = safeJsonParse(await c.req.text());
      if (!parsed.ok) throw new InvalidRequestError('body is not valid JSON');
      const response = await tenant.a2a.decide(c.req.param('taskId'), c.req.param('toolCallId'), parsed.value, {
        principal,
        requestId: c.get('requestId'),
        ...(subject ? { rateSubject: subject } : {}),
        trace: c.get('span'),
      });
      if (response.error !== undefined) {
        const error = response.error as { code?: unknown; message?: unknown };
        // -32603 carries an internal message: the generic 500 (with the request id) replaces it.
        if (error.code === -32603) throw new Error(`continuing the run failed: ${String(error.message)}`);
        return c.json({ error: { code: 'conflict', message: String(error.message) } }, 409);
      }
      return c.json({ task: response.result });
    },
  );

  /**
   * The caller's own limits and what is left of them: every server rule, and the own rules of the agents the
   * caller can see. Not counted itself. Always answers; `enabled: false` when rate limiting is off.
   */
  app.get('/api/usage', async (c) => {
    const tenant = await tenantOf(await principalOf(c, authDeps, 'required'));
    const { principal } = tenant;
    if (!counts(tenant) || !tenant.limiter) return c.json({ enabled: false, limits: [] });
    const subject = subjectOf(c, principal);
    const visible = new Set(visibleAgents(tenant.a2a, principal));
    const statuses = (await tenant.limiter.usage(subject)).filter(
      (s) => s.rule.agent === undefined || visible.has(s.rule.agent),
    );
    const now = Date.now();
    return c.json({
      enabled: true,
      user: subject.userId,
      // The whole app's or server's use is other people's activity: only what is left is the caller's business.
      limits: statuses.map((s: LimitStatus) =>
        limitView(s, now, s.rule.scope === 'user' || s.rule.scope === 'address'),
      ),
    });
  });

  if (options.admin) app.route('/', createAdminRoutes(options.admin));
  if (options.metrics) app.get(options.metrics.path, metricsHandler(options.metrics));

  return app;
}
