/**
 * PII and secret detection: regular expressions find candidates, then checksums and context reject the
 * look-alikes (Luhn for cards, mod-97 for IBANs, the SSN allocation rules, `isIP` for addresses, version
 * strings and order numbers by the words before them). Returns non-overlapping spans sorted by position.
 *
 * What it does not do: names, postal addresses, dates of birth (no reliable pattern without a model); national
 * phone numbers without a `+` country code are found only in the common North American, UK, French and
 * German shapes.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { cardNetwork, ibanValid, luhnValid, ssnValid } from './checksums.ts';

export const PII_KINDS = ['email', 'phone', 'ssn', 'credit_card', 'iban', 'ip', 'secret'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export interface Span {
  readonly start: number;
  readonly end: number;
  /** A PII kind, or the name of a custom pattern. */
  readonly kind: string;
}

/** A user-defined pattern (`pii.custom_patterns`): matches are redacted like built-in kinds. */
export interface NamedPattern {
  readonly name: string;
  readonly regex: RegExp;
}

/**
 * The longest text one built-in match can span, except PEM blocks and tokens (handled by their anchors in the
 * streaming redactor): an RFC 5321 address is at most 254 characters.
 */
export const MAX_SHORT_MATCH = 256;
/** A PEM private key block (RSA 8192 is ~6.5 KB) or a JWT longer than this is redacted up to here. */
export const MAX_LONG_MATCH = 16_384;

type Finder = (text: string, out: Span[]) => void;

/** Latin letters (with accents) and digits: a CJK or Cyrillic letter next to an address is not part of it. */
const W = 'A-Za-z0-9\\u00C0-\\u024F';
const EMAIL = new RegExp(
  `(?<![${W}._%+-])[${W}][${W}._%+-]{0,63}@(?:[${W}](?:[${W}-]{0,61}[${W}])?\\.)+[A-Za-z\\u00C0-\\u024F]{2,24}(?![${W}-])`,
  'g',
);
/** `logo@2x.png`, `icon@3x.webp`: asset names, not addresses. */
const FILE_SUFFIX =
  /\.(?:png|jpe?g|gif|svg|webp|bmp|ico|avif|tiff?|pdf|js|mjs|ts|css|html?|json|ya?ml|md|txt|zip|gz|tar)$/i;

function findEmails(text: string, out: Span[]): void {
  if (!text.includes('@')) return;
  for (const m of text.matchAll(EMAIL)) {
    const value = m[0];
    // `a..b@x.com` and `a.@x.com` are not addresses; a trailing dot before @ is a sentence, not a local part.
    if (value.includes('..') || value[value.indexOf('@') - 1] === '.' || FILE_SUFFIX.test(value)) continue;
    out.push({ start: m.index, end: m.index + value.length, kind: 'email' });
  }
}

/** Words that make a digit run an identifier rather than a phone, card or SSN (looked for just before it). */
const IDENTIFIER_CONTEXT =
  /(?:\b(?:sku|part|serial|order|invoice|model|ref|reference|id|tracking|isbn|product|item|code|ticket|case|build|version|ver|po|account no|acct|batch|lot|issue|pr)\b|#)\s*(?:no\.?|number|num|nr\.?)?\s*[:#=]?\s*$/i;

function identifierBefore(text: string, start: number): boolean {
  return IDENTIFIER_CONTEXT.test(text.slice(Math.max(0, start - 32), start));
}

function countDigits(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

const INTERNATIONAL_PHONE = /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){1,6}(?![\d])/g;
const NANP_PHONE = /(?<![\w+-]|\d[ .-])(?:1[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\d-])/g;
/** UK `020 7946 0958` / `07911 123456`, French `01 23 45 67 89`, German `030 12345678` / `0171 1234567`. */
const NATIONAL_PHONE = /(?<![\w+-]|\d[ .-])(?:0[1-9](?:[ .]\d{2}){4}|0\d{2,4}[ -]\d{3,4}[ -]?\d{3,4})(?![\d-])/g;

function findPhones(text: string, out: Span[]): void {
  if (text.includes('+')) {
    for (const m of text.matchAll(INTERNATIONAL_PHONE)) {
      const digits = countDigits(m[0]);
      if (digits >= 8 && digits <= 15) out.push({ start: m.index, end: m.index + m[0].length, kind: 'phone' });
    }
  }
  for (const re of [NANP_PHONE, NATIONAL_PHONE]) {
    for (const m of text.matchAll(re)) {
      if (identifierBefore(text, m.index)) continue;
      out.push({ start: m.index, end: m.index + m[0].length, kind: 'phone' });
    }
  }
}

const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;
const SSN_CONTEXT = /(?:\bssn|\bsocial security|ss#)[^\d\n]{0,40}$/i;
const BARE_NINE = /(?<![\d-])\d{9}(?![\d-])/g;

function findSsns(text: string, out: Span[]): void {
  for (const m of text.matchAll(SSN)) {
    const digits = m[1]! + m[3]! + m[4]!;
    if (!ssnValid(digits)) continue;
    // With spaces (`123 45 6789`) the shape is too common to trust without the word SSN before it.
    if (m[2] === ' ' && !SSN_CONTEXT.test(text.slice(Math.max(0, m.index - 32), m.index))) continue;
    out.push({ start: m.index, end: m.index + m[0].length, kind: 'ssn' });
  }
  if (!/ssn|social security|ss#/i.test(text)) return;
  for (const m of text.matchAll(BARE_NINE)) {
    if (ssnValid(m[0]) && SSN_CONTEXT.test(text.slice(Math.max(0, m.index - 32), m.index))) {
      out.push({ start: m.index, end: m.index + 9, kind: 'ssn' });
    }
  }
}

const CARD = /(?<![\d-])\d(?:[ -]?\d){11,18}(?![\d-])/g;

function findCards(text: string, out: Span[]): void {
  for (const m of text.matchAll(CARD)) {
    const value = m[0];
    const separators = new Set(value.replace(/\d/g, ''));
    if (separators.size > 1) continue; // `4111 1111-1111 1111` mixes separators: not a written card number
    const digits = value.replace(/[ -]/g, '');
    if (separators.size === 1 && !cardGrouping(value)) continue;
    if (!cardNetwork(digits) || !luhnValid(digits)) continue;
    out.push({ start: m.index, end: m.index + value.length, kind: 'credit_card' });
  }
}

/** Separated card numbers are written in groups: 4-4-4-4(-3), 4-6-5 (Amex), 4-6-4 (Diners), 4-4-4-1..7. */
function cardGrouping(value: string): boolean {
  const groups = value.split(/[ -]/).map((g) => g.length);
  if (groups.length === 3 && groups[0] === 4 && groups[1] === 6 && (groups[2] === 5 || groups[2] === 4)) return true;
  return groups.slice(0, -1).every((g) => g === 4) && groups.at(-1)! >= 1 && groups.at(-1)! <= 4;
}

const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g;

function findIbans(text: string, out: Span[]): void {
  for (const m of text.matchAll(IBAN)) {
    const value = m[0];
    if (ibanValid(value.replaceAll(' ', ''))) out.push({ start: m.index, end: m.index + value.length, kind: 'iban' });
  }
}

const IPV4 =
  /(?<![\w.-])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w-]|\.\d)/g;
/** A dotted quad right after these words is a version, not an address. */
const VERSION_CONTEXT =
  /\b(?:version|versions|ver\.?|v\.|release|build|firmware|rev|revision|chrome|chromium|firefox|safari|edge|opera|node|python|java|oid|chapter|section|sec\.|§|table|figure|fig\.|attribute|clause|step|paragraph|appendix|item|rule|article)\s*[:=]?\s*$/i;
/** `upgraded the SDK from 1.2.3.4 to 1.2.4.0`: a version change. */
const VERSION_CHANGE =
  /\b(?:upgrad|updat|bump|downgrad|migrat|roll(?:ed)? back|pin(?:ned)?)\w*\b(?:[^.\n]|\.(?=\d))*$/i;
const IPV6 =
  /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|:)?(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3})?(?:%[\w.]+)?(?![\w:.])/g;

function findIps(text: string, out: Span[]): void {
  if (text.includes('.')) {
    for (const m of text.matchAll(IPV4)) {
      const before = text.slice(Math.max(0, m.index - 48), m.index);
      if (VERSION_CONTEXT.test(before.slice(-24)) || VERSION_CHANGE.test(before)) continue;
      if (isIPv4(m[0])) out.push({ start: m.index, end: m.index + m[0].length, kind: 'ip' });
    }
  }
  if (!text.includes(':')) return;
  for (const m of text.matchAll(IPV6)) {
    const value = m[0];
    const address = value.replace(/%.*$/, '');
    // `::` alone, and all-decimal `12:30:45`-like runs, are not worth redacting even when they parse.
    if (address === '::' || !/[0-9A-Fa-f]/.test(address.replaceAll(':', '')) || !isIPv6(address)) continue;
    out.push({ start: m.index, end: m.index + value.length, kind: 'ip' });
  }
}

/** Secret formats. Each regex is anchored on a fixed prefix, so a candidate is cheap to find. */
const SECRETS: readonly RegExp[] = [
  // PEM private keys, and a truncated block (BEGIN with no END): redacted through its base64 lines, whether they
  // are separated by line breaks, spaces or literal `\n` escapes (a key inside JSON).
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]{0,16384}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|(?:(?:\\[rn]|\s)+[A-Za-z0-9+/=:-]{16,4096}){1,512})/g,
  // JWT / JWS compact serialization: base64url JSON header and payload, optional signature.
  /(?<![\w-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*(?![\w-])/g,
  // Anthropic, then OpenAI (sk-, sk-proj-, sk-svcacct-, sk-admin-).
  /(?<![\w-])sk-ant-(?:api|admin|oat)\d{2}-[A-Za-z0-9_-]{20,}(?![\w-])/g,
  /(?<![\w-])sk-(?:proj-|svcacct-|admin-|None-)?(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}(?![\w-])/g,
  // GitHub tokens (classic and fine-grained).
  /(?<![\w])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}(?![\w])/g,
  /(?<![\w])github_pat_[A-Za-z0-9_]{50,255}(?![\w])/g,
  // AWS access key ids.
  /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA)[A-Z2-7]{16}(?![A-Za-z0-9])/g,
  // Slack tokens and webhooks.
  /(?<![\w-])xox[abposr]-[A-Za-z0-9-]{10,250}(?![\w-])/g,
  /https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9]+\/B[A-Za-z0-9]+\/[A-Za-z0-9]+/g,
  // Google API keys.
  /(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])/g,
  // Stripe secret and restricted keys.
  /(?<![\w])(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,99}(?![\w])/g,
];
const SECRET_HINT =
  /PRIVATE KEY|eyJ|sk-|gh[pousr]_|github_pat_|A[KSBC][IC]A|AGPA|AIDA|AROA|ANPA|xox|hooks\.slack|AIza|[sr]k_(?:live|test)_/;
/** `aws_secret_access_key = <40 base64 characters>`: only the value is redacted. */
const AWS_SECRET = /aws_?secret_?(?:access_?)?key["']?\s{0,8}[:=]\s{0,16}["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi;

function findSecrets(text: string, out: Span[]): void {
  if (!SECRET_HINT.test(text) && !/aws_?secret/i.test(text)) return;
  for (const re of SECRETS) {
    for (const m of text.matchAll(re)) out.push({ start: m.index, end: m.index + m[0].length, kind: 'secret' });
  }
  for (const m of text.matchAll(AWS_SECRET)) {
    const start = m.index + m[0].length - m[1]!.length;
    out.push({ start, end: start + m[1]!.length, kind: 'secret' });
  }
}

const FINDERS: Readonly<Record<PiiKind, Finder>> = {
  secret: findSecrets,
  email: findEmails,
  iban: findIbans,
  credit_card: findCards,
  ssn: findSsns,
  phone: findPhones,
  ip: findIps,
};

/**
 * Every span of the given kinds and custom patterns in `text`, non-overlapping and sorted by start. Where
 * candidates overlap, the one starting first wins, then the longer one (so a PEM block or a JWT is redacted
 * whole, never the digits inside it).
 */
export function findPii(text: string, kinds: readonly PiiKind[], custom: readonly NamedPattern[] = []): Span[] {
  const found: Span[] = [];
  for (const kind of kinds) FINDERS[kind](text, found);
  for (const { name, regex } of custom) {
    for (const m of text.matchAll(regex)) {
      if (m[0].length > 0) found.push({ start: m.index, end: m.index + m[0].length, kind: name });
    }
  }
  return nonOverlapping(found);
}

/**
 * Keeps non-overlapping spans, sorted by start. Secrets are placed first (a token inside a URL or before an
 * `@` is redacted as the token), then the rest in order of position, longest first at equal starts; a span
 * overlapping one already kept is dropped.
 */
export function nonOverlapping(spans: Span[]): Span[] {
  if (spans.length < 2) return spans;
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Span[] = [];
  const take = (secretPass: boolean) => {
    for (const s of spans) {
      if ((s.kind === 'secret') !== secretPass) continue;
      if (kept.some((k) => s.start < k.end && k.start < s.end)) continue;
      kept.push(s);
    }
  };
  take(true);
  take(false);
  return kept.sort((a, b) => a.start - b.start);
}
