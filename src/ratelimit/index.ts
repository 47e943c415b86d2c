export { auditDenial, denialError, retryAfterSeconds } from './denial.ts';
export type {
  Admission,
  LimitDenial,
  LimitStatus,
  LimitSubject,
  RateLimiter,
  RateLimiterOptions,
  TokenAdmission,
  TokenReservation,
} from './limiter.ts';
export { createRateLimiter } from './limiter.ts';
export { createMemoryStore } from './memory-store.ts';
export type { RedisCounterStore, RedisStoreOptions } from './redis-store.ts';
export { createRedisStore } from './redis-store.ts';
export type { CounterStore, LimitRule, LimitScope, LimitType, TakeResult } from './types.ts';
export type { Window, WindowSpan } from './windows.ts';
export { FIXED_WINDOW_MS, WINDOWS, windowAt } from './windows.ts';
