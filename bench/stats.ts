import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Timing helpers shared by the benchmarks: sequential runs after warm-up, sorted samples, mean and percentiles. */

/** Runs `fn` `warmup` times untimed, then `runs` times timed (ms); returns the samples sorted ascending. */
export async function measure(fn: () => Promise<unknown>, runs: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The median of samples (any order). */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The p-th percentile of sorted samples (nearest rank). */
export const pct = (xs: readonly number[], p: number): number =>
  xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number;

/**
 * Spawns `node ARGS` (its stderr inherited), records it in `children` for the caller to kill, and resolves with
 * the first capture group of the first stdout line matching `pattern` (a URL, typically).
 */
export function startChild(
  children: ChildProcess[],
  args: string[],
  pattern: RegExp,
  cwd: string,
  env?: Record<string, string>,
): Promise<string> {
  const child = spawn(process.execPath, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
    ...(env ? { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env } } : {}),
  });
  children.push(child);
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${args[0]} did not start`)), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = pattern.exec(line);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
    child.once('exit', (code) => rej(new Error(`${args[0]} exited with ${code}`)));
  });
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/**
 * `concurrency` clients sending non-streaming `message/send` to `url` for `durationS` seconds; a reply that is
 * not HTTP 200 with a completed task counts as an error. Latencies in ms.
 */
export async function messageSendLoad(url: string, durationS: number, concurrency: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  const deadline = performance.now() + durationS * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const n = i++;
      const t0 = performance.now();
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: n,
            method: 'message/send',
            params: {
              message: {
                kind: 'message',
                role: 'user',
                messageId: `m${n}`,
                parts: [{ kind: 'text', text: `hello ${n}` }],
              },
            },
          }),
        });
        const json = (await res.json()) as { result?: { status?: { state?: string } } };
        if (res.status !== 200 || json.result?.status?.state !== 'completed') errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50: pct(latencies, 50), p99: pct(latencies, 99), errors };
}

/** The arguments of `hector serve` on a free port with its own SQLite database, for startChild. */
export function serveArgs(bin: string, config: string, database: string, extra: readonly string[] = []): string[] {
  return [bin, 'serve', '--config', config, '--port', '0', '--database', database, ...extra];
}

/**
 * The config every `message/send` benchmark serves: one non-streaming agent on the scripted LLM at `llmUrl`,
 * warn-level JSON logs, and `server` (a whole `server:` block, or '') for what the benchmark varies.
 */
export function benchConfig(llmUrl: string, server = ''): string {
  return `version: "2"
llms:
  default: {provider: openai, model: bench, api_key: bench-key, base_url: ${llmUrl}/v1, max_retries: 0}
agents:
  bench: {llm: default, streaming: false}
${server}logger: {level: warn, format: json}
`;
}
