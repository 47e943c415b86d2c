/** Starts the real `hector` CLI as a child process and talks to it over HTTP. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Role } from '@a2a-js/sdk';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'hector.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `hector ARGS` to completion. */
export function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export interface Server {
  url: string;
  dir: string;
  child: ChildProcess;
  output(): string;
  /** Waits (up to 5 s) until the output matches: log lines are written asynchronously. */
  waitForOutput(pattern: RegExp): Promise<void>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function tempDir(prefix = 'hector-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Writes `config` to a temp dir and starts `hector serve` on port 0 with a SQLite database in that dir (unless
 * `database` is given). Resolves once the banner shows the URL. The process is killed at test end by `stop`.
 */
export async function startServer(options: {
  config: string;
  env?: Record<string, string>;
  dir?: string;
  database?: string;
  extraArgs?: string[];
}): Promise<Server> {
  const dir = options.dir ?? tempDir();
  const configPath = join(dir, 'hector.yaml');
  writeFileSync(configPath, options.config);
  const args = [
    BIN,
    'serve',
    '--config',
    configPath,
    '--port',
    '0',
    '--database',
    options.database ?? `sqlite:${join(dir, 'hector.db')}`,
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    url,
    dir,
    child,
    output: () => output,
    async waitForOutput(pattern: RegExp) {
      for (let i = 0; i < 250 && !pattern.test(output); i++) await new Promise((r) => setTimeout(r, 20));
      if (!pattern.test(output)) throw new Error(`output never matched ${pattern}:\n${output}`);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(killer);
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** The `version` line and an `llms:` section with one OpenAI-compatible LLM (`default`) at `llmUrl`. */
export function llmSection(llmUrl: string): string {
  return `version: "2"
llms:
  default:
    provider: openai
    model: test-model
    api_key: \${TEST_LLM_KEY}
    base_url: ${llmUrl}
    max_retries: 0
    timeout: 20s
`;
}

/** A minimal config with one OpenAI-compatible LLM at `llmUrl` and one agent. */
export function basicConfig(llmUrl: string, extra = ''): string {
  return `${llmSection(llmUrl)}agents:
  assistant:
    description: Test assistant
    llm: default
    instruction: You are a test assistant.
${extra}logger:
  level: info
  format: json
`;
}

export async function rpc(
  url: string,
  method: string,
  params: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A 0.3-style `message/send` params object. */
export function legacyMessage(text: string, ids: { contextId?: string; taskId?: string } = {}) {
  return {
    message: {
      kind: 'message',
      role: 'user',
      messageId: crypto.randomUUID(),
      parts: [{ kind: 'text', text }],
      ...(ids.contextId ? { contextId: ids.contextId } : {}),
      ...(ids.taskId ? { taskId: ids.taskId } : {}),
    },
  };
}

/** A core (1.0) SendMessageRequest for the official client. */
export function coreRequest(text: string, contextId = '') {
  return {
    tenant: '',
    message: {
      messageId: crypto.randomUUID(),
      contextId,
      taskId: '',
      role: Role.ROLE_USER,
      parts: [
        {
          content: { $case: 'text' as const, value: text },
          metadata: undefined,
          filename: '',
          mediaType: 'text/plain',
        },
      ],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: undefined,
    metadata: undefined,
  };
}

/** Reads an SSE response body into its parsed `data:` JSON payloads. */
export async function readSse(res: Response): Promise<Record<string, unknown>[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .map((block) =>
      block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n'),
    )
    .filter((d) => d.length > 0)
    .map((d) => JSON.parse(d) as Record<string, unknown>);
}

/**
 * Starts `message/stream` and reads the SSE stream until the task is announced. Returns its id and the open
 * reader (cancel it when done).
 */
export async function startStreamingTask(
  agentUrl: string,
  text: string,
): Promise<{ taskId: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const res = await fetch(agentUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/stream', params: legacyMessage(text) }),
  });
  const reader = res.body!.getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before announcing a task:\n${buffered}`);
    buffered += new TextDecoder().decode(value);
    const taskId = /"kind":"task","id":"([0-9a-f-]{36})"/.exec(buffered)?.[1];
    if (taskId) return { taskId, reader };
  }
}

/** Spawns `hector ARGS` and collects its output; `exited` resolves with the exit code. */
export function spawnHector(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => output, exited };
}

/**
 * `fetch` with a bearer token and a JSON body; answers the status, headers, the text and the parsed body
 * (undefined when empty).
 */
export async function requestJson(url: string, init: RequestInit & { token?: string } = {}) {
  const { token, ...rest } = init;
  const res = await fetch(url, {
    ...rest,
    headers: {
      ...(rest.body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** One Admin API call to `baseUrl` + `path` with the admin secret, and `body` (if any) as JSON. */
export function adminRequest(baseUrl: string, secret: string, method: string, path: string, body?: unknown) {
  return requestJson(`${baseUrl}${path}`, {
    method,
    token: secret,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Polls `check` every 25 ms until it holds; throws naming `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
