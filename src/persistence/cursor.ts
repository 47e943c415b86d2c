import { InvalidRequestError, isPlainObject, safeJsonParse } from '../shared/index.ts';
import { isCanonicalTimestamp, MAX_ID_LENGTH } from './validate.ts';

/**
 * The opaque page cursor of `TaskStore.list`: the (created_at, id) key of the last task of the previous page,
 * base64url-encoded. It holds nothing the caller has not already seen on that page, and it only positions a
 * query that is still filtered by the caller's scope, so a forged cursor cannot reach another scope's rows.
 * Anything that does not decode to a well-formed key is an InvalidRequestError (never a SQL error).
 */
export interface PageKey {
  createdAt: string;
  id: string;
}

const MAX_CURSOR_LENGTH = 2048;

export function encodeCursor(key: PageKey): string {
  return Buffer.from(JSON.stringify({ v: 1, t: key.createdAt, i: key.id }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: unknown): PageKey {
  const invalid = () =>
    new InvalidRequestError('invalid page cursor: pass the nextCursor of the previous page unchanged, or omit it');
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) throw invalid();
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  const parsed = safeJsonParse(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!parsed.ok || !isPlainObject(parsed.value)) throw invalid();
  const { v, t, i } = parsed.value;
  if (v !== 1 || !isCanonicalTimestamp(t) || typeof i !== 'string' || i.length === 0 || i.length > MAX_ID_LENGTH) {
    throw invalid();
  }
  return { createdAt: t, id: i };
}
