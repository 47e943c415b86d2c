/**
 * An MCP server as a set of tools. SECURITY CONTRACT:
 * - Only tools passing the filter (tool-filter.ts: `filter`, then `deny`) are offered or callable; a name the
 *   model invents never reaches the server (the registry does not resolve it). The filter is re-applied to
 *   every `tools/list` answer, including after `notifications/tools/list_changed` and reconnects.
 * - A server tool is exposed as `<toolset>__<tool>` (naming.ts) only if that is a valid provider function name
 *   and its input schema compiles; otherwise it is skipped with an event, never offered half-checked. Server
 *   descriptions (untrusted text) are cut at 2,000 characters.
 * - stdio servers run through tools/command's launcher (sandbox, scrubbed environment); HTTP servers only
 *   through the SSRF-guarded fetch (internal addresses only if `allowedRanges` lists them).
 * - Every call is bounded by `callTimeoutMs` (the SDK then cancels the request) and its result text by
 *   `maxResultBytes`; one JSON-RPC message (stdio) by 4 × `maxResultBytes` + 1 MiB.
 * - Start failure, crash or a failed ping: the toolset becomes `unavailable`, its last known tools stay offered
 *   but every call returns a tool error without running, and it reconnects with exponential backoff
 *   (`reconnectDelayMs`, doubling up to `maxReconnectDelayMs`), until `close()`.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { ConfigError, type ConfigIssue, isPlainObject } from '../../shared/index.ts';
import { prepareServerLauncher, type ServerLauncher, type ServerSpawnOptions } from '../command/index.ts';
import { quote } from '../text.ts';
import type { Tool, ToolContext, ToolInputSchema, ToolResult, Toolset, ToolsetHealth } from '../types.ts';
import { argsSchemaOf } from '../validate-args.ts';
import { createGuardedFetch, type GuardedFetcherDeps } from '../web/index.ts';
import { exposedName, splitExposedName } from './naming.ts';
import { ProcessTransport } from './process-transport.ts';
import { resultText } from './result-text.ts';
import { createToolFilter, type ToolFilter } from './tool-filter.ts';

export type McpServerOptions =
  | ({ readonly kind: 'stdio' } & Omit<ServerSpawnOptions, 'configPath' | 'trustedPath'>)
  | {
      readonly kind: 'http';
      readonly url: string;
      readonly transport: 'streamable-http' | 'sse';
      readonly headers: Readonly<Record<string, string>>;
      /** CIDRs of internal addresses that may be connected to (loopback needs 127.0.0.1/32 or ::1/128). */
      readonly allowedRanges: readonly string[];
      readonly fetchDeps?: GuardedFetcherDeps;
    };

export interface McpToolsetOptions {
  readonly name: string;
  readonly server: McpServerOptions;
  readonly filter?: readonly string[];
  readonly deny: readonly string[];
  readonly requireApproval: boolean | readonly string[];
  readonly callTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxResultBytes: number;
  /** First reconnect delay (default 500 ms); doubles up to `maxReconnectDelayMs` (default 30 s). */
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
  /** How often a ready connection is pinged (default 30 s). */
  readonly pingIntervalMs?: number;
  /** Version reported to the server in `initialize`. */
  readonly clientVersion?: string;
  readonly onEvent?: (event: McpEvent) => void;
}

export type McpEvent =
  | { type: 'connected'; tools: number }
  | { type: 'connect_failed'; reason: string; retryInMs: number }
  | { type: 'disconnected'; reason: string; retryInMs: number }
  | { type: 'tools_changed'; tools: number }
  | { type: 'tool_skipped'; tool: string; reason: string }
  | { type: 'stderr'; line: string };

const MAX_DESCRIPTION_CHARS = 2000;
const MAX_LIST_PAGES = 20;
const MAX_TOOLS = 1000;

function reasonOf(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/\s+/g, ' ').slice(0, 300);
}

/**
 * Validates the options (ConfigError naming every problem; for stdio also the launcher and the sandbox
 * check), then makes the first connection attempt, waiting for it at most `connectTimeoutMs`. A server that
 * does not come up does not fail the construction: the toolset starts `unavailable` and keeps retrying.
 */
export async function createMcpToolset(options: McpToolsetOptions): Promise<Toolset> {
  const path = `tools.${options.name}`;
  const issues: ConfigIssue[] = [];
  for (const [key, value, min] of [
    ['timeout', options.callTimeoutMs, 1],
    ['connect_timeout', options.connectTimeoutMs, 1],
    ['max_result_bytes', options.maxResultBytes, 1],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < min) {
      issues.push({ path: `${path}.${key}`, message: `must be a positive integer, got ${String(value)}` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const filter = createToolFilter(options, path);
  const makeTransport = await transportFactory(options, path);
  const connection = new Connection(options, filter, makeTransport);
  await connection.start();
  return connection;
}

async function transportFactory(o: McpToolsetOptions, path: string): Promise<() => Transport> {
  const s = o.server;
  const maxMessageBytes = 4 * o.maxResultBytes + 1024 * 1024;
  if (s.kind === 'stdio') {
    const { kind: _kind, ...spawnOptions } = s;
    const launcher: ServerLauncher = await prepareServerLauncher({ ...spawnOptions, configPath: path });
    return () =>
      new ProcessTransport(launcher, {
        maxMessageBytes,
        onStderr: (line) => o.onEvent?.({ type: 'stderr', line }),
      });
  }
  let url: URL;
  try {
    url = new URL(s.url);
  } catch {
    throw new ConfigError([{ path: `${path}.url`, message: `${quote(s.url)} is not a URL` }]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError([{ path: `${path}.url`, message: 'must be an http:// or https:// URL' }]);
  }
  const fetch = createGuardedFetch(
    {
      allowedRanges: s.allowedRanges,
      allowedMethods: ['GET', 'POST', 'DELETE'],
      timeoutMs: Math.min(o.callTimeoutMs + o.connectTimeoutMs, 600_000),
      maxResponseBytes: maxMessageBytes,
      maxRequestBytes: maxMessageBytes,
      maxRedirects: 0,
      userAgent: 'hector-mcp',
      configPath: path,
    },
    s.fetchDeps ?? {},
  );
  const requestInit = { headers: { ...s.headers } };
  return s.transport === 'sse'
    ? () => new SSEClientTransport(url, { fetch, requestInit })
    : () =>
        new StreamableHTTPClientTransport(url, {
          fetch,
          requestInit,
          reconnectionOptions: {
            maxRetries: 0,
            initialReconnectionDelay: 1000,
            maxReconnectionDelay: 1000,
            reconnectionDelayGrowFactor: 1,
          },
        });
}

class Connection implements Toolset {
  readonly name: string;
  private status: ToolsetHealth['status'] = 'connecting';
  private client: Client | undefined;
  private current: readonly Tool[] = Object.freeze([]);
  private lastError: string | undefined;
  private attempt = 0;
  private generation = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly o: McpToolsetOptions;
  private readonly filter: ToolFilter;
  private readonly makeTransport: () => Transport;

  constructor(o: McpToolsetOptions, filter: ToolFilter, makeTransport: () => Transport) {
    this.name = o.name;
    this.o = o;
    this.filter = filter;
    this.makeTransport = makeTransport;
  }

  tools(): readonly Tool[] {
    return this.current;
  }

  requiresApproval(name: string): boolean {
    const parts = splitExposedName(name);
    return parts?.toolset === this.name && this.filter.allows(parts.tool) && this.filter.requiresApproval(parts.tool);
  }

  health(): ToolsetHealth {
    return {
      status: this.status,
      tools: this.current.length,
      ...(this.lastError === undefined ? {} : { error: this.lastError }),
    };
  }

  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.status = 'closed';
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => {});
  }

  private emit(event: McpEvent): void {
    this.o.onEvent?.(event);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const generation = ++this.generation;
    this.status = this.current.length > 0 || this.lastError ? 'unavailable' : 'connecting';
    const client = new Client({ name: 'hector', version: this.o.clientVersion ?? '0' }, { capabilities: {} });
    client.onclose = () => {
      if (generation === this.generation && this.client === client) this.lost('the server closed the connection');
    };
    client.onerror = () => {};
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      if (generation !== this.generation || this.client !== client) return;
      try {
        await this.refresh(client);
        this.emit({ type: 'tools_changed', tools: this.current.length });
      } catch (e) {
        this.lost(`listing tools after a change failed: ${reasonOf(e)}`);
      }
    });
    try {
      await client.connect(this.makeTransport(), { timeout: this.o.connectTimeoutMs });
      await this.refresh(client);
    } catch (e) {
      await client.close().catch(() => {});
      if (this.closed || generation !== this.generation) return;
      const reason = reasonOf(e);
      this.lastError = reason;
      this.status = 'unavailable';
      this.emit({ type: 'connect_failed', reason, retryInMs: this.scheduleReconnect() });
      return;
    }
    if (this.closed) {
      await client.close().catch(() => {});
      return;
    }
    this.client = client;
    this.status = 'ready';
    this.lastError = undefined;
    this.attempt = 0;
    this.emit({ type: 'connected', tools: this.current.length });
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => void this.ping(client), this.o.pingIntervalMs ?? 30_000);
    this.pingTimer.unref();
  }

  private async ping(client: Client): Promise<void> {
    if (this.client !== client) return;
    try {
      await client.ping({ timeout: Math.min(this.o.callTimeoutMs, 10_000) });
    } catch (e) {
      if (this.client === client) this.lost(`ping failed: ${reasonOf(e)}`);
    }
  }

  private lost(reason: string): void {
    if (this.closed) return;
    const client = this.client;
    this.client = undefined;
    this.generation++;
    clearInterval(this.pingTimer);
    this.status = 'unavailable';
    this.lastError = reason;
    void client?.close().catch(() => {});
    this.emit({ type: 'disconnected', reason, retryInMs: this.scheduleReconnect() });
  }

  private scheduleReconnect(): number {
    const first = this.o.reconnectDelayMs ?? 500;
    const max = this.o.maxReconnectDelayMs ?? 30_000;
    const delay = Math.min(max, first * 2 ** Math.min(this.attempt, 20));
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
    return delay;
  }

  /** Lists every page of tools and replaces the offered set with those passing the filter. */
  private async refresh(client: Client): Promise<void> {
    const listed: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const answer = await client.listTools(cursor === undefined ? {} : { cursor }, {
        timeout: this.o.connectTimeoutMs,
      });
      listed.push(...(answer.tools as unknown as Record<string, unknown>[]));
      cursor = answer.nextCursor;
      if (cursor === undefined || listed.length >= MAX_TOOLS) break;
    }
    const tools: Tool[] = [];
    for (const t of listed.slice(0, MAX_TOOLS)) {
      const tool = this.toTool(t, client);
      if (tool) tools.push(tool);
    }
    this.current = Object.freeze(tools);
  }

  private toTool(t: Record<string, unknown>, client: Client): Tool | undefined {
    const remote = typeof t.name === 'string' ? t.name : '';
    if (!this.filter.allows(remote)) return undefined;
    const name = exposedName(this.name, remote);
    if (name === undefined) {
      this.emit({
        type: 'tool_skipped',
        tool: remote.slice(0, 200),
        reason: `"${this.name}__<tool>" must be 1-64 letters, digits, _ or -`,
      });
      return undefined;
    }
    const schema = isPlainObject(t.inputSchema) ? t.inputSchema : {};
    const inputSchema = { ...schema, type: 'object' } as ToolInputSchema;
    const raw = typeof t.description === 'string' ? t.description : '';
    const description =
      raw === ''
        ? `Tool ${remote} of the ${this.name} MCP server`
        : raw.length > MAX_DESCRIPTION_CHARS
          ? `${raw.slice(0, MAX_DESCRIPTION_CHARS)}…`
          : raw;
    const tool: Tool = {
      name,
      description,
      inputSchema,
      execute: (args, context) => this.call(client, name, remote, args, context),
    };
    try {
      argsSchemaOf(tool);
    } catch (e) {
      this.emit({ type: 'tool_skipped', tool: remote, reason: `its input schema cannot be used: ${reasonOf(e)}` });
      return undefined;
    }
    return Object.freeze(tool);
  }

  private async call(
    listedBy: Client,
    name: string,
    tool: string,
    args: Record<string, unknown>,
    context: ToolContext,
  ): Promise<ToolResult> {
    const audit = { server: this.name, remoteTool: tool };
    const client = this.client;
    if (client === undefined || this.status !== 'ready') {
      const why = this.lastError ? `: ${this.lastError}` : '';
      return {
        output: `the MCP server "${this.name}" is unavailable${why}; the tool did not run. It is reconnecting; try again later.`,
        isError: true,
        audit,
      };
    }
    if (client !== listedBy && !this.current.some((t) => t.name === name)) {
      return { output: `the MCP server "${this.name}" no longer offers ${tool}`, isError: true, audit };
    }
    const timeout = this.o.callTimeoutMs;
    try {
      const result = await client.callTool({ name: tool, arguments: args }, undefined, {
        timeout,
        maxTotalTimeout: timeout,
        signal: context.signal,
      });
      const { text, isError } = resultText(result, this.o.maxResultBytes);
      return { output: text, isError, audit };
    } catch (e) {
      if (context.signal.aborted) throw e;
      if (e instanceof McpError && e.code === ErrorCode.RequestTimeout) {
        return {
          output: `the MCP tool ${tool} did not answer within ${timeout} ms; the call was cancelled`,
          isError: true,
          audit: { ...audit, end: 'timeout' },
        };
      }
      if (e instanceof McpError && e.code === ErrorCode.ConnectionClosed) {
        return {
          output: `the connection to the MCP server "${this.name}" was lost during the call; it is reconnecting`,
          isError: true,
          audit,
        };
      }
      if (e instanceof McpError) {
        return { output: `the MCP server "${this.name}" refused the call: ${reasonOf(e)}`, isError: true, audit };
      }
      throw e;
    }
  }
}
