const HOST_HEADER = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * The base URL written into agent cards. A configured `server.public_url` always wins. Without one, the
 * request's Host header is used only when it is a syntactically valid host[:port] (no paths, no userinfo, no
 * spaces), otherwise the address the server is bound to.
 */
export function resolveBaseUrl(
  publicUrl: string | undefined,
  hostHeader: string | undefined,
  fallback: string,
): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  if (hostHeader && HOST_HEADER.test(hostHeader)) return `http://${hostHeader}`;
  return fallback;
}
