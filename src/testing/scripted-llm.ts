import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { constantTimeEqual, safeJsonParse } from '../shared/index.ts';
import { anthropicProtocol } from './scripted-llm-anthropic.ts';
import { geminiProtocol } from './scripted-llm-gemini.ts';
import { ollamaProtocol } from './scripted-llm-ollama.ts';
import { openaiProtocol } from './scripted-llm-openai.ts';
import type { ProtocolName, ScriptedProtocol } from './scripted-llm-protocol.ts';
import {
  asRecord,
  BodyTooLargeError,
  type ResolvedTurn,
  readBody,
  sendJson,
  sleep,
  splitIntoChunks,
  waitForAbort,
} from './scripted-llm-wire.ts';

/**
 * A scripted stand-in for an LLM provider: a real HTTP server on loopback that speaks enough of the OpenAI Chat
 * Completions, Anthropic Messages, Gemini and Ollama wire protocols for the real provider adapters (and the real
 * AI SDK underneath them) to run against it end to end. Each request consumes the next scripted turn.
 *
 * Test-only. It is never imported by the server: the offline demo runs it as a separate process
 * (`scripted-llm-cli.ts`). It binds 127.0.0.1 by default and caps request bodies at 16 MiB.
 */

export interface ScriptedTurn {
  /** The answer text. With `chunks`, it must equal `chunks.join('')` (or be omitted). */
  text?: string;
  toolCalls?: { id?: string; name: string; args: unknown }[];
  /** Reported token usage; default `{ inputTokens: 10, outputTokens: 5 }`. */
  usage?: { inputTokens: number; outputTokens: number };
  /** Wait this long before answering (before the status line). */
  delayMs?: number;
  /** Wait this long before each streamed text chunk and each tool call. */
  chunkDelayMs?: number;
  /** Answer with this HTTP status instead; `body` defaults to the protocol's error shape. */
  error?: { status: number; body?: unknown; headers?: Record<string, string> };
  /** Never answer (for timeout / cancel tests). The connection stays open until the client or close() ends it. */
  hang?: boolean;
  /** Explicit text chunking for streams; default: one chunk per word (with its trailing whitespace). */
  chunks?: string[];
  /** Streams only: after the text chunks, send this provider error in the protocol's in-stream error shape. */
  midStreamError?: string;
}

export interface RecordedRequest {
  protocol: ProtocolName;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  model: string;
  stream: boolean;
  messages?: unknown;
  tools?: unknown;
  /** True once the client closed the connection before the response was complete (an aborted call). */
  clientAborted: boolean;
}

export interface ScriptedLlm {
  /** `http://127.0.0.1:PORT` — the base URL for anthropic (`/v1` is appended), gemini and ollama adapters. */
  readonly url: string;
  /** `url + '/v1'` — the base URL for OpenAI-compatible clients. */
  readonly openaiBaseUrl: string;
  enqueue(...turns: ScriptedTurn[]): void;
  /** Every protocol request received, in arrival order (including ones answered with an error). */
  readonly requests: readonly RecordedRequest[];
  /** Scripted turns not consumed yet. */
  pending(): number;
  /** Stops listening and destroys every open connection (hanging requests included). */
  close(): Promise<void>;
}

export interface ScriptedLlmOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * What an empty script answers. `'error'` (default, for tests): HTTP 500 "scripted LLM: no scripted turn left",
   * so a test cannot pass by accident. `'echo'`: a labelled echo of the last user text (the offline demo).
   */
  whenEmpty?: 'error' | 'echo';
  /** When set, requests without this key (in the protocol's usual header) get 401 in that protocol's shape. */
  requireApiKey?: string;
}

export const ECHO_PREFIX = '[scripted stand-in model — not a real LLM] You said: ';
export const EMPTY_SCRIPT_MESSAGE = 'scripted LLM: no scripted turn left';

const PROTOCOLS: readonly ScriptedProtocol[] = [openaiProtocol, anthropicProtocol, geminiProtocol, ollamaProtocol];
const DEFAULT_USAGE = { inputTokens: 10, outputTokens: 5 };

export async function startScriptedLlm(options: ScriptedLlmOptions = {}): Promise<ScriptedLlm> {
  const port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';
  const whenEmpty = options.whenEmpty ?? 'error';
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError(`scripted LLM: port must be an integer 0..65535, got ${String(port)}`);
  }
  if (whenEmpty !== 'error' && whenEmpty !== 'echo') {
    throw new TypeError(`scripted LLM: whenEmpty must be 'error' or 'echo', got ${String(whenEmpty)}`);
  }
  if (options.requireApiKey !== undefined && options.requireApiKey === '') {
    throw new TypeError('scripted LLM: requireApiKey must be a non-empty string when set');
  }

  const queue: ScriptedTurn[] = [];
  const recorded: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const inFlight = new Set<AbortController>();
  let nextCallId = 1;

  function resolveTurn(turn: ScriptedTurn): ResolvedTurn {
    const text = turn.text ?? turn.chunks?.join('') ?? '';
    return {
      text,
      chunks: turn.chunks ? turn.chunks.filter((c) => c !== '') : splitIntoChunks(text),
      toolCalls: (turn.toolCalls ?? []).map((c) => ({
        id: c.id ?? `call_scripted_${nextCallId++}`,
        name: c.name,
        args: c.args,
      })),
      usage: turn.usage ?? DEFAULT_USAGE,
      chunkDelayMs: turn.chunkDelayMs ?? 0,
      midStreamError: turn.midStreamError,
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://scripted.invalid');
    const method = req.method ?? 'GET';
    let protocol: ScriptedProtocol | undefined;
    let route: ReturnType<ScriptedProtocol['route']>;
    for (const p of PROTOCOLS) {
      route = p.route(method, url);
      if (route) {
        protocol = p;
        break;
      }
    }
    if (!protocol || !route) {
      sendJson(res, 404, { error: { message: `scripted LLM: no such endpoint: ${method} ${url.pathname}` } });
      return;
    }

    let raw: string;
    try {
      raw = await readBody(req);
    } catch (e) {
      if (e instanceof BodyTooLargeError) {
        sendJson(res, 413, protocol.errorBody(413, `scripted LLM: ${e.message}`));
        return;
      }
      throw e;
    }
    const parsed = safeJsonParse(raw);
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
      sendJson(res, 400, protocol.errorBody(400, 'scripted LLM: the request body must be a JSON object'));
      return;
    }
    const body = asRecord(parsed.value);
    const info = protocol.describe(body, route);
    const record: RecordedRequest = {
      clientAborted: false,
      protocol: protocol.name,
      path: url.pathname + url.search,
      headers: { ...req.headers },
      body,
      model: info.model,
      stream: info.stream,
      messages: info.messages,
      tools: info.tools,
    };
    recorded.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.clientAborted = true;
    });

    if (options.requireApiKey !== undefined) {
      const presented = protocol.presentedKey(req, url);
      if (presented === undefined || !constantTimeEqual(presented, options.requireApiKey)) {
        sendJson(res, 401, protocol.errorBody(401, 'scripted LLM: missing or invalid API key'));
        return;
      }
    }

    const turn = queue.shift();
    if (!turn) {
      if (whenEmpty === 'error') {
        sendJson(res, 500, protocol.errorBody(500, EMPTY_SCRIPT_MESSAGE));
        return;
      }
      await protocol.respond(res, resolveTurn({ text: `${ECHO_PREFIX}${info.lastUserText}` }), info, signal);
      return;
    }
    await sleep(turn.delayMs ?? 0, signal);
    if (signal.aborted) return;
    if (turn.hang) {
      await waitForAbort(signal);
      return;
    }
    if (turn.error) {
      const { status, body: errorBody, headers } = turn.error;
      sendJson(res, status, errorBody ?? protocol.errorBody(status, `scripted LLM: HTTP ${status}`), headers);
      return;
    }
    await protocol.respond(res, resolveTurn(turn), info, signal);
  }

  const server = createServer((req, res) => {
    const controller = new AbortController();
    inFlight.add(controller);
    res.on('close', () => {
      inFlight.delete(controller);
      controller.abort();
    });
    handle(req, res, controller.signal).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: 'scripted LLM: internal error' } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('scripted LLM: unexpected server address');
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    enqueue(...turns) {
      for (const t of turns) validateTurn(t);
      queue.push(...turns);
    },
    get requests() {
      return recorded;
    },
    pending: () => queue.length,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const c of inFlight) c.abort();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

function validateTurn(t: ScriptedTurn): void {
  if (typeof t !== 'object' || t === null) throw new TypeError('scripted LLM: a turn must be an object');
  if (t.text !== undefined && t.chunks !== undefined && t.chunks.join('') !== t.text) {
    throw new TypeError('scripted LLM: turn.chunks must join to turn.text (or omit text)');
  }
  if (t.error && (!Number.isInteger(t.error.status) || t.error.status < 400 || t.error.status > 599)) {
    throw new TypeError(`scripted LLM: turn.error.status must be an HTTP error status 400..599, got ${t.error.status}`);
  }
  for (const c of t.toolCalls ?? []) {
    if (typeof c.name !== 'string' || c.name === '') throw new TypeError('scripted LLM: every tool call needs a name');
  }
}
