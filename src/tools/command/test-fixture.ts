/**
 * Shared fixture of the command tool tests (imported only by *.test.ts): a temp directory holding the working
 * directory, a canary directory and file and a secret file OUTSIDE it, and the effect assertions every attack
 * test makes.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tool, ToolContext, ToolResult } from '../types.ts';
import { createCommandTool } from './create-command-tool.ts';
import type { CommandToolOptions } from './options.ts';

export interface Fixture {
  readonly base: string;
  readonly ws: string;
  readonly canaryDir: string;
  readonly canaryFile: string;
  readonly secretFile: string;
  readonly secret: string;
  cleanup(): void;
}

export const CANARY_CONTENT = 'CANARY-UNCHANGED\n';

/** Lines of the host's /etc/passwd that must never reach the model (e.g. `root:x:0:0:root:/root:/bin/bash`). */
export const HOST_PASSWD_LINES: readonly string[] = readFileSync('/etc/passwd', 'utf8')
  .split('\n')
  .filter((l) => l.length >= 8);

export function createFixture(): Fixture {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'hector-cmd-')));
  const ws = join(base, 'ws');
  const canaryDir = join(base, 'canary');
  const canaryFile = join(base, 'canary.txt');
  const secretFile = join(base, 'secret.txt');
  const secret = `HECTOR-SECRET-${randomUUID()}`;
  mkdirSync(ws, { mode: 0o700 });
  mkdirSync(canaryDir);
  writeFileSync(canaryFile, CANARY_CONTENT);
  writeFileSync(secretFile, `${secret}\n`);
  resetWorkspace({ ws });
  return {
    base,
    ws,
    canaryDir,
    canaryFile,
    secretFile,
    secret,
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** Makes sure the ordinary files the tests use exist with known content. */
export function resetWorkspace(fx: { ws: string }): void {
  writeFileSync(join(fx.ws, 'a.txt'), 'alpha\nbeta\ngamma\n');
  writeFileSync(join(fx.ws, 'b.txt'), 'pear\napple\npear\nfig\napple\npear\n');
  writeFileSync(join(fx.ws, 'file.txt'), 'one\nx marks\nthree\nxx\n');
  writeFileSync(join(fx.ws, 'small.txt'), 'small\n');
}

export function defaultOptions(fx: Fixture, over: Partial<CommandToolOptions> = {}): CommandToolOptions {
  return {
    name: 'shell',
    allowedCommands: [],
    deniedCommands: [],
    denyByDefault: false,
    workingDirectory: fx.ws,
    maxExecutionMs: 10_000,
    maxOutputBytes: 65_536,
    network: false,
    sandbox: 'bubblewrap',
    ...over,
  };
}

export function makeTool(fx: Fixture, over: Partial<CommandToolOptions> = {}): Promise<Tool> {
  return createCommandTool(defaultOptions(fx, over));
}

export function context(signal: AbortSignal = new AbortController().signal): ToolContext {
  return { scope: { appId: 'app', userId: 'user' }, agent: 'agent', signal };
}

export function run(tool: Tool, command: string, workingDir?: string, signal?: AbortSignal): Promise<ToolResult> {
  const args: Record<string, unknown> = { command };
  if (workingDir !== undefined) args.working_dir = workingDir;
  return tool.execute(args, context(signal));
}

function filesUnder(dir: string, out: string[] = [], depth = 0): string[] {
  if (depth > 6) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) filesUnder(p, out, depth + 1);
    else if (st.isFile() && st.size < 4 * 1024 * 1024) out.push(p);
  }
  return out;
}

/**
 * The effect assertions: the canary directory still exists and is empty, the canary file is unchanged, and
 * neither the output nor any file in the working directory contains a line of the host's /etc/passwd or the
 * secret stored outside the working directory.
 */
export function assertContained(fx: Fixture, output: string): void {
  assert.ok(existsSync(fx.canaryDir), 'the canary directory outside the working directory was removed');
  assert.deepEqual(readdirSync(fx.canaryDir), [], 'something was written into the canary directory');
  assert.equal(readFileSync(fx.canaryFile, 'utf8'), CANARY_CONTENT, 'the canary file was changed');
  for (const line of HOST_PASSWD_LINES) {
    assert.ok(!output.includes(line), `host /etc/passwd content reached the model: ${line}`);
  }
  assert.ok(!output.includes(fx.secret), 'a secret file outside the working directory reached the model');
  for (const file of filesUnder(fx.ws)) {
    const content = readFileSync(file, 'utf8');
    for (const line of HOST_PASSWD_LINES) {
      assert.ok(!content.includes(line), `host /etc/passwd content was copied into ${file}`);
    }
    assert.ok(!content.includes(fx.secret), `the outside secret was copied into ${file}`);
  }
}

export interface HostCanary {
  readonly port: number;
  /** TCP connections accepted so far: any increase means a sandboxed program reached the host. */
  readonly connections: number;
  close(): Promise<void>;
}

/** An HTTP server on the host's 127.0.0.1 that answers "reached-the-host" and counts connections. */
export async function startHostCanary(): Promise<HostCanary> {
  let connections = 0;
  const server = createServer((_req, res) => res.end('reached-the-host\n'));
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
