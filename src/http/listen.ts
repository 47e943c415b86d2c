import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { UnavailableError } from '../shared/index.ts';

export interface Listener {
  readonly port: number;
  /** Requests currently being answered (including open SSE streams). */
  inFlight(): number;
  /**
   * Stops accepting connections and closes idle keep-alive ones, waits until in-flight requests finish or
   * `timeoutMs` passes, then closes whatever is still open. Resolves to true when everything drained in time.
   */
  drain(timeoutMs: number): Promise<boolean>;
}

// biome-ignore lint/suspicious/noExplicitAny: Hono's env type parameter is irrelevant here.
type AnyHono = Hono<any>;

/** Binds `app` to host:port. Listen failures (port in use, permission) reject with a clear UnavailableError. */
export async function listen(app: AnyHono, host: string, port: number): Promise<Listener> {
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host }) as Server;
  let active = 0;
  const idleWaiters = new Set<() => void>();
  server.on('request', (_req, res) => {
    active++;
    res.once('close', () => {
      active--;
      if (active === 0) for (const w of idleWaiters) w();
    });
  });
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
    inFlight: () => active,
    async drain(timeoutMs) {
      const drained = new Promise<void>((r) => {
        if (active === 0) r();
        else idleWaiters.add(r);
      });
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        drained.then(() => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
      return inTime;
    },
  };
}
