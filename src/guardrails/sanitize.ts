import { stripInvisible } from './normalize.ts';
import type { SanitizerOptions } from './types.ts';

const COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
const TAG = /<\/?[A-Za-z][^<>]{0,2000}>/g;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const RAW_TEXT = ['script', 'style', 'template', 'noscript'];

/**
 * `<script>…</script>` (and style, template, noscript) removed with their content, in one pass: each opening
 * tag is followed to its closing tag (or the end of the text) with indexOf, so crafted input stays linear.
 */
function stripRawText(text: string): string {
  const lower = text.toLowerCase();
  let out = '';
  let at = 0;
  for (;;) {
    let next = -1;
    let name = '';
    for (const n of RAW_TEXT) {
      const i = lower.indexOf(`<${n}`, at);
      if (i >= 0 && (next < 0 || i < next)) {
        next = i;
        name = n;
      }
    }
    if (next < 0) return out + text.slice(at);
    out += text.slice(at, next);
    const close = lower.indexOf(`</${name}`, next);
    if (close < 0) return out;
    const end = lower.indexOf('>', close);
    at = end < 0 ? text.length : end + 1;
  }
}

/** Tags, comments (where hidden instructions hide), scripts and styles removed; the common entities decoded. */
export function stripHtml(text: string): string {
  return stripRawText(text)
    .replace(COMMENT, '')
    .replace(TAG, '')
    .replace(/&(amp|lt|gt|quot|apos|nbsp);/g, (_, name: string) => ENTITIES[name]!);
}

/**
 * The sanitizer (`input.sanitizer`): returns the text the model should see. `max_length` is applied first, so
 * the other steps never see more than that; Unicode normalization is NFKC with invisible characters removed,
 * so what the model reads is what the other checks matched on.
 */
export function sanitize(text: string, options: SanitizerOptions): string {
  let out = text;
  if (options.maxLength !== undefined && out.length > options.maxLength) out = cut(out, options.maxLength);
  if (options.normalizeUnicode) out = stripInvisible(out);
  if (options.stripHtml) out = stripHtml(out);
  if (options.trimWhitespace)
    out = out
      .trim()
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n');
  return out;
}

/** The first `max` UTF-16 units, without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
