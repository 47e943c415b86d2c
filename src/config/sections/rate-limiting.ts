/**
 * `server.rate_limiting:` and `agents.<a>.rate_limits:` — request and LLM-token limits. Both guide forms work:
 * the short form (`requests_per_minute`, `burst`, `per_user`) and the general list (`limits: [{type, window,
 * limit, scope}]`); both may be set, and then every rule applies. `HECTOR_RATE_LIMIT_LIMITS` (JSON) is parsed
 * with the same rule schema (`parseLimitsJson`).
 */
import { z } from 'zod';
import { ConfigError, parseCidr, safeJsonParse } from '../../shared/index.ts';
import { boolean, integer, text } from '../fields.ts';
import { describeValue } from '../issue.ts';
import type { LimitRuleConfig } from '../types.ts';
import { convertZodIssues, errorMap } from '../zod-issues.ts';

export const LIMIT_TYPES = ['count', 'token'] as const;
export const LIMIT_WINDOWS = ['second', 'minute', 'hour', 'day', 'week', 'month'] as const;
/** `address`: the client's IP address (IPv6 by /64), whoever is signed in from it. */
export const LIMIT_SCOPES = ['global', 'app', 'user', 'address'] as const;
export const RATE_LIMIT_STORES = ['memory', 'sql', 'redis'] as const;

const MAX_LIMIT = 1_000_000_000_000;

export const limitRuleSchema = z
  .strictObject({
    type: z.enum(LIMIT_TYPES).describe('count: requests; token: LLM tokens (prompt + output)'),
    window: z.enum(LIMIT_WINDOWS).describe('UTC calendar window: second, minute, hour, day, week (from Monday), month'),
    limit: integer(1, MAX_LIMIT).describe('requests or tokens allowed per window'),
    scope: z
      .enum(LIMIT_SCOPES)
      .prefault('user')
      .describe('whose usage is counted: global, app, user (anonymous callers: their address), address'),
    burst: integer(1, 1_000_000)
      .optional()
      .describe('count only: pace requests at limit per window with this many allowed at once (GCRA)'),
  })
  .superRefine((rule, ctx) => {
    if (rule.burst === undefined) return;
    if (rule.type !== 'count') {
      ctx.addIssue({ code: 'custom', path: ['burst'], message: 'burst applies to count limits only' });
    } else if (rule.window === 'month') {
      ctx.addIssue({
        code: 'custom',
        path: ['burst'],
        message: 'burst needs a fixed-length window (second to week), not month',
      });
    }
  })
  .describe('one limit');

export const limitListSchema = z.array(limitRuleSchema).max(100).describe('limits; every one applies');

export const rateLimitingSchema = z
  .strictObject({
    enabled: boolean().optional().describe('enforce the limits (default: on when any limit is set)'),
    requests_per_minute: integer(1, 1_000_000).optional().describe('steady request rate per caller'),
    burst: integer(1, 1_000_000).optional().describe('requests allowed at once above the steady rate'),
    per_user: boolean()
      .optional()
      .describe('count requests_per_minute per authenticated user (default: per client address)'),
    limits: limitListSchema.optional(),
    store: z
      .enum(RATE_LIMIT_STORES)
      .prefault('memory')
      .describe('memory (one process), sql (server.database, shared by replicas) or redis (redis_url)'),
    redis_url: text().optional().describe('redis:// or rediss:// URL of the shared Redis (store: redis)'),
    on_store_error: z
      .enum(['deny', 'allow'])
      .prefault('deny')
      .describe('when the store fails: deny (503, default) or allow the request'),
  })
  .superRefine((r, ctx) => {
    if (r.requests_per_minute === undefined) {
      for (const key of ['burst', 'per_user'] as const) {
        if (r[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} is set but requests_per_minute is not` });
        }
      }
    }
    if (r.store === 'redis' && r.redis_url === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['redis_url'],
        message: `store: redis needs redis_url (e.g. ${'$'}{REDIS_URL})`,
      });
    }
    if (r.redis_url !== undefined && r.store !== 'redis') {
      ctx.addIssue({ code: 'custom', path: ['store'], message: 'redis_url is set but store is not redis' });
    }
  })
  .describe('rate limits and token quotas');

/** `server.trusted_proxies`: reverse proxies whose `X-Forwarded-For` (rate limits) and `X-Forwarded-Proto` (agent-card URLs) are believed. */
export const trustedProxiesSchema = z
  .array(
    text().refine((t) => parseCidr(t) !== undefined, {
      error: 'must be an IP address or CIDR such as 10.0.0.0/8 or fd00::/8 (host bits zero)',
    }),
  )
  .max(1000)
  .prefault([])
  .describe(
    'addresses or CIDRs of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (default: none)',
  );

/**
 * Parses a JSON list of limits from the environment or a flag, with the same rules as the YAML form. Invalid
 * JSON or an invalid rule is a ConfigError whose paths start with `source` (`HECTOR_RATE_LIMIT_LIMITS[0].window`).
 */
export function parseLimitsJson(json: string, source: string): LimitRuleConfig[] {
  const parsed = safeJsonParse(json);
  if (!parsed.ok) throw new ConfigError([{ path: source, message: `is not valid JSON; ${LIST_EXAMPLE}` }]);
  return parseLimitRules(parsed.value, source);
}

const LIST_EXAMPLE = 'expected a JSON list such as [{"type": "count", "window": "minute", "limit": 60}]';

/** Validates a list of limits (already parsed JSON, e.g. an Admin API body field) with the YAML form's rules. */
export function parseLimitRules(value: unknown, source: string): LimitRuleConfig[] {
  if (!Array.isArray(value)) {
    throw new ConfigError([{ path: source, message: `${LIST_EXAMPLE}, got ${describeValue(value)}` }]);
  }
  const result = limitListSchema.safeParse(value, { error: errorMap });
  if (result.success) return result.data;
  throw new ConfigError(
    convertZodIssues(result.error.issues, limitListSchema, value).map((issue) => {
      const [index, ...rest] = issue.path;
      return {
        path: `${source}[${String(index)}]${rest.map((seg) => `.${String(seg)}`).join('')}`,
        message: issue.message,
        ...(issue.hint === undefined ? {} : { hint: issue.hint }),
      };
    }),
  );
}
