import { createHmac } from 'node:crypto';
import type { Span } from './pii.ts';

export const REDACT_MODES = ['mask', 'remove', 'hash'] as const;
export type RedactMode = (typeof REDACT_MODES)[number];

/**
 * How a span is replaced: `mask` → `[EMAIL REDACTED]`; `remove` → nothing; `hash` → `[EMAIL 3f2a…]`, the first
 * 16 hex digits of HMAC-SHA256(key, kind + value). The key is a deployment secret, so a value cannot be
 * recovered by hashing a dictionary of candidates, while equal values still get equal tokens (an operator can
 * correlate without seeing them).
 */
export interface Redactor {
  readonly mode: RedactMode;
  replacement(kind: string, value: string): string;
}

export function createRedactor(mode: RedactMode, hashKey?: string): Redactor {
  if (mode === 'hash' && (hashKey === undefined || hashKey.length < 32)) {
    throw new Error('redact_mode hash needs a hash key of at least 32 characters');
  }
  return {
    mode,
    replacement(kind, value) {
      const label = kind.toUpperCase();
      if (mode === 'remove') return '';
      if (mode === 'mask') return `[${label} REDACTED]`;
      const digest = createHmac('sha256', hashKey!).update(`${kind}\0${value}`).digest('hex').slice(0, 16);
      return `[${label} ${digest}]`;
    },
  };
}

/**
 * `text` with every span replaced. `spans` must be sorted and non-overlapping (as findPii returns them), so
 * each replacement covers exactly one whole match and no partial value survives.
 */
export function applyRedactions(text: string, spans: readonly Span[], redactor: Redactor): string {
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + redactor.replacement(s.kind, text.slice(s.start, s.end));
    at = s.end;
  }
  return out + text.slice(at);
}
