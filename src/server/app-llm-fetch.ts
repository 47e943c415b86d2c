import { CLIENT_CONTROLLED_HEADERS, createGuardedFetch } from '../tools/index.ts';

/**
 * The fetch of an Admin API app's LLM calls: the SSRF-guarded client (tools/web), so a `base_url` the app chose
 * reaches only public addresses and the ranges its admin granted (`allowed_ranges` on the app), never the
 * host's loopback, private network or cloud metadata. No redirects (an LLM API does not redirect a POST), and
 * `timeoutMs` (the model's `timeout`, at most 10 minutes) bounds the wait for the response head; the streamed
 * body then ends with the call's own signal.
 */
export function appLlmFetch(allowedRanges: readonly string[], timeoutMs: number): typeof fetch {
  const guarded = createGuardedFetch({
    allowedRanges,
    allowedMethods: ['GET', 'POST'],
    maxRequestBytes: 32 * 1024 * 1024,
    maxResponseBytes: 64 * 1024 * 1024,
    timeoutMs: Math.min(Math.max(1, timeoutMs), 10 * 60_000),
    maxRedirects: 0,
    userAgent: 'hector',
    configPath: 'llms',
  });
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    // The guarded client sets connection, framing and encoding headers itself; an SDK's copies are dropped.
    for (const name of CLIENT_CONTROLLED_HEADERS) headers.delete(name);
    return guarded(url, { ...init, headers });
  }) as typeof fetch;
}
