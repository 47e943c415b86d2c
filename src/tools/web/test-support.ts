/**
 * Test helpers for the web tool's tests (imported only by `*.test.ts` in this folder): real HTTP servers on
 * loopback addresses that count every TCP connection, and a scripted DNS lookup.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { HostLookup, LookupAddress } from './target.ts';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface TestServer {
  host: string;
  port: number;
  /** `http://host:port` + path (IPv6 hosts in brackets). */
  url(path?: string): string;
  /** TCP connections accepted so far. */
  connections(): number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** Starts an HTTP server on `host` port 0. Every accepted connection is counted before any byte is read. */
export async function startServer(
  host: string,
  handler: Handler,
  options: { server?: Server; scheme?: 'http' | 'https' } = {},
): Promise<TestServer> {
  const server = options.server ?? createServer();
  let connections = 0;
  const sockets = new Set<Socket>();
  const requests: RecordedRequest[] = [];
  const onConnection = (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  server.on('connection', onConnection);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const scheme = options.scheme ?? 'http';
  return {
    host,
    port,
    url: (path = '/') => `${scheme}://${hostPart}:${port}${path}`,
    connections: () => connections,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** True when this machine can listen on `::1`. */
export async function ipv6LoopbackAvailable(): Promise<boolean> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '::1', () => resolve());
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return true;
  } catch {
    return false;
  }
}

export interface ScriptedLookup {
  lookup: HostLookup;
  /** Host names asked for, in order. */
  calls: string[];
}

/**
 * A DNS stand-in: each host maps to a list of addresses, or to a function called per lookup (to answer
 * differently each time, as a rebinding attacker's DNS server does). Unknown hosts fail with ENOTFOUND.
 */
export function scriptedLookup(
  table: Record<string, readonly string[] | ((call: number) => readonly string[])>,
): ScriptedLookup {
  const calls: string[] = [];
  const perHost = new Map<string, number>();
  const lookup: HostLookup = async (hostname) => {
    calls.push(hostname);
    const n = perHost.get(hostname) ?? 0;
    perHost.set(hostname, n + 1);
    const entry = Object.hasOwn(table, hostname) ? table[hostname] : undefined;
    if (entry === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    }
    const list = typeof entry === 'function' ? entry(n) : entry;
    return list.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { lookup, calls };
}

export const CANARY_SECRET = 'CANARY-SECRET-7f3a9c';

/** A canary: any response it ever sends carries CANARY_SECRET; the tests assert it never got a connection. */
export const canaryHandler: Handler = (_req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(`${CANARY_SECRET}\n`);
};

export interface RouteHooks {
  /** Called when a request for /hang arrives (the server never answers it). */
  onHang?: () => void;
}

/**
 * The routes of the "allowed" test server: /ok, /echo (JSON of what arrived), /redirect?to=&status=, /loop,
 * /big?n= (n × "A" then END-MARKER), /exact?n=, /hang, /drip, /binary, /nul-text, /latin1, /gzip, /status?code=.
 */
export function routes(hooks: RouteHooks = {}): Handler {
  return (req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = (k: string) => url.searchParams.get(k) ?? '';
    switch (url.pathname) {
      case '/ok':
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('hello from the allowed server');
        return;
      case '/echo':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
        return;
      case '/redirect':
        res.statusCode = Number(q('status') || '302');
        res.setHeader('location', q('to'));
        res.end('redirecting');
        return;
      case '/loop':
        res.statusCode = 302;
        res.setHeader('location', '/loop');
        res.end();
        return;
      case '/big':
        res.setHeader('content-type', 'text/plain');
        res.end(`${'A'.repeat(Number(q('n')))}END-MARKER`);
        return;
      case '/exact':
        res.setHeader('content-type', 'text/plain');
        res.end('B'.repeat(Number(q('n'))));
        return;
      case '/hang':
        hooks.onHang?.();
        return;
      case '/drip':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
        return;
      case '/binary':
        res.setHeader('content-type', 'image/png');
        res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
        return;
      case '/nul-text':
        res.setHeader('content-type', 'text/plain');
        res.end(Buffer.from('looks like text\u0000but is not'));
        return;
      case '/latin1':
        res.setHeader('content-type', 'text/plain; charset=iso-8859-1');
        res.end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
        return;
      case '/gzip':
        res.setHeader('content-type', 'text/plain');
        res.setHeader('content-encoding', 'gzip');
        res.end(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]));
        return;
      case '/status':
        res.statusCode = Number(q('code'));
        res.setHeader('content-type', 'text/plain');
        res.end('status body');
        return;
      default:
        res.statusCode = 404;
        res.end('no such route');
    }
  };
}

/** Lets pending socket events run, so a connection that was made is counted before the test asserts. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
