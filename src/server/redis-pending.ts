// Replaced by src/ratelimit/redis-store.ts in the next commit; until then store: redis fails the start.
import { ConfigError, type CounterStore } from '../shared/index.ts';

export async function createRedisStore(_options: {
  url: string;
  now: () => number;
}): Promise<CounterStore & { description: string; close(): Promise<void> }> {
  throw new ConfigError([
    { path: 'server.rate_limiting.store', message: 'the redis store is not available yet; use memory or sql' },
  ]);
}
