/**
 * Benchmark: what the audit hash chain costs per event. A benchmark, not a test: it asserts nothing about speed.
 *
 * For each place the trail can live, the chained append (what the server does) against a plain append of the
 * same event in the same run (the floor: no chain, no transaction):
 * - file: `openAuditFile(...).append` (one open file) vs `appendFile` of the JSON line (opens the file each time,
 *   so this floor is pessimistic);
 * - SQLite: `Database.audit.append` (appends batched into transactions that read the head once and insert every
 *   row of the batch) vs a bare INSERT per event through node:sqlite on the same file;
 * - PostgreSQL (when its binaries are installed): the chained append (advisory lock, head, insert) vs a bare
 *   INSERT through `pg` into a table of the same shape.
 * Sequential p50/p99 per event, and events per second with 64 appends in flight.
 *
 *   npm run bench:audit               # default 2000 events per case
 *   node bench/audit.ts --events 5000
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openAuditFile } from '../src/observability/index.ts';
import { type AuditRecord, openDatabase } from '../src/persistence/index.ts';
import { postgresSkipReason, startPostgres } from '../test/support/postgres.ts';
import { measure, pct } from './stats.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '2000' } } });
const events = Number(values.events);
const dir = mkdtempSync(join(tmpdir(), 'hector-bench-audit-'));

let n = 0;
function record(): AuditRecord {
  n++;
  return {
    timestamp: new Date().toISOString(),
    appId: 'default',
    userId: `user-${n % 50}`,
    component: 'tool',
    action: 'execute',
    success: true,
    requestId: `req_${n}`,
    event: { tool: 'run_command', argv: ['git', 'status', '--short'], verdict: 'allowed', duration_ms: 12, n },
  };
}

interface Case {
  name: string;
  chained: () => Promise<unknown>;
  plain: () => Promise<unknown>;
}

async function throughput(fn: () => Promise<unknown>, total: number, inFlight = 64): Promise<number> {
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (started < total) {
        started++;
        await fn();
      }
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

async function run(c: Case): Promise<void> {
  const warm = Math.min(200, Math.floor(events / 10));
  const chainedT = await measure(c.chained, events, warm);
  const plainT = await measure(c.plain, events, warm);
  const chainedRate = await throughput(c.chained, events);
  const plainRate = await throughput(c.plain, events);
  const f = (x: number) => `${(x * 1000).toFixed(0)} µs`;
  console.log(
    `${c.name.padEnd(11)} chained p50 ${f(pct(chainedT, 50))} p99 ${f(pct(chainedT, 99))} | plain p50 ${f(pct(plainT, 50))} p99 ${f(pct(plainT, 99))} | ` +
      `p50 ratio ${(pct(chainedT, 50) / pct(plainT, 50)).toFixed(2)}× | 64 in flight: ${chainedRate.toFixed(0)}/s vs ${plainRate.toFixed(0)}/s (${(chainedRate / plainRate).toFixed(2)}×)`,
  );
}

const INSERT =
  'insert into audit (timestamp, app_id, user_id, component, action, success, request_id, event) values (?, ?, ?, ?, ?, ?, ?, ?)';
const values8 = (r: AuditRecord) => [
  r.timestamp,
  r.appId,
  r.userId,
  r.component,
  r.action,
  r.success ? 1 : 0,
  r.requestId,
  JSON.stringify(r.event),
];

try {
  console.log(`audit append, ${events} events per case (chained = what the server does; plain = no chain)`);
  const file = await openAuditFile(join(dir, 'audit.jsonl'));
  const plainFile = join(dir, 'plain.jsonl');
  await run({
    name: 'file',
    chained: () => file.append(record().event),
    plain: () => appendFile(plainFile, `${JSON.stringify(record().event)}\n`),
  });
  await file.close();

  const sqlitePath = join(dir, 'hector.db');
  const db = await openDatabase({ url: `sqlite:${sqlitePath}` });
  const raw = new DatabaseSync(sqlitePath);
  raw.exec('pragma busy_timeout = 5000');
  const insert = raw.prepare(INSERT);
  await run({
    name: 'sqlite',
    chained: () => db.audit.append(record()),
    plain: async () => insert.run(...(values8(record()) as (string | number | null)[])),
  });
  raw.close();
  await db.close();

  const skip = postgresSkipReason();
  if (skip) {
    console.log(`postgresql  skipped: ${skip}`);
  } else {
    const server = await startPostgres();
    try {
      const url = await server.createDatabase();
      const pgDb = await openDatabase({ url });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(
        'create table plain_audit (id bigint generated always as identity primary key, timestamp text, app_id text, user_id text, component text, action text, success boolean, request_id text, event text)',
      );
      const pgInsert = INSERT.replace('insert into audit', 'insert into plain_audit').replace(
        /\?/g,
        (() => {
          let i = 0;
          return () => `$${++i}`;
        })(),
      );
      await run({
        name: 'postgresql',
        chained: () => pgDb.audit.append(record()),
        plain: () => {
          const v: unknown[] = values8(record());
          v[5] = v[5] === 1;
          return client.query(pgInsert, v);
        },
      });
      await client.end();
      await pgDb.close();
    } finally {
      await server.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
