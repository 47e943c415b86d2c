import { stripInvisible } from './normalize.ts';
import type { SanitizerOptions } from './types.ts';

const SCRIPT_OR_STYLE = /<(script|style|template|noscript)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
const TAG = /<\/?[A-Za-z][^<>]{0,2000}>/g;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Tags, comments (where hidden instructions hide), scripts and styles removed; the common entities decoded. */
export function stripHtml(text: string): string {
  return text
    .replace(SCRIPT_OR_STYLE, '')
    .replace(COMMENT, '')
    .replace(TAG, '')
    .replace(/&(amp|lt|gt|quot|apos|nbsp);/g, (_, name: string) => ENTITIES[name]!);
}

/**
 * The sanitizer (`input.sanitizer`): returns the text the model should see. Unicode normalization is NFKC
 * with invisible characters removed, so what the model reads is what the other checks matched on.
 */
export function sanitize(text: string, options: SanitizerOptions): string {
  let out = text;
  if (options.normalizeUnicode) out = stripInvisible(out);
  if (options.stripHtml) out = stripHtml(out);
  if (options.trimWhitespace)
    out = out
      .trim()
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n');
  if (options.maxLength !== undefined && out.length > options.maxLength) out = out.slice(0, options.maxLength);
  return out;
}
