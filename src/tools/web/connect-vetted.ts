/**
 * Opens the connection for one request, to vetted addresses only. Security contract:
 * - the TCP socket is dialled at an IP literal from the vetted list, never at a name, so the resolver is not
 *   consulted again between the check and the connect (no DNS-rebinding window); addresses are tried in order;
 * - once connected, the socket's actual remote address must be in the vetted set (it is not, for example, when
 *   the kernel maps 0.0.0.0 to a local address); otherwise the socket is destroyed BEFORE any byte is sent;
 * - for https, TLS runs over that socket with SNI and certificate verification against the URL's host name
 *   (an IP literal is verified against the certificate's IP SANs), Node's default CA store unless `ca` is given.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { formatIp, type IpAddress, parseIp, UpstreamError } from '../../shared/index.ts';
import { quote } from '../text.ts';
import { unmapIp } from './address-policy.ts';
import { type Target, WebRequestBlockedError } from './target.ts';

export async function connectVetted(
  target: Target,
  addresses: readonly IpAddress[],
  signal: AbortSignal,
  ca: string | undefined,
): Promise<{ socket: Socket | TLSSocket; remoteAddress: string }> {
  const vetted = new Set(addresses.map(formatIp));
  let lastError: unknown;
  let socket: Socket | undefined;
  for (const ip of addresses) {
    signal.throwIfAborted();
    try {
      socket = await tcpConnect(formatIp(ip), target.port, signal);
      break;
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      lastError = e;
    }
  }
  if (!socket) {
    const code = (lastError as { code?: unknown } | null)?.code;
    throw new UpstreamError(
      `could not connect to ${quote(`${target.host}:${target.port}`)}${typeof code === 'string' ? ` (${code})` : ''}`,
      { retryable: true, cause: lastError },
    );
  }

  const remote = socket.remoteAddress === undefined ? undefined : parseIp(socket.remoteAddress);
  const remoteAddress = remote ? formatIp(unmapIp(remote)) : '';
  if (!vetted.has(remoteAddress)) {
    socket.destroy();
    throw new WebRequestBlockedError(
      'address_blocked',
      `the connection to ${quote(target.host)} reached an address that was not vetted; nothing was sent`,
    );
  }
  if (target.url.protocol !== 'https:') return { socket, remoteAddress };
  return { socket: await tlsHandshake(socket, target, signal, ca), remoteAddress };
}

function tcpConnect(host: string, port: number, signal: AbortSignal): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = netConnect({ host, port, noDelay: true });
    const onAbort = () => {
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      resolve(socket);
    });
    const onError = (e: Error) => {
      signal.removeEventListener('abort', onAbort);
      reject(e);
    };
    socket.once('error', onError);
  });
}

function tlsHandshake(socket: Socket, target: Target, signal: AbortSignal, ca: string | undefined): Promise<TLSSocket> {
  return new Promise<TLSSocket>((resolve, reject) => {
    const tls = tlsConnect({
      socket,
      host: target.connectHost,
      ...(target.literal ? {} : { servername: target.connectHost }),
      ...(ca === undefined ? {} : { ca }),
      ALPNProtocols: ['http/1.1'],
      rejectUnauthorized: true,
    });
    const onAbort = () => {
      tls.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    tls.once('secureConnect', () => {
      signal.removeEventListener('abort', onAbort);
      tls.removeListener('error', onError);
      resolve(tls);
    });
    const onError = (e: Error & { code?: string }) => {
      signal.removeEventListener('abort', onAbort);
      tls.destroy();
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      reject(
        new UpstreamError(
          `the TLS connection to ${quote(target.host)} failed${e.code ? ` (${e.code})` : ''}: ${e.message}`,
          { retryable: false, cause: e },
        ),
      );
    };
    tls.once('error', onError);
  });
}
