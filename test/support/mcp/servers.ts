/** Real MCP servers for tests: paths of the installed packages, and an HTTP server-everything on loopback. */
import { type ChildProcess, spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const NODE_MODULES = join(ROOT, 'node_modules');
export const EVERYTHING = join(NODE_MODULES, '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
export const FILESYSTEM = join(NODE_MODULES, '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
export const CHANGING = join(ROOT, 'test', 'support', 'mcp', 'changing-server.ts');
/** The real Node binary running the tests (Node 24 from the `node` package). */
export const NODE = realpathSync(process.execPath);
/** What a sandboxed Node MCP server needs to see: the Node binary and the project's packages. */
export const READ_ONLY = [dirname(NODE), NODE_MODULES, join(ROOT, 'test', 'support', 'mcp')];

export interface HttpMcpServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** server-everything over HTTP (`streamableHttp` or `sse`), bound to 127.0.0.1 on a free port. */
export async function startEverythingHttp(mode: 'streamableHttp' | 'sse'): Promise<HttpMcpServer> {
  const child = spawn(
    process.execPath,
    ['--import', join(ROOT, 'test', 'support', 'mcp', 'loopback-listen.mjs'), EVERYTHING, mode],
    { env: { PATH: process.env.PATH ?? '', PORT: '0' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`server-everything did not start:\n${err}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /LISTENING (\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`server-everything exited with ${code}:\n${err}`)));
  });
  const path = mode === 'sse' ? '/sse' : '/mcp';
  return {
    url: `http://127.0.0.1:${port}${path}`,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
