import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Small HTTP helpers shared by the scripted LLM's protocol handlers. Test-only code: it listens on loopback and
 * answers from a script, but it still bounds what it reads (request bodies are capped) so a runaway client cannot
 * exhaust the test process.
 */

/** The shape every protocol handler produces from a scripted turn. */
export interface ResolvedTurn {
  text: string;
  /** Text split into stream deltas (never empty strings; empty when `text` is empty). */
  chunks: string[];
  toolCalls: { id: string; name: string; args: unknown }[];
  usage: { inputTokens: number; outputTokens: number };
  chunkDelayMs: number;
  /** When set, a streamed answer ends with this provider error after the text chunks (non-streamed: ignored). */
  midStreamError: string | undefined;
}

/** What a protocol handler extracts from a request body. */
export interface WireRequestInfo {
  model: string;
  stream: boolean;
  messages: unknown;
  tools: unknown;
  /** The last user-authored text (tool results excluded); used by the echo mode. */
  lastUserText: string;
  /** Whether the client asked for a usage chunk at the end of an OpenAI stream. */
  includeUsage: boolean;
}

export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export class BodyTooLargeError extends Error {}

/** Reads the whole request body, rejecting with `BodyTooLargeError` past `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > limit) throw new BodyTooLargeError(`request body exceeds ${limit} bytes`);
    parts.push(buf);
  }
  return Buffer.concat(parts).toString('utf8');
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Resolves after `ms`, or early (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves only when `signal` aborts (client gone or server closing). */
export function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Writes one piece of a streamed body, waiting for the socket to drain when its buffer is full. */
export async function writeChunk(res: ServerResponse, data: string, signal: AbortSignal): Promise<void> {
  if (signal.aborted || res.destroyed) return;
  if (res.write(data)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Starts a streamed response with the given content type. */
export function startStream(res: ServerResponse, contentType: string): void {
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
}

/** Splits text into word-sized deltas, each word keeping its trailing whitespace: "a b" -> ["a ", "b"]. */
export function splitIntoChunks(text: string): string[] {
  if (text === '') return [];
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

/** Splits a string into two halves (for streaming tool-call arguments in more than one delta). */
export function splitInTwo(s: string): string[] {
  if (s.length < 2) return [s];
  const mid = Math.floor(s.length / 2);
  return [s.slice(0, mid), s.slice(mid)];
}

/** Text of a message `content` that is either a string or an array of `{type:'text', text}`-like parts. */
export function textOfContent(content: unknown, textTypes: readonly string[] = ['text']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p: unknown) => {
      if (typeof p === 'string') return p;
      if (typeof p !== 'object' || p === null) return '';
      const part = p as Record<string, unknown>;
      return textTypes.includes(String(part.type)) && typeof part.text === 'string' ? part.text : '';
    })
    .join('');
}

export function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
