import { InvalidRequestError, type JsonValue, safeJsonParse } from '../shared/index.ts';

/**
 * JSON documents are stored as text. Writing rejects values JSON cannot represent (a caller bug, reported as
 * InvalidRequestError naming `what`); reading never revives prototypes (`__proto__` keys are dropped).
 */
export function toJsonText(value: JsonValue, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (typeof text !== 'string') {
    throw new InvalidRequestError(`${what} is not serialisable as JSON`);
  }
  return text;
}

/** Parses a stored document. A row that is not valid JSON means the database was altered outside Hector. */
export function fromJsonText(text: string, what: string): JsonValue {
  const parsed = safeJsonParse(text);
  if (!parsed.ok) throw new Error(`stored ${what} is not valid JSON (the database was modified outside Hector)`);
  return parsed.value as JsonValue;
}
