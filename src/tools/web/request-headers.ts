/**
 * Checks request headers that come from an untrusted caller (the model). Security contract:
 * - names must be RFC 9110 tokens, values may hold only tab, printable ASCII and obs-text (no CR, LF, NUL or
 *   other control characters), so no header or request line can be injected;
 * - headers that control the connection or message framing are refused (`Host`, `Connection`, `Keep-Alive`,
 *   `Proxy-*`, `Transfer-Encoding`, `Content-Length`, `TE`, `Trailer`, `Upgrade`, `Expect`, `HTTP2-Settings`),
 *   as is `Accept-Encoding` (the client always asks for identity so size caps count real bytes);
 * - the same name twice in different case is refused;
 * - count and size are bounded.
 * Nothing here adds credentials: the caller's headers are the only ones sent besides the framing the client
 * adds itself (Host, Content-Length, User-Agent unless given, Accept-Encoding: identity, Connection: close).
 */
import { InvalidRequestError } from '../../shared/index.ts';
import { quote } from '../text.ts';

export const MAX_HEADERS = 64;
export const MAX_HEADER_VALUE_BYTES = 8 * 1024;
const MAX_TOTAL_HEADER_BYTES = 32 * 1024;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/;
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/** Headers the client sets itself (connection, framing, encoding); a caller may not. */
export const CLIENT_CONTROLLED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'http2-settings',
  'accept-encoding',
]);

/** Headers a cross-origin redirect must not carry on. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization']);

/**
 * Validates caller headers and returns them keyed by lower-case name. Throws InvalidRequestError naming the
 * offending header (JSON-quoted, so control characters in it are visible, not interpreted).
 */
export function checkRequestHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (!headers) return out;
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS) {
    throw new InvalidRequestError(`too many headers (${entries.length}); send at most ${MAX_HEADERS}`);
  }
  let total = 0;
  for (const [name, value] of entries) {
    if (!TOKEN.test(name)) {
      throw new InvalidRequestError(
        `header name ${quote(name)} is not a valid HTTP token (letters, digits and !#$%&'*+-.^_\`|~ only)`,
      );
    }
    const lower = name.toLowerCase();
    if (CLIENT_CONTROLLED_HEADERS.has(lower) || lower.startsWith('proxy-')) {
      throw new InvalidRequestError(
        `header ${quote(name)} may not be set: the client controls the connection, framing and encoding headers itself`,
      );
    }
    if (typeof value !== 'string') throw new InvalidRequestError(`header ${quote(name)} must have a string value`);
    if (BAD_VALUE_CHAR.test(value)) {
      throw new InvalidRequestError(
        `header ${quote(name)} has a control character or non-Latin-1 character in its value (CR, LF and NUL are never allowed); remove it`,
      );
    }
    const size = Buffer.byteLength(value, 'latin1');
    if (size > MAX_HEADER_VALUE_BYTES) {
      throw new InvalidRequestError(`header ${quote(name)} is ${size} bytes; at most ${MAX_HEADER_VALUE_BYTES}`);
    }
    total += name.length + size;
    if (total > MAX_TOTAL_HEADER_BYTES) {
      throw new InvalidRequestError(`the headers add up to more than ${MAX_TOTAL_HEADER_BYTES} bytes; send fewer`);
    }
    if (lower in out)
      throw new InvalidRequestError(`header ${quote(name)} is given twice (names are case-insensitive)`);
    out[lower] = value;
  }
  return out;
}
