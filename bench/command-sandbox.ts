/**
 * Benchmark: latency the bubblewrap sandbox adds per command. Runs the same command lines N times through
 * the command tool with `sandbox: 'bubblewrap'` and with `sandbox: 'none'` (same parser, policy, prlimit and
 * output capture; no bwrap), and, as a floor, a bare `spawn` of the program with no tool at all. Prints mean
 * and p50/p95 latency per command and the ratios. A benchmark, not a test: it asserts nothing about speed.
 *
 *   node bench/command-sandbox.ts              # 200 runs per command and mode after 20 warm-up runs
 *   node bench/command-sandbox.ts --runs 500
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkSandboxAvailable, createCommandTool } from '../src/tools/command/index.ts';
import type { Tool } from '../src/tools/index.ts';
import { mean, measure as measureRuns, pct } from './stats.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '200' }, warmup: { type: 'string', default: '20' } },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);

const ws = mkdtempSync(join(tmpdir(), 'hector-bench-cmd-'));
writeFileSync(join(ws, 'small.txt'), 'a small file\n'.repeat(10));

const context = { scope: { appId: 'bench', userId: 'bench' }, agent: 'bench', signal: new AbortController().signal };
const options = (sandbox: 'bubblewrap' | 'none') => ({
  name: 'bench',
  allowedCommands: [],
  deniedCommands: [],
  denyByDefault: false,
  workingDirectory: ws,
  maxExecutionMs: 60_000,
  maxOutputBytes: 65_536,
  network: false,
  sandbox,
});

function bareSpawn(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    child.stdout.resume();
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}

const measure = (fn: () => Promise<unknown>) => measureRuns(fn, runs, warmup);
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

const check = await checkSandboxAvailable();
if (!check.ok) {
  console.error(`bubblewrap is not usable: ${check.reason}`);
  process.exit(1);
}
const sandboxed: Tool = await createCommandTool(options('bubblewrap'));
const plain: Tool = await createCommandTool(options('none'));

const cases: Array<{ command: string; bare: string[] }> = [
  { command: 'true', bare: ['/usr/bin/true'] },
  { command: 'cat small.txt', bare: ['/usr/bin/cat', 'small.txt'] },
  { command: 'cat small.txt | wc -l', bare: ['/usr/bin/cat', 'small.txt'] },
];

console.log(`command sandbox latency: ${runs} runs per row after ${warmup} warm-up runs (node ${process.version})`);
for (const { command, bare } of cases) {
  const b = await measure(() => sandboxed.execute({ command }, context));
  const n = await measure(() => plain.execute({ command }, context));
  const s = await measure(() => bareSpawn(bare));
  console.log(`\n${command}`);
  console.log(`  tool, bubblewrap : mean ${fmt(mean(b))}  p50 ${fmt(pct(b, 50))}  p95 ${fmt(pct(b, 95))}`);
  console.log(`  tool, no sandbox : mean ${fmt(mean(n))}  p50 ${fmt(pct(n, 50))}  p95 ${fmt(pct(n, 95))}`);
  console.log(`  bare spawn       : mean ${fmt(mean(s))}  p50 ${fmt(pct(s, 50))}  p95 ${fmt(pct(s, 95))}`);
  console.log(
    `  ratio bubblewrap / no sandbox: ${(mean(b) / mean(n)).toFixed(2)}x (+${fmt(mean(b) - mean(n))});  bubblewrap / bare spawn: ${(mean(b) / mean(s)).toFixed(2)}x`,
  );
}
rmSync(ws, { recursive: true, force: true });
