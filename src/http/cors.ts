import type { MiddlewareHandler } from 'hono';

export interface CorsOptions {
  allowedOrigins: readonly string[];
  allowedMethods: readonly string[];
  allowedHeaders: readonly string[];
  /** Seconds. */
  maxAge: number;
  allowCredentials: boolean;
}

/**
 * CORS from the config, nothing more. Without options no CORS headers are ever sent (same-origin only). A request
 * from an origin that is not allowed gets no CORS headers (the browser then blocks it); a preflight from such an
 * origin is answered 403. `*` is answered with `*` and never with credentials (the config refuses the
 * combination). Preflights are answered here, before authentication: browsers send them without credentials.
 */
export function corsMiddleware(options: CorsOptions | undefined): MiddlewareHandler {
  if (!options) return async (_c, next) => next();
  const any = options.allowedOrigins.includes('*');
  const origins = new Set(options.allowedOrigins);
  const methods = options.allowedMethods.join(', ');
  const headers = options.allowedHeaders.join(', ');
  const allowedMethodSet = new Set(options.allowedMethods.map((m) => m.toUpperCase()));
  const allowedHeaderSet = new Set(options.allowedHeaders.map((h) => h.toLowerCase()));
  return async (c, next) => {
    const origin = c.req.header('origin');
    const allowed = origin !== undefined && (any || origins.has(origin));
    const isPreflight = c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined;
    if (isPreflight) {
      const method = (c.req.header('access-control-request-method') ?? '').toUpperCase();
      const requested = (c.req.header('access-control-request-headers') ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h !== '');
      const ok = allowed && allowedMethodSet.has(method) && requested.every((h) => allowedHeaderSet.has(h));
      c.header('Vary', 'Origin');
      if (!ok) return c.body(null, 403);
      c.header('Access-Control-Allow-Origin', any && !options.allowCredentials ? '*' : origin!);
      c.header('Access-Control-Allow-Methods', methods);
      c.header('Access-Control-Allow-Headers', headers);
      c.header('Access-Control-Max-Age', String(options.maxAge));
      if (options.allowCredentials) c.header('Access-Control-Allow-Credentials', 'true');
      return c.body(null, 204);
    }
    await next();
    c.header('Vary', 'Origin', { append: true });
    if (!allowed) return;
    c.header('Access-Control-Allow-Origin', any && !options.allowCredentials ? '*' : origin!);
    c.header('Access-Control-Expose-Headers', 'X-Request-Id, WWW-Authenticate');
    if (options.allowCredentials) c.header('Access-Control-Allow-Credentials', 'true');
  };
}
