const HOST_HEADER = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** What of a request the base URL may be derived from. */
export interface BaseUrlRequest {
  /** The `Host` header. */
  host: string | undefined;
  /** The `X-Forwarded-Proto` header. */
  forwardedProto: string | undefined;
  /** Whether the TCP peer is one of `server.trusted_proxies`. */
  fromTrustedProxy: boolean;
}

/**
 * The scheme the client used: `https` or `http` from `X-Forwarded-Proto`, believed only when the TCP peer is a
 * trusted proxy, and then only its last entry (the one the nearest proxy wrote; earlier entries may come from
 * the client). Anything else — no header, an untrusted peer, a value other than http/https — is `http`, the
 * scheme of this server's own listener.
 */
function schemeOf(request: BaseUrlRequest): 'http' | 'https' {
  if (!request.fromTrustedProxy || request.forwardedProto === undefined) return 'http';
  const last = request.forwardedProto.split(',').pop()!.trim().toLowerCase();
  return last === 'https' ? 'https' : 'http';
}

/**
 * The base URL written into agent cards. A configured `server.public_url` always wins (set it in production: it
 * is the only form no request can influence). Without one, the request's Host header is used only when it is a
 * syntactically valid host[:port] (no paths, no userinfo, no spaces), otherwise the address the server is bound
 * to; the scheme comes from a trusted proxy's `X-Forwarded-Proto` (see schemeOf).
 *
 * `X-Forwarded-Host` (and RFC 7239 `Forwarded`) are deliberately never read, not even from trusted proxies:
 * common proxies pass a client's copy through unchanged unless told to overwrite it, and a proxy that rewrites
 * the host can send `Host` itself (nginx: `proxy_set_header Host $host`).
 */
export function resolveBaseUrl(publicUrl: string | undefined, request: BaseUrlRequest, fallback: string): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  if (request.host && HOST_HEADER.test(request.host)) return `${schemeOf(request)}://${request.host}`;
  return fallback;
}
