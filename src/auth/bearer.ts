/**
 * Parsing of `Authorization: Bearer <token>` (RFC 6750 §2.1), strictly: the scheme `Bearer` (any case), one or
 * more spaces, and a token of the characters `A-Z a-z 0-9 . _ ~ + / = -`, at most {@link MAX_TOKEN_LENGTH} long.
 * Anything else — another scheme, tabs, a comma-joined second value, a missing or oversized token, non-ASCII — is
 * malformed. An absent or empty header is "missing". Nothing is trimmed (Node already strips surrounding whitespace).
 */

/** Longest token accepted, in characters (8 KiB). */
export const MAX_TOKEN_LENGTH = 8192;

/** The characters a credential may use so that it can be sent in a Bearer header. */
export const TOKEN_CHARSET = /^[A-Za-z0-9._~+/=-]+$/;

const BEARER = /^bearer +([A-Za-z0-9._~+/=-]+)$/i;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export type BearerParse = { kind: 'missing' } | { kind: 'malformed' } | { kind: 'token'; token: string };

export function parseBearer(header: string | undefined): BearerParse {
  if (header === undefined || header === '') return { kind: 'missing' };
  if (typeof header !== 'string') return { kind: 'malformed' };
  // Bound the work before any regex: the scheme plus a generous run of spaces plus the longest token.
  if (header.length > MAX_TOKEN_LENGTH + 64) return { kind: 'malformed' };
  const token = BEARER.exec(header)?.[1];
  if (token === undefined || token.length > MAX_TOKEN_LENGTH) return { kind: 'malformed' };
  return { kind: 'token', token };
}

/**
 * Three base64url segments (the signature may be empty, so unsigned `alg: none` tokens reach the verifier and are
 * refused there with `invalid_token` rather than looking like some other credential).
 */
export function isJwtShaped(token: string): boolean {
  return JWT_SHAPE.test(token);
}
