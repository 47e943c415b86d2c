/**
 * The only place the JWKS is downloaded from (jose calls it through `customFetch`). On top of jose's own rules
 * (GET, `redirect: 'manual'`, 200 only, its timeout signal) it:
 * - caps the body at {@link MAX_JWKS_BYTES} and requires it to be JSON, so a hostile or broken endpoint cannot
 *   make us buffer without bound;
 * - after a failed download, refuses to try again for {@link JWKS_FAILURE_BACKOFF_MS} (no outbound request), so
 *   while the identity provider is down each incoming token does not cause one more request to it (jose's
 *   cooldown only starts after a *successful* fetch);
 * - tags every failure as {@link JwksFetchError}, which the verifier reports as `jwks_unavailable`.
 */

export const MAX_JWKS_BYTES = 512 * 1024;
export const JWKS_FAILURE_BACKOFF_MS = 5_000;

export class JwksFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwksFetchError';
  }
}

type JwksFetch = (
  url: string,
  init: { headers: Headers; method: 'GET'; redirect: 'manual'; signal: AbortSignal },
) => Promise<Response>;

export function createJwksFetch(fetchImpl: typeof fetch, now: () => number): JwksFetch {
  let blockedUntil = Number.NEGATIVE_INFINITY;
  return async (url, init) => {
    if (now() < blockedUntil) throw new JwksFetchError('JWKS download failed recently; not retrying yet');
    try {
      const response = await fetchImpl(url, init);
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        throw new JwksFetchError(`JWKS endpoint answered HTTP ${response.status}`);
      }
      const text = await readLimited(response, MAX_JWKS_BYTES);
      try {
        JSON.parse(text);
      } catch (cause) {
        throw new JwksFetchError('JWKS endpoint did not answer JSON', { cause });
      }
      blockedUntil = Number.NEGATIVE_INFINITY;
      return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (error) {
      blockedUntil = now() + JWKS_FAILURE_BACKOFF_MS;
      if (error instanceof JwksFetchError) throw error;
      throw new JwksFetchError('JWKS download failed', { cause: error });
    }
  };
}

async function readLimited(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new JwksFetchError(`JWKS response is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
