/**
 * The CounterStore contract against the stores the limiter ships with that are not a Database: in memory here
 * (SQL runs it through the store contract of every Database).
 */
import { createMemoryStore } from '../src/ratelimit/index.ts';
import { systemClock } from '../src/shared/index.ts';
import { counterStoreContract } from './support/contract/counters.ts';

counterStoreContract(async (deps) => createMemoryStore({ now: () => (deps?.clock ?? systemClock).now() }));
