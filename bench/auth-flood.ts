/**
 * Benchmark: a flood of bad credentials, with the audit trail's repeat throttle on (`audit.repeat_limit: 20`, the
 * default) and off (`repeat_limit: 0`: every failure is a hash-chained row and a log line).
 *
 * Two real `hector serve` processes (shared-secret auth, SQLite), measured in the same run in alternating rounds.
 * In each round, `concurrency` clients send requests with a wrong bearer token to `/agents` for `seconds`, while
 * one legitimate client sends `message/send` one after another (an instant scripted LLM in echo mode). Reported:
 * the flood's rate, the legitimate client's median latency, and, after a graceful stop, the audit rows and the
 * database size each server wrote; ratios are throttled / unthrottled (medians of per-round ratios for the rates
 * and latencies).
 *
 * A benchmark, not a test: it asserts nothing about speed.
 *
 *   npm run bench:auth-flood               # defaults: 16 flooding clients, 3 rounds of 4 s per variant
 *   node bench/auth-flood.ts --concurrency 32 --seconds 5 --rounds 5
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchConfig, mean, median, pct, serveArgs, startChild } from './stats.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = 'bench-auth-flood-secret-0123456789abcdef';
const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
  },
});
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);

interface Round {
  floodRps: number;
  legitP50: number;
  legitErrors: number;
}

/** One round against `base`: the flood and the legitimate client side by side for `seconds`. */
async function round(base: string): Promise<Round> {
  const deadline = performance.now() + seconds * 1000;
  let bad = 0;
  const flooder = async () => {
    while (performance.now() < deadline) {
      const res = await fetch(`${base}/agents`, { headers: { authorization: 'Bearer wrong-secret' } });
      await res.arrayBuffer();
      if (res.status === 401) bad++;
    }
  };
  const latencies: number[] = [];
  let legitErrors = 0;
  const legit = async () => {
    for (let n = 0; performance.now() < deadline; n++) {
      const t0 = performance.now();
      const res = await fetch(`${base}/agents/bench`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: n,
          method: 'message/send',
          params: {
            message: { kind: 'message', role: 'user', messageId: `m${n}`, parts: [{ kind: 'text', text: 'hi' }] },
          },
        }),
      });
      const json = (await res.json()) as { result?: { status?: { state?: string } } };
      if (json.result?.status?.state !== 'completed') legitErrors++;
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all([...Array.from({ length: concurrency }, flooder), legit()]);
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { floodRps: bad / elapsed, legitP50: pct(latencies, 50), legitErrors };
}

const children: ChildProcess[] = [];

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'hector-bench-flood-'));
  try {
    const llmUrl = await startChild(
      children,
      [join(ROOT, 'src/testing/scripted-llm-cli.ts'), '--port', '0', '--echo'],
      /^SCRIPTED_LLM_URL=(\S+)$/,
      ROOT,
      {},
    );
    const variants = [
      { name: 'throttled (repeat_limit: 20)', limit: 20 },
      { name: 'unthrottled (repeat_limit: 0)', limit: 0 },
    ];
    const servers: { name: string; base: string; db: string; child: ChildProcess }[] = [];
    for (const [i, v] of variants.entries()) {
      const config = join(dir, `${i}.yaml`);
      writeFileSync(config, benchConfig(llmUrl, `audit: {repeat_limit: ${v.limit}}\n`));
      const db = join(dir, `${i}.db`);
      const base = await startChild(
        children,
        serveArgs(join(ROOT, 'bin/hector.js'), config, `sqlite:${db}`),
        /listening on (http:\/\/\S+)/,
        dir,
        { HECTOR_AUTH_SECRET: SECRET },
      );
      servers.push({ name: v.name, base, db, child: children.at(-1)! });
    }
    const results = new Map<string, Round[]>(servers.map((s) => [s.name, []]));
    for (let r = 0; r < rounds; r++) {
      for (const s of servers) results.get(s.name)!.push(await round(s.base));
    }
    // A graceful stop writes the last repeated counts; then the trail is counted.
    for (const s of servers) {
      const exited = new Promise((r) => s.child.once('exit', r));
      s.child.kill('SIGTERM');
      await exited;
    }
    const written = servers.map((s) => {
      const db = new DatabaseSync(s.db, { readOnly: true });
      try {
        const rows = db.prepare("SELECT count(*) AS n FROM audit WHERE component = 'auth'").get() as { n: number };
        return { rows: Number(rows.n), bytes: statSync(s.db).size };
      } finally {
        db.close();
      }
    });
    const [on, off] = [results.get(servers[0]!.name)!, results.get(servers[1]!.name)!];
    console.log(
      `\nbad-credential flood (${concurrency} clients) plus one legitimate message/send client, ${rounds} alternating rounds of ${seconds} s per variant (node ${process.version})`,
    );
    console.log(
      'variant                          flood req/s   legit p50 ms   legit errors   auth audit rows   db bytes',
    );
    for (const [i, s] of servers.entries()) {
      const rs = results.get(s.name)!;
      console.log(
        `${s.name.padEnd(32)} ${mean(rs.map((r) => r.floodRps))
          .toFixed(0)
          .padStart(11)}   ${mean(rs.map((r) => r.legitP50))
          .toFixed(2)
          .padStart(
            12,
          )}   ${String(rs.reduce((a, r) => a + r.legitErrors, 0)).padStart(12)}   ${String(written[i]!.rows).padStart(15)}   ${String(written[i]!.bytes).padStart(8)}`,
      );
    }
    console.log(
      `\nthrottled / unthrottled: flood rate ${median(on.map((r, i) => r.floodRps / off[i]!.floodRps)).toFixed(3)}x, legit p50 ${median(on.map((r, i) => r.legitP50 / off[i]!.legitP50)).toFixed(3)}x, audit rows ${(written[0]!.rows / written[1]!.rows).toFixed(4)}x, database size ${(written[0]!.bytes / written[1]!.bytes).toFixed(3)}x`,
    );
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
