/**
 * The Admin API routes, in the shapes of the Hector security guide (plus usage and audit reads):
 *
 *   POST   /admin/apps              {name, config_json | config, host_tools?, rate_limits?, allowed_ranges?, max_concurrent_runs?} → 201 {app, access_token, token_type, expires_at}
 *   GET    /admin/apps              → {apps, total}
 *   GET    /admin/apps/{id}         → {app}
 *   PUT    /admin/apps/{id}         {name?, config_json? | config?, host_tools?, rate_limits?, allowed_ranges?, max_concurrent_runs?} → {app}
 *   POST   /admin/apps/{id}/token   {keep_previous_seconds?} → {access_token, token_type, expires_at}
 *   DELETE /admin/apps/{id}         → 204
 *   GET    /admin/apps/{id}/usage   ?user= → {app_id, limits}: the app's use of its limits (per user with `user`)
 *   GET    /admin/apps/{id}/audit   ?since&until&component&user&limit → {events, total}: its audit events
 *   GET    /admin/jwks              → the public keys of app tokens (no credentials needed: public keys)
 *
 * Every route but the JWKS needs `Authorization: Bearer <admin secret>`, compared in constant time; app tokens,
 * API keys and user JWTs are refused like any wrong secret. An unknown app is 404, an invalid config 400 with
 * every issue's path, and nothing is created or changed. Every action writes a `component: admin` audit event
 * (action, app id, success), never a config or a token.
 */

import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AuditSink } from '../observability/index.ts';
import type { LimitStatus } from '../ratelimit/index.ts';
import {
  ConfigError,
  constantTimeEqual,
  hasProtoKey,
  InvalidRequestError,
  isAppError,
  isPlainObject,
  safeJsonParse,
} from '../shared/index.ts';
import { auditAddress, limitView } from './rate-limit.ts';

/** A token answer: `{access_token, token_type: "bearer", expires_at}`. */
export interface TokenAnswerShape {
  readonly access_token: string;
  readonly token_type: 'bearer';
  readonly expires_at: string;
}

/** What the routes need of the app manager (server/apps.ts implements it). */
export interface AdminAppsPort {
  create(body: Record<string, unknown>): Promise<{ readonly app: { readonly id: string } } & TokenAnswerShape>;
  list(): Promise<readonly { readonly id: string }[]>;
  get(id: string): Promise<{ readonly id: string } | undefined>;
  update(id: string, body: Record<string, unknown>): Promise<{ readonly id: string } | undefined>;
  issueToken(id: string, body: Record<string, unknown>): Promise<TokenAnswerShape | undefined>;
  delete(id: string): Promise<boolean>;
  jwks(): Promise<{ keys: Record<string, unknown>[] }>;
  /** The app's use of its app-wide limits, and of the per-user ones for `user`; undefined: no such app. */
  usage(id: string, user: string | undefined): Promise<readonly LimitStatus[] | undefined>;
  /** The app's audit events matching the query (since, until, component, user, limit); undefined: no such app. */
  auditEvents(id: string, query: Record<string, string>): Promise<readonly unknown[] | undefined>;
}

export interface AdminRoutesOptions {
  apps: AdminAppsPort;
  adminSecret: string;
  audit: AuditSink;
  /** Largest accepted body (a whole config), in bytes. */
  maxBodyBytes: number;
}

type Env = { Variables: { requestId: string } };

const notFound = (id: string) => ({ error: { code: 'not_found', message: `app "${id.slice(0, 80)}" not found` } });

export function createAdminRoutes(options: AdminRoutesOptions): Hono<Env> {
  const admin = new Hono<Env>();
  const { apps, audit } = options;
  const requestIdOf = (c: { get(key: 'requestId'): string | undefined }) => c.get('requestId') ?? null;
  /** One admin audit event; an id that cannot be an app's (too long, odd characters) is kept out of the tenant. */
  const record = (c: Parameters<typeof requestIdOf>[0], action: string, appId: string | null, success: boolean) => {
    const plausible = appId !== null && /^[A-Za-z0-9_-]{1,80}$/.test(appId) ? appId : null;
    audit.emit({
      ...(success ? {} : { level: 'warn' as const }),
      component: 'admin',
      action,
      user: success ? 'admin' : null,
      tenant: plausible ?? 'default',
      success,
      request_id: requestIdOf(c),
      client_address: auditAddress(c as Context),
      app_id: plausible,
      ...(appId !== null && plausible === null ? { app_id_given: appId.slice(0, 80) } : {}),
    });
  };

  admin.get('/admin/jwks', async (c) => c.json(await apps.jwks()));

  admin.use('/admin/*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    // The scheme is case-insensitive (RFC 9110 §11.1), as on the rest of the API.
    const match = /^Bearer ([^\s]+)$/i.exec(header);
    if (!match || !constantTimeEqual(match[1]!, options.adminSecret)) {
      record(c, 'authenticate', null, false);
      c.header('WWW-Authenticate', 'Bearer realm="hector-admin"');
      return c.json(
        {
          error: {
            code: 'authentication_required',
            message: 'the Admin API needs Authorization: Bearer <admin secret>',
          },
        },
        401,
      );
    }
    await next();
  });
  admin.use(
    '/admin/*',
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) => {
        record(c, 'request', null, false);
        return c.json(
          { error: { code: 'payload_too_large', message: `body exceeds ${options.maxBodyBytes} bytes` } },
          413,
        );
      },
    }),
  );

  /** The JSON object body of a request (an empty body is `{}`); a 4xx answer otherwise. */
  const bodyOf = async (c: { req: { header(n: string): string | undefined; text(): Promise<string> } }) => {
    const text = await c.req.text();
    if (text.trim() === '') return { ok: true as const, body: {} };
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return { ok: false as const, status: 415 as const, error: 'Content-Type must be application/json' };
    }
    if (hasProtoKey(text)) {
      return { ok: false as const, status: 400 as const, error: 'the body has a "__proto__" key, which no field is' };
    }
    const parsed = safeJsonParse(text);
    if (!parsed.ok || !isPlainObject(parsed.value)) {
      return { ok: false as const, status: 400 as const, error: 'the body must be a JSON object' };
    }
    return { ok: true as const, body: parsed.value };
  };

  /** Runs an action: ConfigError → 400 with the issues, other client errors → their status, audit either way. */
  const act = async (
    c: Parameters<typeof requestIdOf>[0] & { json: (body: unknown, status?: number) => Response },
    action: string,
    /** The app the action is about (read after the action: a created app's id is known only then). */
    appId: () => string | null,
    run: () => Promise<Response>,
  ): Promise<Response> => {
    try {
      const response = await run();
      record(c, action, appId(), response.status < 400);
      return response;
    } catch (err) {
      record(c, action, appId(), false);
      if (err instanceof ConfigError) {
        return c.json(
          { error: { code: 'config_invalid', message: 'the app config is invalid', issues: err.issues } },
          400,
        );
      }
      if (isAppError(err) && (err.code === 'invalid_request' || err.code === 'conflict')) {
        return c.json({ error: { code: err.code, message: err.message } }, err.code === 'conflict' ? 409 : 400);
      }
      throw err;
    }
  };

  admin.post('/admin/apps', async (c) => {
    const parsed = await bodyOf(c);
    if (!parsed.ok) {
      record(c, 'create', null, false);
      return c.json({ error: { code: 'invalid_request', message: parsed.error } }, parsed.status);
    }
    let created: string | null = null;
    return act(
      c,
      'create',
      () => created,
      async () => {
        const answer = await apps.create(parsed.body);
        created = answer.app.id;
        return c.json(answer, 201);
      },
    );
  });
  admin.get('/admin/apps', (c) =>
    act(
      c,
      'list',
      () => null,
      async () => {
        const list = await apps.list();
        return c.json({ apps: list, total: list.length });
      },
    ),
  );
  admin.get('/admin/apps/:id', (c) =>
    act(
      c,
      'get',
      () => c.req.param('id'),
      async () => {
        const app = await apps.get(c.req.param('id'));
        return app ? c.json({ app }) : c.json(notFound(c.req.param('id')), 404);
      },
    ),
  );
  admin.put('/admin/apps/:id', async (c) => {
    const parsed = await bodyOf(c);
    if (!parsed.ok) {
      record(c, 'update', c.req.param('id'), false);
      return c.json({ error: { code: 'invalid_request', message: parsed.error } }, parsed.status);
    }
    return act(
      c,
      'update',
      () => c.req.param('id'),
      async () => {
        const app = await apps.update(c.req.param('id'), parsed.body);
        return app ? c.json({ app }) : c.json(notFound(c.req.param('id')), 404);
      },
    );
  });
  admin.post('/admin/apps/:id/token', async (c) => {
    const parsed = await bodyOf(c);
    if (!parsed.ok) {
      record(c, 'token', c.req.param('id'), false);
      return c.json({ error: { code: 'invalid_request', message: parsed.error } }, parsed.status);
    }
    return act(
      c,
      'token',
      () => c.req.param('id'),
      async () => {
        const token = await apps.issueToken(c.req.param('id'), parsed.body);
        return token ? c.json(token) : c.json(notFound(c.req.param('id')), 404);
      },
    );
  });
  admin.get('/admin/apps/:id/usage', (c) =>
    act(
      c,
      'usage',
      () => c.req.param('id'),
      async () => {
        const { user, ...rest } = c.req.query();
        const extra = Object.keys(rest)[0];
        if (extra !== undefined) {
          throw new InvalidRequestError(`unknown query parameter "${extra.slice(0, 40)}"; use user`);
        }
        const limits = await apps.usage(c.req.param('id'), user);
        if (!limits) return c.json(notFound(c.req.param('id')), 404);
        const now = Date.now();
        return c.json({
          app_id: c.req.param('id'),
          ...(user === undefined ? {} : { user }),
          limits: limits.map((s) => limitView(s, now, true)),
        });
      },
    ),
  );
  admin.get('/admin/apps/:id/audit', (c) =>
    act(
      c,
      'audit',
      () => c.req.param('id'),
      async () => {
        const events = await apps.auditEvents(c.req.param('id'), c.req.query());
        return events ? c.json({ events, total: events.length }) : c.json(notFound(c.req.param('id')), 404);
      },
    ),
  );
  admin.delete('/admin/apps/:id', (c) =>
    act(
      c,
      'delete',
      () => c.req.param('id'),
      async () =>
        (await apps.delete(c.req.param('id'))) ? c.body(null, 204) : c.json(notFound(c.req.param('id')), 404),
    ),
  );
  return admin;
}
