/**
 * Benchmark: requests/s and p50/p99 latency of A2A `message/send` (non-streaming, instant scripted LLM in echo
 * mode) through the real `hector serve`, against a bare node:http baseline doing the same JSON work, measured in
 * the same run and reported as ratios. A benchmark, not a test: it asserts nothing about speed.
 *
 *   npm run bench                       # defaults: 8 concurrent clients, 3 s warm-up, 10 s per target
 *   node bench/message-send.ts --concurrency 16 --seconds 20
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchConfig, type LoadResult, messageSendLoad, startChild } from './stats.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
  },
});
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);

const children: ChildProcess[] = [];
const start = (args: string[], pattern: RegExp, cwd = ROOT) => startChild(children, args, pattern, cwd);

const load = (url: string, durationS: number) => messageSendLoad(url, durationS, concurrency);
type Result = LoadResult;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'hector-bench-'));
  try {
    const llmUrl = await start(
      [join(ROOT, 'src/testing/scripted-llm-cli.ts'), '--port', '0', '--echo'],
      /^SCRIPTED_LLM_URL=(\S+)$/,
    );
    const config = join(dir, 'bench.yaml');
    writeFileSync(config, benchConfig(llmUrl));
    const hectorUrl = await start(
      [
        join(ROOT, 'bin/hector.js'),
        'serve',
        '--config',
        config,
        '--port',
        '0',
        '--database',
        `sqlite:${join(dir, 'bench.db')}`,
      ],
      /listening on (http:\/\/\S+)/,
      dir,
    );
    const baselineUrl = await start([join(ROOT, 'bench/baseline-server.ts'), `${llmUrl}/v1`], /^BASELINE_URL=(\S+)$/);

    const targets = [
      ['baseline (bare node:http)', baselineUrl],
      ['hector message/send', `${hectorUrl}/agents/bench`],
    ] as const;
    const results: Record<string, Result> = {};
    for (const [name, url] of targets) {
      await load(url, warmup);
      results[name] = await load(url, seconds);
    }
    const base = results[targets[0][0]]!;
    const hector = results[targets[1][0]]!;
    console.log(`\nmessage/send, ${concurrency} concurrent clients, ${seconds} s per target (node ${process.version})`);
    console.log('target                         req/s     p50 ms   p99 ms   errors');
    for (const [name] of targets) {
      const r = results[name]!;
      console.log(
        `${name.padEnd(30)} ${r.rps.toFixed(0).padStart(6)}   ${r.p50.toFixed(2).padStart(6)}   ${r.p99.toFixed(2).padStart(6)}   ${r.errors}`,
      );
    }
    console.log(
      `\nratio hector/baseline: throughput ${(hector.rps / base.rps).toFixed(2)}x, p50 ${(hector.p50 / base.p50).toFixed(2)}x, p99 ${(hector.p99 / base.p99).toFixed(2)}x`,
    );
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
