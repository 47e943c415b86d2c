/** `server:` — listener, public URL, storage, limits. All optional. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { duration, integer, publicUrl, text } from '../fields.ts';
import { authSchema } from './auth.ts';
import { corsSchema } from './cors.ts';
import { observabilitySchema } from './observability.ts';
import { rateLimitingSchema, trustedProxiesSchema } from './rate-limiting.ts';

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * `server.database`: `postgres://…` / `postgresql://…` (kept verbatim), `sqlite:PATH`, `:memory:`, or a plain
 * file path. Any other `scheme://` is refused rather than mistaken for a file name.
 */
export function databaseKind(dsn: string): 'postgres' | 'sqlite' | 'memory' | 'unsupported' {
  if (/^postgres(ql)?:\/\//i.test(dsn)) return 'postgres';
  if (dsn === ':memory:' || dsn === 'sqlite::memory:') return 'memory';
  if (URL_SCHEME.test(dsn)) return 'unsupported';
  if (/^sqlite:/i.test(dsn)) return dsn.length > 'sqlite:'.length ? 'sqlite' : 'unsupported';
  return 'sqlite';
}

const database = text().superRefine((dsn, ctx) => {
  const kind = databaseKind(dsn);
  if (kind === 'unsupported') {
    ctx.addIssue({
      code: 'custom',
      message: 'unsupported database; use postgres://user:password@host/db, sqlite:PATH or a file path',
    });
  } else if (kind === 'postgres' && !URL.canParse(dsn)) {
    ctx.addIssue({ code: 'custom', message: 'is not a valid postgres:// URL' });
  }
});

export const serverSchema = z
  .strictObject({
    host: text()
      .refine(
        (h) => isIP(h) !== 0 || HOST_NAME.test(h),
        'must be an IP address or host name such as 127.0.0.1, 0.0.0.0, :: or localhost (not a URL, no port)',
      )
      .prefault('127.0.0.1')
      .describe('address to listen on'),
    port: integer(0, 65_535).prefault(8080).describe('port to listen on (0: any free port)'),
    public_url: publicUrl().optional().describe('external base URL used in agent cards (http or https)'),
    database: database
      .optional()
      .describe('postgres://… DSN, sqlite:PATH or a file path (default: .hector/hector.db in the working directory)'),
    max_body_bytes: integer(1024, 104_857_600).prefault(1_048_576).describe('largest accepted request body'),
    shutdown_timeout: duration(0, 3_600_000).prefault('10s').describe('how long to wait for in-flight requests'),
    max_concurrent_runs: integer(0, 100_000)
      .prefault(0)
      .describe(
        'the most agent runs in flight at once on this server, of every app (0: no cap); a message over it gets a rejected task saying so',
      ),
    task_lease: duration(2_000, 3_600_000)
      .prefault('60s')
      .describe(
        'how long a working task stays leased without its server renewing it; after that any server marks it failed (its server crashed or was killed)',
      ),
    auth: authSchema.optional(),
    cors: corsSchema.optional(),
    rate_limiting: rateLimitingSchema.optional(),
    trusted_proxies: trustedProxiesSchema,
    observability: observabilitySchema,
  })
  .prefault({})
  .describe('HTTP server');
