import { type Config, parseLimitsJson, type RateLimitStoreKind, urlPassword } from '../config/index.ts';
import type { Database } from '../persistence/index.ts';
import { createMemoryStore, createRedisStore, type LimitRule } from '../ratelimit/index.ts';
import { type Clock, ConfigError, type CounterStore, UnavailableError } from '../shared/index.ts';

/** Rate-limit settings given on the command line; they win over the environment and the config file. */
export interface RateLimitOverrides {
  /** `true` / `false`, as HECTOR_RATE_LIMIT_ENABLED. */
  enabled?: string | undefined;
  /** JSON list, as HECTOR_RATE_LIMIT_LIMITS. */
  limits?: string | undefined;
  store?: string | undefined;
  redisUrl?: string | undefined;
}

export interface ResolvedRateLimits {
  /** The server's rules and every agent's own (`agent` set); empty when rate limiting is off. */
  readonly rules: readonly LimitRule[];
  /**
   * Rate limiting was switched off (`enabled: false`, HECTOR_RATE_LIMIT_ENABLED=false or the flag). When it is
   * merely unset with no rule, the store is still there for the limits an admin sets on apps.
   */
  readonly off: boolean;
  readonly store: RateLimitStoreKind;
  readonly redisUrl?: string;
  readonly onStoreError: 'deny' | 'allow';
  /** What the environment or flags changed, said once at startup. */
  readonly notices: readonly string[];
}

const STORES: readonly RateLimitStoreKind[] = ['memory', 'sql', 'redis'];

function bool(text: string, source: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new ConfigError([{ path: source, message: `must be true or false, got "${text.slice(0, 20)}"` }]);
}

/**
 * Identical rules would share one counter and each request would count twice against it (halving the limit):
 * they are kept once, and the startup log says so.
 */
export function distinct(rules: readonly LimitRule[], notices: string[]): LimitRule[] {
  const seen = new Set<string>();
  return rules.filter((r) => {
    const id = JSON.stringify([r.type, r.window, r.limit, r.scope, r.burst ?? null, r.agent ?? null, r.app ?? null]);
    if (seen.has(id)) {
      notices.push(`a limit of ${r.limit} ${r.type} per ${r.window} (${r.scope}) is listed twice; it applies once`);
      return false;
    }
    seen.add(id);
    return true;
  });
}

/**
 * Merges `server.rate_limiting`, `agents.<a>.rate_limits`, the `HECTOR_RATE_LIMIT_*` variables and the
 * `--rate-limit-*` flags (flags > environment > file). `HECTOR_RATE_LIMIT_LIMITS` replaces every server rule of
 * the file (`requests_per_minute` and `limits`) and switches rate limiting on (unless HECTOR_RATE_LIMIT_ENABLED
 * says false); agents' own rules stay. Otherwise rate limiting is on when any rule is set, unless `enabled` (or
 * HECTOR_RATE_LIMIT_ENABLED) says false, which switches every rule off. Identical rules apply once. Fails closed:
 * `enabled: true` with no rule anywhere, invalid JSON or rules, an unknown store, redis without a URL.
 */
export function resolveRateLimits(
  config: Config,
  env: Readonly<Record<string, string>>,
  flags: RateLimitOverrides,
): ResolvedRateLimits {
  const file = config.server.rate_limiting;
  const notices: string[] = [];
  const from = (flag: string | undefined, name: string): { value: string; source: string } | undefined => {
    if (flag !== undefined) return { value: flag, source: `--rate-limit-${name}` };
    const key = `HECTOR_RATE_LIMIT_${name.toUpperCase().replaceAll('-', '_')}`;
    const v = env[key];
    return v === undefined || v === '' ? undefined : { value: v, source: key };
  };

  let serverRules: LimitRule[] = [];
  if (file?.requests_per_minute !== undefined) {
    serverRules.push({
      type: 'count',
      window: 'minute',
      limit: file.requests_per_minute,
      scope: file.per_user === true ? 'user' : 'address',
      ...(file.burst === undefined ? {} : { burst: file.burst }),
    });
  }
  serverRules.push(...(file?.limits ?? []));
  const limits = from(flags.limits, 'limits');
  if (limits) {
    serverRules = parseLimitsJson(limits.value, limits.source).map((r) => ({ ...r }));
    if (serverRules.length === 0) {
      throw new ConfigError([
        {
          path: limits.source,
          message: 'is an empty list, which would remove every server limit',
          hint: 'list at least one limit, or set HECTOR_RATE_LIMIT_ENABLED=false to switch rate limiting off',
        },
      ]);
    }
    if (file?.requests_per_minute !== undefined || file?.limits !== undefined) {
      notices.push(`${limits.source} overrides server.rate_limiting (requests_per_minute and limits)`);
    }
  }
  const agentRules: LimitRule[] = Object.entries(config.agents).flatMap(([name, a]) =>
    (a.rate_limits ?? []).map((r) => ({ ...r, agent: name })),
  );

  const enabledSetting = from(flags.enabled, 'enabled');
  let enabled = serverRules.length + agentRules.length > 0;
  let enabledPath = 'server.rate_limiting.enabled';
  if (enabledSetting) {
    enabled = bool(enabledSetting.value, enabledSetting.source);
    enabledPath = enabledSetting.source;
    if (file?.enabled !== undefined && file.enabled !== enabled) {
      notices.push(`${enabledSetting.source}=${enabled} overrides server.rate_limiting.enabled`);
    }
  } else if (limits) {
    // Limits from the environment or a flag switch rate limiting on: the environment overrides the file.
    enabled = true;
    if (file?.enabled === false) notices.push(`${limits.source} overrides server.rate_limiting.enabled: false`);
  } else if (file?.enabled !== undefined) {
    enabled = file.enabled;
  }
  if (enabled && serverRules.length + agentRules.length === 0) {
    throw new ConfigError([
      {
        path: enabledPath,
        message: 'rate limiting is enabled but no limit is set',
        hint: 'set server.rate_limiting.requests_per_minute or limits, or HECTOR_RATE_LIMIT_LIMITS=\'[{"type":"count","window":"minute","limit":60}]\'',
      },
    ]);
  }

  const storeSetting = from(flags.store, 'store');
  let store: RateLimitStoreKind = file?.store ?? 'memory';
  if (storeSetting) {
    if (!STORES.includes(storeSetting.value as RateLimitStoreKind)) {
      throw new ConfigError([
        {
          path: storeSetting.source,
          message: `unknown store "${storeSetting.value.slice(0, 20)}"; use memory, sql or redis`,
        },
      ]);
    }
    store = storeSetting.value as RateLimitStoreKind;
    if (file?.store !== undefined && file.store !== store)
      notices.push(`${storeSetting.source} overrides server.rate_limiting.store`);
  }
  const urlSetting = from(flags.redisUrl, 'redis-url');
  const redisUrl = urlSetting?.value ?? file?.redis_url;
  if (urlSetting && file?.redis_url !== undefined)
    notices.push(`${urlSetting.source} overrides server.rate_limiting.redis_url`);
  const off = !enabled && (enabledSetting !== undefined || file?.enabled === false);
  if (!off && store === 'redis' && redisUrl === undefined) {
    throw new ConfigError([
      {
        path: storeSetting?.source ?? 'server.rate_limiting.store',
        message: 'the redis store needs a URL',
        hint: 'set server.rate_limiting.redis_url, HECTOR_RATE_LIMIT_REDIS_URL or --rate-limit-redis-url',
      },
    ]);
  }
  return {
    rules: enabled ? distinct([...serverRules, ...agentRules], notices) : [],
    off,
    store,
    ...(redisUrl === undefined ? {} : { redisUrl }),
    onStoreError: file?.on_store_error ?? 'deny',
    notices,
  };
}

/** The password of a Redis URL, for the log scrubber (the config's own URLs are collected by the config). */
export function limitSecrets(limits: ResolvedRateLimits): string[] {
  return limits.redisUrl === undefined ? [] : urlPassword(limits.redisUrl);
}

export interface OpenLimitStore {
  readonly store: CounterStore;
  readonly description: string;
  close(): Promise<void>;
}

/**
 * The counter store the rules run on: in memory, the server's database (`sql`, shared by every replica using
 * it), or Redis (connected now: an unreachable Redis fails the start, naming host and port but never the
 * password).
 */
export async function openLimitStore(
  limits: ResolvedRateLimits,
  database: Database,
  clock: Clock,
): Promise<OpenLimitStore> {
  switch (limits.store) {
    case 'memory':
      return { store: createMemoryStore({ now: () => clock.now() }), description: 'memory', close: async () => {} };
    case 'sql':
      return { store: database.counters, description: `sql (${database.description})`, close: async () => {} };
    case 'redis': {
      const redis = await createRedisStore({ url: limits.redisUrl ?? '' }).catch((err: unknown) => {
        throw new UnavailableError(`rate limit store: ${err instanceof Error ? err.message : String(err)}`);
      });
      return { store: redis, description: redis.description, close: () => redis.close() };
    }
  }
}
