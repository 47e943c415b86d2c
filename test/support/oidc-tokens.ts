/**
 * Hand-made tokens and tiny JWKS servers for attacking JWT verification in tests: unsigned / HMAC-confused /
 * tampered tokens, keys the server does not trust, and JWKS endpoints that fail in the ways real ones do.
 * Every server listens on 127.0.0.1 port 0 and counts its requests; close it in `after()`.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

export function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

/** `header.payload.` with whatever header (e.g. `alg: none`) and no signature, or the given one. */
export function unsignedToken(header: Record<string, unknown>, payload: Record<string, unknown>, signature = '') {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${signature}`;
}

/** HS256 over `header.payload` with `secret` as the HMAC key (the classic RS256 → HS256 confusion attack). */
export function hmacToken(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string | Buffer) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Replaces the payload of a signed compact JWT, keeping its header and signature. */
export function withPayload(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64url(JSON.stringify(payload))}.${signature}`;
}

export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export interface TestKey {
  kid: string;
  publicJwk: JWK;
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
}

/** A fresh RS256 key (not known to any provider unless served). */
export async function newTestKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    kid,
    publicJwk,
    sign: (claims, header = {}) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, ...header }).sign(privateKey),
  };
}

export interface TestHttpServer {
  url: string;
  requests(): number;
  close(): Promise<void>;
}

/** A server answering every request with `respond` (default: 404). */
export async function startHttpServer(
  respond: (req: IncomingMessage, res: ServerResponse, count: number) => void,
): Promise<TestHttpServer> {
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    respond(req, res, count);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => count,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A JWKS endpoint serving the given public keys as JSON. */
export function startJwksServer(keys: () => JWK[]): Promise<TestHttpServer> {
  return startHttpServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: keys() }));
  });
}

/** A port on 127.0.0.1 nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
