/**
 * Rate-limit counters in Redis, shared by every replica using it. Every operation is one Lua script, which Redis
 * runs atomically: a take checks and adds in one step, so concurrent callers in any process can never both pass
 * on the same remainder.
 *
 * Keys are `<prefix><windowStart>:<key>`. The window start is digits only and is followed by the first `:`, so
 * no two (key, window) pairs share a Redis key whatever characters the limiter's key holds.
 *
 * Expiry is relative, never by Redis's clock: a counter lives one window length from its first use (which is at
 * or after the window's start by the caller's clock, so it outlives the window), a paced key until its TAT. A
 * Redis whose clock disagrees with the servers' can therefore never drop a counter still in use.
 *
 * Failure behaviour (the limiter turns a rejection into a 503 or, with `allow`, an uncounted request):
 * - an unreachable Redis at startup rejects `createRedisStore` with a message naming host:port;
 * - once connected, commands are never queued while Redis is away (`enableOfflineQueue: false`) and each has a
 *   timeout, so a request fails promptly instead of hanging; reconnection happens in the background;
 * - no message and no `description` ever contains the URL's password.
 */
import { Redis } from 'ioredis';
import { type CounterStore, PACE_WINDOW, type PaceResult, type TakeResult } from '../shared/index.ts';

export interface RedisStoreOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). */
  url: string;
  /** Prefix of every key (default `hector:rl:`): several deployments can share one Redis. */
  keyPrefix?: string;
  /** Longest a command may take before it fails (default 2000 ms). */
  commandTimeoutMs?: number;
  /** Longest the first connection may take (default 5000 ms). */
  connectTimeoutMs?: number;
}

export interface RedisCounterStore extends CounterStore {
  /** `redis host:port/db`, without credentials. */
  readonly description: string;
  close(): Promise<void>;
}

/** KEYS[1] counter; ARGV cost, limit, ttl (ms, set when the counter is created). Returns {taken 0|1, used}. */
const TAKE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[1])
if used + cost > tonumber(ARGV[2]) then return {0, used} end
used = redis.call('INCRBY', KEYS[1], cost)
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {1, used}`;

/** KEYS[1] counter; ARGV delta, ttl (ms, for a counter this creates). Never below zero; a refund creates nothing. */
const ADJUST = `
local current = redis.call('GET', KEYS[1])
if not current and tonumber(ARGV[1]) <= 0 then return 0 end
local used = tonumber(current or '0') + tonumber(ARGV[1])
if used < 0 then used = 0 end
redis.call('SET', KEYS[1], string.format('%.0f', used), 'KEEPTTL')
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

/**
 * KEYS[1] TAT key; ARGV now, interval, burst (µs; exact in Lua's doubles up to 2^53). The GCRA step of
 * shared/counter-store.ts `gcraStep`. Returns {allowed 0|1, tat as a string}.
 */
const PACE = `
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local base = tat
if now > base then base = now end
local nextTat = base + interval
if nextTat - now > tonumber(ARGV[3]) * interval then return {0, string.format('%.0f', tat)} end
local text = string.format('%.0f', nextTat)
redis.call('SET', KEYS[1], text, 'PX', string.format('%.0f', math.ceil((nextTat - now) / 1000) + 1))
return {1, text}`;

type Scripted = Redis & {
  hectorTake(key: string, cost: number, limit: number, ttlMs: number): Promise<[number, number]>;
  hectorAdjust(key: string, delta: number, ttlMs: number): Promise<number>;
  hectorPace(key: string, now: number, interval: number, burst: number): Promise<[number, string]>;
};

/** Parses and checks the URL; the description never holds credentials. */
function target(url: string): { description: string; tls: boolean } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('the Redis URL is not a valid URL; expected redis://[:password@]host[:port][/db]');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`the Redis URL must start with redis:// or rediss:// (got ${parsed.protocol}//)`);
  }
  const db = parsed.pathname.replace(/^\//, '') || '0';
  if (!/^\d{1,2}$/.test(db)) throw new Error('the Redis URL names a database that is not a number (/0 … /15)');
  const port = parsed.port || '6379';
  return {
    description: `redis ${parsed.hostname}:${port}/${db}${parsed.protocol === 'rediss:' ? ' (TLS)' : ''}`,
    tls: parsed.protocol === 'rediss:',
  };
}

/** An ioredis error's message with any credential-looking part removed, prefixed with where. */
function describe(where: string, err: unknown, password: string): string {
  let message = err instanceof Error ? err.message : String(err);
  if (password) message = message.replaceAll(password, '***').replaceAll(encodeURIComponent(password), '***');
  return `${where}: ${message.slice(0, 200)}`;
}

export async function createRedisStore(options: RedisStoreOptions): Promise<RedisCounterStore> {
  const { description, tls } = target(options.url);
  const password = decodeURIComponent(new URL(options.url).password);
  const prefix = options.keyPrefix ?? 'hector:rl:';
  const client = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    // Reconnect in the background with a capped backoff; requests meanwhile fail at once (no offline queue).
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...(tls ? { tls: {} } : {}),
  }) as Scripted;
  // Errors surface through the commands that fail; the event itself must not crash the process.
  client.on('error', () => {});
  client.defineCommand('hectorTake', { numberOfKeys: 1, lua: TAKE });
  client.defineCommand('hectorAdjust', { numberOfKeys: 1, lua: ADJUST });
  client.defineCommand('hectorPace', { numberOfKeys: 1, lua: PACE });
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw new Error(describe(`cannot connect to ${description}`, err, password));
  }
  const keyOf = (key: string, windowStart: number) => `${prefix}${windowStart}:${key}`;
  const run = async <T>(op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (err) {
      throw new Error(describe(`${description} failed`, err, password));
    }
  };
  let closed = false;
  return {
    description,
    take: (key, windowStart, cost, limit, expiresAt) =>
      run(async (): Promise<TakeResult> => {
        const ttl = Math.max(1, expiresAt - windowStart);
        const [taken, used] = await client.hectorTake(keyOf(key, windowStart), cost, limit, ttl);
        return { taken: taken === 1, used: Number(used) };
      }),
    adjust: (key, windowStart, delta, expiresAt) =>
      run(async () => {
        const ttl = windowStart === PACE_WINDOW ? 60_000 : Math.max(1, expiresAt - windowStart);
        await client.hectorAdjust(keyOf(key, windowStart), delta, ttl);
      }),
    peek: (key, windowStart) => run(async () => Number((await client.get(keyOf(key, windowStart))) ?? 0)),
    pace: (key, now, interval, burst) =>
      run(async (): Promise<PaceResult> => {
        const [allowed, tat] = await client.hectorPace(keyOf(key, PACE_WINDOW), now, interval, burst);
        return { allowed: allowed === 1, tat: Number(tat) };
      }),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
