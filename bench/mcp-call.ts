/**
 * Benchmark: what Hector's MCP path costs per tool call and per server start. Against the real
 * server-everything, one `echo` call is timed N times through the toolset with the server in bubblewrap, with
 * `sandbox: none`, and through the SDK's own StdioClientTransport (no sandbox, no Hector code) as the baseline
 * in the same run; then the start time (spawn + initialize + tools/list, closing not timed) of each. Prints mean/p50/p95 and
 * the ratios. A benchmark, not a test: it asserts nothing about speed.
 *
 *   node bench/mcp-call.ts              # 300 calls per mode after 30 warm-up calls, 5 connects per mode
 *   node bench/mcp-call.ts --runs 1000
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createMcpToolset, type Toolset } from '../src/tools/index.ts';
import { EVERYTHING, NODE, READ_ONLY } from '../test/support/mcp/servers.ts';
import { mean, measure, pct } from './stats.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '30' },
    connects: { type: 'string', default: '5' },
  },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);
const connects = Number(values.connects);
const dir = mkdtempSync(join(tmpdir(), 'hector-bench-mcp-'));
const context = { scope: { appId: 'bench', userId: 'bench' }, agent: 'bench', signal: new AbortController().signal };

function toolset(sandbox: 'bubblewrap' | 'none'): Promise<Toolset> {
  return createMcpToolset({
    name: 'everything',
    server: {
      kind: 'stdio',
      command: NODE,
      args: [EVERYTHING, 'stdio'],
      env: {},
      workingDirectory: join(dir, sandbox),
      sandbox,
      network: false,
      readOnlyPaths: READ_ONLY,
      protectedPaths: [join(dir, '.hector')],
    },
    filter: ['echo'],
    deny: [],
    requireApproval: false,
    callTimeoutMs: 30_000,
    connectTimeoutMs: 30_000,
    maxResultBytes: 65_536,
  });
}

async function sdkClient(): Promise<Client> {
  const client = new Client({ name: 'bench', version: '0' });
  await client.connect(new StdioClientTransport({ command: NODE, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }));
  await client.listTools();
  return client;
}

const row = (label: string, xs: number[]) =>
  console.log(
    `  ${label.padEnd(22)}: mean ${mean(xs).toFixed(3)} ms  p50 ${pct(xs, 50).toFixed(3)}  p95 ${pct(xs, 95).toFixed(3)}`,
  );

console.log(`MCP echo call: ${runs} calls per mode after ${warmup} warm-up calls (node ${process.version})`);
const sandboxed = await toolset('bubblewrap');
const plain = await toolset('none');
const sdk = await sdkClient();
const echo = (set: Toolset) => set.tools()[0]!;
const b = await measure(() => echo(sandboxed).execute({ message: 'bench' }, context), runs, warmup);
const p = await measure(() => echo(plain).execute({ message: 'bench' }, context), runs, warmup);
const s = await measure(() => sdk.callTool({ name: 'echo', arguments: { message: 'bench' } }), runs, warmup);
row('toolset, bubblewrap', b);
row('toolset, no sandbox', p);
row('SDK client (baseline)', s);
console.log(
  `  ratio bubblewrap / baseline ${(mean(b) / mean(s)).toFixed(2)}x; no sandbox / baseline ${(mean(p) / mean(s)).toFixed(2)}x`,
);
await Promise.all([sandboxed.close(), plain.close(), sdk.close()]);

console.log(`\nconnect (spawn + initialize + tools/list): ${connects} per mode`);
/** Times only the start; closing (SIGKILL here, a graceful wait in the SDK) happens outside the timing. */
async function timeStart(start: () => Promise<{ close(): Promise<void> }>): Promise<number[]> {
  const times: number[] = [];
  await (await start()).close();
  for (let i = 0; i < connects; i++) {
    const t0 = performance.now();
    const started = await start();
    times.push(performance.now() - t0);
    await started.close();
  }
  return times.sort((a, b) => a - b);
}
const cb = await timeStart(() => toolset('bubblewrap'));
const cp = await timeStart(() => toolset('none'));
const cs = await timeStart(sdkClient);
row('toolset, bubblewrap', cb);
row('toolset, no sandbox', cp);
row('SDK client (baseline)', cs);
console.log(
  `  ratio bubblewrap / baseline ${(mean(cb) / mean(cs)).toFixed(2)}x (+${(mean(cb) - mean(cs)).toFixed(1)} ms)`,
);
rmSync(dir, { recursive: true, force: true });
