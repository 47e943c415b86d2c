/**
 * Benchmark: what metrics and tracing cost per request.
 *
 * 1. In process: the CPU time of one request's telemetry (4 spans, their attributes, 3 metric updates).
 * 2. A2A `message/send` (non-streaming, instant scripted LLM in echo mode) through the real `hector serve` with
 *    observability off, metrics only, tracing only (OTLP/HTTP to a real receiver in its own process, sampling 1)
 *    and both, plus a second "off" server as a control (the noise floor), measured in the same run in alternating
 *    rounds and reported as ratios against "off": the median over rounds of each round's ratio (a busy machine
 *    slows whole rounds, which the per-round ratio cancels). The control row shows how far apart two identical
 *    servers measure; differences smaller than that are noise.
 *
 * A benchmark, not a test: it asserts nothing about speed.
 *
 *   npm run bench:observability            # defaults: 8 concurrent clients, 5 rounds of 3 s per variant
 *   node bench/observability.ts --concurrency 16 --seconds 10 --rounds 5
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTelemetry } from '../src/observability/index.ts';
import { benchConfig, type LoadResult, mean, median, messageSendLoad, serveArgs, startChild } from './stats.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '5' },
  },
});
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);

/**
 * An OTLP/HTTP receiver in its own process (so parsing spans does not slow this process's load generator): it
 * reads every body, counts the spans in it, and answers 200.
 */
const RECEIVER = `
import { createServer } from 'node:http';
let spans = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/count') return res.end(String(spans));
    spans += (Buffer.concat(chunks).toString().match(/"spanId"/g) ?? []).length;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => console.log('OTLP_URL=http://127.0.0.1:' + server.address().port));
`;

/**
 * In process: the CPU cost of one request's telemetry (a request span, a run span, an LLM and a tool span with
 * their attributes, and the metrics of each), with spans exported to an exporter that drops them. Microseconds.
 */
async function perRequestCost(iterations: number): Promise<{ metrics: number; tracing: number; both: number }> {
  const dropping = {
    export: (_s: unknown, done: (r: { code: number }) => void) => done({ code: 0 }),
    shutdown: async () => {},
  };
  const tracing = {
    endpoint: 'http://127.0.0.1:1',
    protocol: 'http' as const,
    sampling: 1,
    captureContent: false,
    serviceName: 'bench',
    serviceVersion: '0',
    secrets: [],
    exporter: dropping,
  };
  const once = (t: ReturnType<typeof createTelemetry>) => {
    const req = t.tracer.startRequest('POST', { traceparent: undefined }, { 'http.request.method': 'POST' });
    const run = t.tracer.start('invoke_agent bench', req, { 'gen_ai.agent.name': 'bench', 'a2a.task_id': 'task' });
    const chat = t.tracer.start('chat bench', run, { 'gen_ai.provider.name': 'openai' }, 'client');
    chat.set({ 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5 });
    chat.end();
    t.metrics.llmCall({
      provider: 'openai',
      agent: 'bench',
      outcome: 'ok',
      seconds: 0.01,
      inputTokens: 10,
      outputTokens: 5,
    });
    const tool = t.tracer.start('execute_tool echo', run, { 'gen_ai.tool.name': 'echo' });
    tool.end();
    t.metrics.toolCall({ tool: 'echo', verdict: 'executed' });
    run.end();
    req.rename('POST /agents/:name');
    req.set({ 'http.route': '/agents/:name', 'http.response.status_code': 200 });
    req.end();
    t.metrics.httpRequest({ method: 'POST', route: '/agents/:name', status: 200, seconds: 0.01 });
  };
  const time = async (t: ReturnType<typeof createTelemetry>) => {
    for (let i = 0; i < 1000; i++) once(t);
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) once(t);
    const us = ((performance.now() - t0) * 1000) / iterations;
    await t.shutdown();
    return us;
  };
  const base = await time(createTelemetry({}));
  return {
    metrics: (await time(createTelemetry({ metrics: { processMetrics: false } }))) - base,
    tracing: (await time(createTelemetry({ tracing }))) - base,
    both: (await time(createTelemetry({ metrics: { processMetrics: false }, tracing }))) - base,
  };
}

const children: ChildProcess[] = [];
const start = (args: string[], pattern: RegExp, cwd: string) => startChild(children, args, pattern, cwd, {});

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'hector-bench-obs-'));
  try {
    const cost = await perRequestCost(20_000);
    console.log(
      `\nin process, telemetry of one request (4 spans, 3 metric updates), CPU per request: metrics ${cost.metrics.toFixed(1)} µs, tracing ${cost.tracing.toFixed(1)} µs, both ${cost.both.toFixed(1)} µs`,
    );
    const otlpUrl = await start(['--input-type=module', '-e', RECEIVER], /^OTLP_URL=(\S+)$/, ROOT);
    const llmUrl = await start(
      [join(ROOT, 'src/testing/scripted-llm-cli.ts'), '--port', '0', '--echo'],
      /^SCRIPTED_LLM_URL=(\S+)$/,
      ROOT,
    );
    const metrics = '    metrics: {enabled: true}\n';
    const tracing = `    tracing: {enabled: true, protocol: http, endpoint: "${otlpUrl}", sampling: 1}\n`;
    const variants: [string, string][] = [
      ['observability off', ''],
      // A second "off" server: how far apart two identical servers measure on this machine (the noise floor).
      ['off again (control)', ''],
      ['metrics', metrics],
      ['tracing', tracing],
      ['metrics + tracing', metrics + tracing],
    ];
    const servers: { name: string; url: string; base: string }[] = [];
    for (const [name, section] of variants) {
      const config = join(dir, `${servers.length}.yaml`);
      writeFileSync(config, benchConfig(llmUrl, section ? `server:\n  observability:\n${section}` : ''));
      const base = await start(
        serveArgs(join(ROOT, 'bin/hector.js'), config, `sqlite:${join(dir, `${servers.length}.db`)}`),
        /listening on (http:\/\/\S+)/,
        dir,
      );
      servers.push({ name, url: `${base}/agents/bench`, base });
    }
    for (const s of servers) await messageSendLoad(s.url, 1, concurrency);
    const results = new Map<string, LoadResult[]>(servers.map((s) => [s.name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const s of servers) results.get(s.name)!.push(await messageSendLoad(s.url, seconds, concurrency));
    }
    const offRounds = results.get(servers[0]!.name)!;
    const summary = servers.map((s) => {
      const rs = results.get(s.name)!;
      return {
        name: s.name,
        rps: mean(rs.map((r) => r.rps)),
        p50: mean(rs.map((r) => r.p50)),
        p99: mean(rs.map((r) => r.p99)),
        errors: rs.reduce((a, r) => a + r.errors, 0),
        p50Ratio: median(rs.map((r, i) => r.p50 / offRounds[i]!.p50)),
        rpsRatio: median(rs.map((r, i) => r.rps / offRounds[i]!.rps)),
      };
    });
    console.log(
      `\nmessage/send through hector serve, ${concurrency} concurrent clients, ${rounds} alternating rounds of ${seconds} s per variant (node ${process.version})`,
    );
    console.log(
      'variant               req/s    p50 ms   p99 ms   errors   p50 vs off   throughput vs off (medians of per-round ratios)',
    );
    for (const r of summary) {
      console.log(
        `${r.name.padEnd(20)} ${r.rps.toFixed(0).padStart(6)}   ${r.p50.toFixed(2).padStart(6)}   ${r.p99.toFixed(2).padStart(6)}   ${String(r.errors).padStart(6)}   ${r.p50Ratio.toFixed(3)}x       ${r.rpsRatio.toFixed(3)}x`,
      );
    }
    const scraped = await fetch(`${servers[4]!.base}/metrics`).then((r) => r.text());
    const sent = /hector_http_requests_total\{method="POST",route="\/agents\/:name",status="200"\} (\d+)/.exec(scraped);
    const received = await fetch(`${otlpUrl}/count`).then((r) => r.text());
    console.log(
      `\nspans received by the OTLP receiver so far: ${received}; requests counted by the metrics + tracing server: ${sent?.[1] ?? '?'}`,
    );
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
