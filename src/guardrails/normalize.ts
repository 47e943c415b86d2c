/**
 * Normalization before matching, so that the same words written another way match the same rules:
 * NFKC (fullwidth and compatibility forms), invisible characters removed (zero-width, bidi controls, soft
 * hyphen, variation selectors, tag characters), case folded, s p a c e d letters joined, whitespace
 * collapsed. `foldConfusables` additionally maps Cyrillic/Greek look-alikes and leetspeak digits to Latin
 * letters; it is used only for the Latin-script rules, so Russian or Greek text keeps its own rules.
 */

/** Zero-width and formatting characters that render as nothing (tag characters U+E0000–E007F included). */
export const INVISIBLE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: the class lists code points to delete, one by one
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]|\uDB40[\uDC00-\uDC7F]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
/** Arabic vowel marks (harakat): optional in writing, so `انسَ` and `انس` are the same word. */
const ARABIC_MARKS = /[\u064B-\u065F\u0670]/g;
/** A literal `\n` (backslash n) in text: how injected turns hide inside JSON strings. */
const ESCAPED_NEWLINE = /(?:\\r)?\\n/g;
/** Single letters separated by single spaces, dots, dashes, underscores or asterisks: `i g n o r e`. */
const SPACED = /(?<![\p{L}\p{N}])(?:\p{L}[ .\-_*]){3,}\p{L}(?![\p{L}\p{N}])/gu;

/**
 * NFKC, invisible and control characters removed, lower case, s p a c e d letters joined (a double space
 * separates words), runs of whitespace as one space.
 */
export function normalizeText(text: string): string {
  // Plain printable ASCII has nothing for NFKC or the invisible/control/Arabic steps to change.
  const ascii = PRINTABLE_ASCII.test(text);
  const cleaned = ascii
    ? text
    : text.normalize('NFKC').replace(INVISIBLE, '').replace(ARABIC_MARKS, '').replace(CONTROL, ' ');
  const lower = cleaned.replace(ESCAPED_NEWLINE, '\n').toLowerCase();
  return (SPACED_HINT.test(lower) ? lower.replace(SPACED, joinSpaced) : lower)
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n');
}

const PRINTABLE_ASCII = /^[\x20-\x7e\t\n\r]*$/;
/** A cheap pre-test for SPACED: three single letters in a row with one separator each. */
const SPACED_HINT = /(?:^|[^a-z0-9])[a-z][ .\-_*][a-z][ .\-_*][a-z][ .\-_*][a-z](?:$|[^a-z0-9])|[^\t-~]/;

/**
 * `i g n o r e` → `ignore`; in `d-i-s-r-e-g-a-r-d y-o-u-r` the most common separator joins letters and the
 * others separate words.
 */
function joinSpaced(run: string): string {
  const counts = new Map<string, number>();
  for (let i = 1; i < run.length; i += 2) counts.set(run[i]!, (counts.get(run[i]!) ?? 0) + 1);
  const joiner = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  let out = '';
  for (let i = 0; i < run.length; i++) {
    const c = run[i]!;
    if (i % 2 === 0) out += c;
    else if (c !== joiner) out += ' ';
  }
  return out;
}

/**
 * Whether one UTF-16 unit belongs to an invisible character (either half of a tag character counts), for code
 * that walks text unit by unit.
 */
export function isInvisibleUnit(unit: string): boolean {
  if (unit === '\uDB40') return true;
  const c = unit.charCodeAt(0);
  if (c >= 0xdc00 && c <= 0xdc7f) return true;
  INVISIBLE.lastIndex = 0;
  return INVISIBLE.test(unit);
}

/** NFKC with invisible characters removed; case and spacing kept (for user regexes). */
export function stripInvisible(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '');
}

/** Whether `text` contains characters normalization removes (worth a finding of its own in untrusted text). */
export function hasInvisible(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  return INVISIBLE.test(text);
}

// biome-ignore format: a table
const CONFUSABLES: Readonly<Record<string, string>> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  і: 'i', ї: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', ү: 'y', һ: 'h', ɡ: 'g', ı: 'i', ɩ: 'i', ʟ: 'l',
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w',
  ϲ: 'c', ϳ: 'j', ѡ: 'w', ᴀ: 'a', ʙ: 'b', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ɢ: 'g', ʜ: 'h', ɪ: 'i', ᴊ: 'j', ᴋ: 'k',
  ᴍ: 'm', ɴ: 'n', ᴏ: 'o', ᴘ: 'p', ʀ: 'r', ꜱ: 's', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ʏ: 'y', ᴢ: 'z',
};
const CONFUSABLE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'g');
const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
};
/** A word mixing letters with leetspeak digits (`1gn0r3`, `pr3v10us`), but not a plain number or `v2`. */
const LEET_WORD = /(?<![\p{L}\p{N}])(?=[\p{L}\p{N}]*\p{L})(?=[\p{L}\p{N}]*[013457])[\p{L}\p{N}]{3,}/gu;

/**
 * `1gn0r3` → `ignore`, `d474` → `data`: a word with at least two letters, or one letter and two leetspeak
 * digits (so `v2`, `x86`, `mp3` stay as they are).
 */
function foldLeet(word: string): string {
  const letters = word.replace(/[^\p{L}]/gu, '').length;
  const digits = word.replace(/[^013457]/g, '').length;
  return letters >= 2 || digits >= 2 ? word.replace(/[013457]/g, (c) => LEET[c]!) : word;
}

/** normalizeText's output with look-alikes and leetspeak mapped to Latin letters. */
export function foldConfusables(normalized: string): string {
  const folded = NON_ASCII.test(normalized) ? normalized.replace(CONFUSABLE, (c) => CONFUSABLES[c] ?? c) : normalized;
  return LEET_HINT.test(folded) ? folded.replace(LEET_WORD, foldLeet) : folded;
}

const NON_ASCII = /[^\t-~]/;
/** A cheap pre-test for LEET_WORD: a letter next to a leetspeak digit. */
const LEET_HINT = /[\p{L}][013457]|[013457][\p{L}]/u;

const BASE64_RUN = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])/g;
const HEX_RUN = /(?<![0-9A-Fa-f])(?:(?:\\x|0x)?[0-9A-Fa-f]{2}[ :]?){8,}/g;
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2}){4,}/g;
const ENTITY_RUN = /(?:&#(?:x[0-9A-Fa-f]{1,6}|\d{1,7});){4,}/g;
/** The most decoded text added per message: decoding cannot make a check arbitrarily slow. */
const MAX_DECODED = 64 * 1024;

/** Text that is mostly readable (letters, spaces, punctuation) with at least one space: likely prose. */
function readable(text: string): boolean {
  if (text.length < 8 || !text.includes(' ')) return false;
  let ok = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 32 && c < 127) || c === 10 || c === 13 || c === 9 || c >= 160) ok++;
  }
  return ok / text.length >= 0.9 && !text.includes('\uFFFD');
}

/**
 * Texts hidden in `text` by an encoding: base64 / base64url runs, hex runs (`69676e...`, `\x69\x67`, `69 67`),
 * percent-encoding and numeric HTML entities, Unicode tag characters (invisible ASCII), and — when the text
 * asks for it — ROT13 and reversed text; kept when they decode to readable prose. One level deep; at most
 * MAX_DECODED characters in total.
 */
export function decodeHidden(text: string): string[] {
  const out: string[] = [];
  let budget = MAX_DECODED;
  const keep = (decoded: string) => {
    if (budget <= 0 || !readable(decoded)) return;
    out.push(decoded.slice(0, budget));
    budget -= decoded.length;
  };
  for (const m of text.matchAll(BASE64_RUN)) {
    const run = m[0];
    if (!/[A-Z]/.test(run) || !/[a-z0-9]/.test(run)) continue; // hashes and words are not base64 of prose
    keep(Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  }
  for (const m of text.matchAll(HEX_RUN)) {
    keep(Buffer.from(m[0].replace(/\\x|0x|[ :]/g, ''), 'hex').toString('utf8'));
  }
  for (const m of text.matchAll(PERCENT_RUN)) {
    try {
      keep(decodeURIComponent(m[0]));
    } catch {
      // not valid UTF-8 once decoded: nothing hidden that a model would read either
    }
  }
  for (const m of text.matchAll(ENTITY_RUN)) {
    keep(
      m[0].replace(/&#(x?)([0-9A-Fa-f]+);/g, (_, hex: string, n: string) =>
        String.fromCodePoint(Math.min(Number.parseInt(n, hex ? 16 : 10), 0x10ffff)),
      ),
    );
  }
  const tags = [...text.matchAll(TAG_RUN)].map((m) =>
    [...m[0]].map((c) => String.fromCharCode(c.codePointAt(0)! - 0xe0000)).join(''),
  );
  for (const t of tags) keep(t);
  if (/rot-?13/i.test(text)) keep(text.replace(/[A-Za-z]/g, rot13));
  if (/\bbackwards?\b|\breversed?\b|\bin reverse\b/i.test(text)) keep([...text].reverse().join(''));
  return out;
}

/** Runs of Unicode tag characters (U+E0020–E007E), which mirror ASCII invisibly. */
export const TAG_RUN = /(?:\uDB40[\uDC20-\uDC7E]){4,}/g;

function rot13(c: string): string {
  const base = c <= 'Z' ? 65 : 97;
  return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
}
