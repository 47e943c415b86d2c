/**
 * Content moderation by lists: blocked keywords (whole words or phrases, matched after normalization so
 * case, fullwidth forms, zero-width characters, homoglyphs, leetspeak and s p a c i n g do not evade them,
 * while `class` never matches `ass`) and blocked regular expressions (matched on the text as written and on
 * its NFKC form without invisible characters). An external moderation service can be added as a hook
 * (see ModerationHook in types.ts).
 */

import type { CompiledPattern } from '../shared/index.ts';
import { foldConfusables, normalizeText, stripInvisible } from './normalize.ts';

export interface KeywordMatcher {
  /** The first blocked keyword (as configured) found in `text`, or undefined. */
  find(text: string): string | undefined;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * One regex for all keywords over the folded text: each keyword's words are separated by any run of
 * non-letters, and it must not have a letter or digit directly before or after it.
 */
export function keywordMatcher(keywords: readonly string[]): KeywordMatcher {
  if (keywords.length === 0) return { find: () => undefined };
  const folded = keywords.map((k) => foldConfusables(normalizeText(k)).trim());
  const alternatives = folded.map((k) =>
    k
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean)
      .map(escapeRegex)
      .join('[^\\p{L}\\p{N}]+'),
  );
  const regex = new RegExp(
    `(?<![\\p{L}\\p{N}])(?:${alternatives.map((a) => `(${a})`).join('|')})(?![\\p{L}\\p{N}])`,
    'u',
  );
  return {
    find(text) {
      const m = regex.exec(foldConfusables(normalizeText(text)));
      if (!m) return undefined;
      const index = m.slice(1).findIndex((g) => g !== undefined);
      return keywords[index];
    },
  };
}

/** The first pattern matching `text` as written or its NFKC form without invisible characters. */
export function findPattern(patterns: readonly CompiledPattern[], text: string): CompiledPattern | undefined {
  if (patterns.length === 0) return undefined;
  const clean = stripInvisible(text);
  return patterns.find((p) => {
    p.regex.lastIndex = 0;
    if (p.regex.test(text)) return true;
    p.regex.lastIndex = 0;
    return clean !== text && p.regex.test(clean);
  });
}
