/**
 * One HTTP exchange to a vetted target, over a connection from `connectVetted` (dialled at vetted IP literals
 * only and checked before any byte is sent; see connect-vetted.ts). Security contract:
 * - no agent at all (the request runs on the one socket handed over by `createConnection`): no pooled sockets, no proxy from the environment, no ambient credentials; the
 *   Host header is the URL's host (and port when not the default), never an address;
 * - the response body is read up to `maxBytes` and the rest is never read (the socket is destroyed).
 */
import type { IncomingMessage } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import type { IpAddress } from '../../shared/index.ts';
import { UpstreamError } from '../../shared/index.ts';
import { quote } from '../text.ts';
import { connectVetted } from './connect-vetted.ts';
import type { Target } from './target.ts';

export interface SendInput {
  target: Target;
  addresses: readonly IpAddress[];
  method: string;
  headers: Readonly<Record<string, string>>;
  body: Buffer | undefined;
  signal: AbortSignal;
  /** PEM CA certificates trusted for https INSTEAD of Node's default store (tests, private CAs). */
  ca: string | undefined;
}

export interface Exchange {
  response: IncomingMessage;
  /** The address the socket is connected to. */
  remoteAddress: string;
}

/** Sends the request and resolves with the response head; the caller reads or discards the body. */
export async function sendRequest(input: SendInput): Promise<Exchange> {
  const { target, method, signal } = input;
  const { socket, remoteAddress } = await connectVetted(target, input.addresses, signal, input.ca);

  const headers: Record<string, string> = { ...input.headers, connection: 'close' };
  if (input.body !== undefined) headers['content-length'] = String(input.body.length);
  const options: http.RequestOptions = {
    protocol: target.url.protocol,
    host: target.connectHost,
    port: target.port,
    path: `${target.url.pathname}${target.url.search}`,
    method,
    headers,
    createConnection: () => socket,
    signal,
    insecureHTTPParser: false,
    joinDuplicateHeaders: true,
  };
  const client = target.url.protocol === 'https:' ? https : http;

  return new Promise<Exchange>((resolve, reject) => {
    const req = client.request(options);
    req.once('response', (response) => resolve({ response, remoteAddress }));
    req.once('error', (e: unknown) => {
      socket.destroy();
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const code = (e as { code?: unknown } | null)?.code;
      reject(
        new UpstreamError(
          `the request to ${quote(`${target.host}:${target.port}`)} failed${typeof code === 'string' ? ` (${code})` : ''}`,
          { retryable: true, cause: e },
        ),
      );
    });
    req.end(input.body);
  });
}

/** Reads at most `maxBytes` of the body; the rest is left unread and the connection closed. */
export async function readBody(
  response: IncomingMessage,
  maxBytes: number,
): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      const room = maxBytes - size;
      if (chunk.length > room) {
        if (room > 0) chunks.push(chunk.subarray(0, room));
        size += Math.max(room, 0);
        truncated = true;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } finally {
    response.destroy();
  }
  return { body: Buffer.concat(chunks, size), truncated };
}
