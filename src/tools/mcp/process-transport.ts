/**
 * The MCP stdio transport over a server started by tools/command's launcher (sandboxed, scrubbed environment),
 * instead of the SDK's StdioClientTransport (which spawns with the parent's PATH and HOME and no sandbox).
 * Messages are newline-delimited JSON-RPC; a single message larger than `maxMessageBytes` is an error and the
 * connection is closed. stderr is handed to `onStderr` line by line, each line cut at 1,000 characters.
 */
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ServerLauncher, SpawnedServer } from '../command/index.ts';

export class ProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private process: SpawnedServer | undefined;
  private readonly buffer: ReadBuffer;
  private closed = false;
  private readonly launcher: ServerLauncher;
  private readonly onStderr: (line: string) => void;

  constructor(launcher: ServerLauncher, options: { maxMessageBytes: number; onStderr: (line: string) => void }) {
    this.launcher = launcher;
    this.onStderr = options.onStderr;
    this.buffer = new ReadBuffer({ maxBufferSize: options.maxMessageBytes });
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  async start(): Promise<void> {
    if (this.process) throw new Error('ProcessTransport already started');
    const proc = this.launcher.spawn();
    this.process = proc;
    proc.stdout.on('data', (chunk: Buffer) => {
      try {
        this.buffer.append(chunk);
        for (let m = this.buffer.readMessage(); m !== null; m = this.buffer.readMessage()) this.onmessage?.(m);
      } catch (e) {
        this.onerror?.(e instanceof Error ? e : new Error(String(e)));
        void this.close();
      }
    });
    let partial = '';
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = (lines.pop() ?? '').slice(0, 1000);
      for (const line of lines) if (line.trim() !== '') this.onStderr(line.slice(0, 1000));
    });
    proc.stdin.on('error', (e: Error) => this.onerror?.(e));
    void proc.exited.then((r) => {
      if (r.error) this.onerror?.(new Error(`the server process could not start (${r.error})`));
      this.finish();
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const proc = this.process;
    if (!proc || this.closed) throw new Error('not connected');
    await new Promise<void>((resolve, reject) => {
      proc.stdin.write(serializeMessage(message), (e) => (e ? reject(e) : resolve()));
    });
  }

  async close(): Promise<void> {
    const proc = this.process;
    if (!proc) return;
    proc.stdin.end();
    proc.kill();
    await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer.clear();
    this.onclose?.();
  }
}
