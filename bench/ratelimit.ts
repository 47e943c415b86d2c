/**
 * Benchmark: rate-limit decisions per second and the latency they add, for every store. A benchmark, not a
 * test: it asserts nothing about speed.
 *
 * 1. Limiter decisions (`admitRequest`, two rules: a fixed minute window and a paced burst rule, over 1,000
 *    users), in process: sequential latency (p50/p99) and throughput with 64 decisions in flight, for the
 *    memory, SQLite, PostgreSQL and Redis stores. Reported as ratios against the memory store in the same run.
 * 2. Added latency per request: A2A `message/send` through the real `hector serve` (scripted LLM in echo mode)
 *    with rate limiting off, on with the memory store and on with Redis, as ratios against "off" in the same run.
 *
 *   npm run bench:ratelimit                 # defaults: 3 s per store, 5 s per server target
 *   node bench/ratelimit.ts --seconds 10 --http-seconds 10
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/persistence/index.ts';
import { createMemoryStore, createRateLimiter, createRedisStore, type LimitRule } from '../src/ratelimit/index.ts';
import type { CounterStore } from '../src/shared/index.ts';
import { postgresSkipReason, startPostgres } from '../test/support/postgres.ts';
import { startRedis } from '../test/support/redis.ts';
import { benchConfig, type LoadResult, messageSendLoad, pct, serveArgs, startChild } from './stats.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    'http-seconds': { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '8' },
  },
});
const seconds = Number(values.seconds);
const httpSeconds = Number(values['http-seconds']);
const concurrency = Number(values.concurrency);

const RULES: LimitRule[] = [
  { type: 'count', window: 'minute', limit: 1_000_000_000, scope: 'user' },
  { type: 'count', window: 'minute', limit: 1_000_000_000, scope: 'user', burst: 1_000_000 },
];
const subject = (i: number) => ({ appId: 'default', userId: `user-${i % 1000}`, address: '192.0.2.1' });

interface Decisions {
  p50: number;
  p99: number;
  sequentialPerS: number;
  concurrentPerS: number;
}

async function decisions(store: CounterStore): Promise<Decisions> {
  const limiter = createRateLimiter({ rules: RULES, store, clock: { now: () => Date.now() } });
  let i = 0;
  for (let w = 0; w < 200; w++) await limiter.admitRequest(subject(i++), 'bench');
  const latencies: number[] = [];
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  while (performance.now() < deadline) {
    const s = performance.now();
    const r = await limiter.admitRequest(subject(i++), 'bench');
    if (!r.allowed) throw new Error('a decision was denied: the bench limits are too low');
    latencies.push(performance.now() - s);
  }
  const sequentialPerS = latencies.length / ((performance.now() - t0) / 1000);
  latencies.sort((a, b) => a - b);
  let done = 0;
  const c0 = performance.now();
  const cDeadline = c0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (performance.now() < cDeadline) {
        await limiter.admitRequest(subject(i++), 'bench');
        done++;
      }
    }),
  );
  return {
    p50: pct(latencies, 50) * 1000,
    p99: pct(latencies, 99) * 1000,
    sequentialPerS,
    concurrentPerS: done / ((performance.now() - c0) / 1000),
  };
}

const children: ChildProcess[] = [];
const start = (args: string[], pattern: RegExp, cwd: string) => startChild(children, args, pattern, cwd, {});

const load = (url: string, durationS: number) => messageSendLoad(url, durationS, concurrency);

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'hector-bench-rl-'));
  const redis = await startRedis();
  const pg = postgresSkipReason() ? undefined : await startPostgres();
  const closers: (() => Promise<void>)[] = [];
  try {
    const stores: [string, CounterStore][] = [['memory', createMemoryStore({ now: () => Date.now() })]];
    const sqlite = await openDatabase({ url: `sqlite:${join(dir, 'bench.db')}` });
    closers.push(() => sqlite.close());
    stores.push(['sqlite (file)', sqlite.counters]);
    if (pg) {
      const postgres = await openDatabase({ url: await pg.createDatabase() });
      closers.push(() => postgres.close());
      stores.push(['postgresql (loopback)', postgres.counters]);
    }
    const redisStore = await createRedisStore({ url: redis.url });
    closers.push(() => redisStore.close());
    stores.push(['redis (loopback)', redisStore]);

    const results: [string, Decisions][] = [];
    for (const [name, store] of stores) results.push([name, await decisions(store)]);
    const base = results[0]![1];
    console.log(`\nlimiter decisions (2 rules, 1,000 users), ${seconds} s per store (node ${process.version})`);
    console.log('store                    p50 µs   p99 µs   seq/s      64-in-flight/s   vs memory (throughput)');
    for (const [name, r] of results) {
      console.log(
        `${name.padEnd(24)} ${r.p50.toFixed(1).padStart(7)}  ${r.p99.toFixed(1).padStart(7)}  ${r.sequentialPerS.toFixed(0).padStart(8)}   ${r.concurrentPerS.toFixed(0).padStart(10)}       ${(r.concurrentPerS / base.concurrentPerS).toFixed(3)}x`,
      );
    }

    const llmUrl = await start(
      [join(ROOT, 'src/testing/scripted-llm-cli.ts'), '--port', '0', '--echo'],
      /^SCRIPTED_LLM_URL=(\S+)$/,
      ROOT,
    );
    const servers: [string, string][] = [];
    const variants: [string, string][] = [
      ['rate limiting off', ''],
      [
        'memory store',
        '  rate_limiting:\n    limits: [{type: count, window: minute, limit: 1000000000, scope: user}]\n',
      ],
      [
        'redis store',
        `  rate_limiting:\n    limits: [{type: count, window: minute, limit: 1000000000, scope: user}]\n    store: redis\n    redis_url: ${redis.url}\n`,
      ],
    ];
    for (const [name, section] of variants) {
      const config = join(dir, `${servers.length}.yaml`);
      writeFileSync(config, benchConfig(llmUrl, `server:\n${section || '  port: 0\n'}`));
      const url = await start(
        serveArgs(join(ROOT, 'bin/hector.js'), config, `sqlite:${join(dir, `${servers.length}.db`)}`),
        /listening on (http:\/\/\S+)/,
        dir,
      );
      servers.push([name, `${url}/agents/bench`]);
    }
    const http: [string, LoadResult][] = [];
    for (const [name, url] of servers) {
      await load(url, 1);
      http.push([name, await load(url, httpSeconds)]);
    }
    const off = http[0]![1];
    console.log(`\nmessage/send through hector serve, ${concurrency} concurrent clients, ${httpSeconds} s per target`);
    console.log('target                   req/s    p50 ms   p99 ms   errors   p50 vs off   throughput vs off');
    for (const [name, r] of http) {
      console.log(
        `${name.padEnd(24)} ${r.rps.toFixed(0).padStart(5)}   ${r.p50.toFixed(2).padStart(6)}   ${r.p99.toFixed(2).padStart(6)}   ${String(r.errors).padStart(6)}   ${(r.p50 / off.p50).toFixed(3)}x       ${(r.rps / off.rps).toFixed(3)}x`,
      );
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    for (const close of closers) await close().catch(() => {});
    await redis.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
