import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { UnavailableError } from '../shared/index.ts';

export interface Listener {
  readonly port: number;
  /** Requests currently being answered (including open SSE streams). */
  inFlight(): number;
  /**
   * Stops accepting: the listening socket and idle keep-alive connections are closed; a request that still
   * arrives on an open keep-alive connection is answered 503 with `Connection: close`, and every response in
   * flight closes its connection when done. Idempotent.
   */
  stopAccepting(): void;
  /** Resolves true once no request is in flight (open SSE streams included), false when `timeoutMs` passes. */
  idle(timeoutMs: number): Promise<boolean>;
  /** Destroys every connection still open and resolves once the server is closed. */
  closeAll(): Promise<void>;
  /**
   * Stops accepting connections and closes idle keep-alive ones, waits until in-flight requests finish or
   * `timeoutMs` passes, then closes whatever is still open. Resolves to true when everything drained in time.
   * (`stopAccepting`, `idle` and `closeAll` in one call.)
   */
  drain(timeoutMs: number): Promise<boolean>;
}

// biome-ignore lint/suspicious/noExplicitAny: Hono's env type parameter is irrelevant here.
type AnyHono = Hono<any>;

/** The answer to a request that arrives on an open connection after shutdown began. */
function shuttingDown(): Response {
  return new Response(JSON.stringify({ error: { code: 'unavailable', message: 'the server is shutting down' } }), {
    status: 503,
    headers: { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' },
  });
}

/** Binds `app` to host:port. Listen failures (port in use, permission) reject with a clear UnavailableError. */
export async function listen(app: AnyHono, host: string, port: number): Promise<Listener> {
  let closing = false;
  const server = createAdaptorServer({
    fetch: (request: Request, env: unknown) => (closing ? shuttingDown() : app.fetch(request, env)),
    hostname: host,
  }) as Server;
  const active = new Set<ServerResponse>();
  const idleWaiters = new Set<() => void>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    active.add(res);
    if (closing) res.shouldKeepAlive = false;
    const done = () => {
      if (!active.delete(res)) return;
      // During shutdown, a keep-alive connection whose last response ended is closed rather than kept.
      if (closing) server.closeIdleConnections();
      if (active.size === 0) for (const w of idleWaiters) w();
    };
    // A pipelined request queued behind another gets no 'close' of its own when the connection goes away.
    const socket = req.socket;
    socket.once('close', done);
    res.once('close', () => {
      socket.off('close', done);
      done();
    });
  });
  let closed: Promise<void> | undefined;
  const stopAccepting = () => {
    if (closing) return;
    closing = true;
    for (const res of active) if (!res.headersSent) res.shouldKeepAlive = false;
    closed = new Promise<void>((r) => server.close(() => r()));
    server.closeIdleConnections();
  };
  const idle = async (timeoutMs: number) => {
    if (active.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    let waiter: (() => void) | undefined;
    const inTime = await Promise.race([
      new Promise<boolean>((r) => {
        waiter = () => r(true);
        idleWaiters.add(waiter);
      }),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (waiter) idleWaiters.delete(waiter);
    return inTime;
  };
  const closeAll = async () => {
    stopAccepting();
    server.closeAllConnections();
    await closed;
  };
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const message =
        err.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is already in use; pick another with --port or server.port`
          : err.code === 'EACCES'
            ? `not allowed to listen on ${host}:${port}; use a port above 1024`
            : `cannot listen on ${host}:${port}: ${err.message}`;
      reject(new UnavailableError(message));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    inFlight: () => active.size,
    stopAccepting,
    idle,
    closeAll,
    async drain(timeoutMs) {
      stopAccepting();
      const inTime = await idle(timeoutMs);
      await closeAll();
      return inTime;
    },
  };
}
