/**
 * Regular expressions from the config (`blocked_patterns`, `patterns`, `custom_patterns`). They run on
 * untrusted text, so they are checked when the server starts:
 * - they must compile (JavaScript syntax, Unicode mode);
 * - no backreferences, no unboundedly repeated group with a variable part or alternatives (`(a+)+`, `(\w?x)*`,
 *   `(a{1,3})+`, `(a|ab)+` — write `[ab]+`) and no repeated group with an unbounded part (`(a+){2}`): the shapes
 *   that make a backtracking engine take exponential or high-polynomial time (ReDoS). `(\d{3}-){2}` and
 *   `(\s?\d{4}){3}` are fine. Patterns that need Unicode mode (`\p{…}`) also may not repeat without bound twice
 *   in a row (`\p{L}+\s+`; bound one: `\s{1,8}`), because V8's linear-time fallback does not cover them;
 * - it must not match the empty string anywhere (`\b`, `x*`);
 * - the longest text a pattern can match is computed, so the streaming redactor knows how much output to
 *   hold back; a pattern with an unbounded quantifier (`+`, `*`, `{n,}`) counts as UNBOUNDED_MATCH.
 * A pattern that fails a check is an Error whose message says why (the config layer adds the YAML path).
 */
import { enableLinearRegexFallback } from './regex-engine.ts';

/** What an unbounded pattern is assumed to span at most when streaming (see docs/guardrails.md). */
export const UNBOUNDED_MATCH = 1024;

export interface CompiledPattern {
  readonly source: string;
  readonly regex: RegExp;
  /** The longest match, in UTF-16 units (UNBOUNDED_MATCH when unbounded). */
  readonly maxLength: number;
}

interface Scan {
  max: number;
  /** Contains a quantifier whose minimum and maximum differ (`?`, `{1,3}`, `+`). */
  variable: boolean;
  /** Contains an unbounded quantifier (`*`, `+`, `{n,}`). */
  unbounded: boolean;
}

const EMPTY: Scan = { max: 0, variable: false, unbounded: false };

/** Probes for patterns that match nothing at some position (`\b`, `x*`): such a match redacts or flags nothing. */
const EMPTY_PROBES = ['', 'a', ' ', 'a b', '1', '-a-'];

/**
 * Validates and compiles `source`. `flags` may contain `g` and `i`. The pattern is compiled WITHOUT the `u`
 * flag when it needs none (`\p{…}`, `\u{…}` or astral characters need it), so that V8's linear-time fallback
 * (regex-engine.ts) can take over from a pattern that backtracks too much; `i` disables that fallback, which
 * is why the guardrails match case-insensitive rules on lower-cased text instead.
 */
export function compileUserPattern(source: string, flags = ''): CompiledPattern {
  enableLinearRegexFallback();
  const unicode = /\\[pPu]\{|\\u\{|[\uD800-\uDFFF]/.test(source);
  let regex: RegExp;
  try {
    regex = new RegExp(source, unicode ? `${flags}u` : flags);
  } catch (err) {
    throw new Error(
      `not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`,
    );
  }
  const probe = new RegExp(source, unicode ? 'gu' : 'g');
  for (const text of EMPTY_PROBES) {
    for (const m of text.matchAll(probe)) {
      if (m[0] === '') throw new Error('can match the empty string, so it would match everywhere');
    }
  }
  const scan = new Parser(source, unicode).sequence();
  return {
    source,
    regex,
    maxLength: Number.isFinite(scan.max) ? Math.min(scan.max, UNBOUNDED_MATCH) : UNBOUNDED_MATCH,
  };
}

/** A recursive-descent walk over the pattern's syntax, tracking the longest match and nested quantifiers. */
class Parser {
  private i = 0;
  /** Whether the last quantifier parsed repeats without bound. */
  private lastUnbounded = false;
  private readonly s: string;
  /** Without the `u` flag (no fallback protection is lost), two unbounded quantifiers in a row are allowed. */
  private readonly unicode: boolean;
  constructor(source: string, unicode: boolean) {
    this.s = source;
    this.unicode = unicode;
  }

  /** Alternatives up to `)` or the end: the longest of them. */
  sequence(): Scan {
    let best: Scan = EMPTY;
    let current: Scan = EMPTY;
    let previousUnbounded = false;
    while (this.i < this.s.length && this.s[this.i] !== ')') {
      if (this.s[this.i] === '|') {
        // Alternatives can overlap (`(a|a)+`, `(a|ab)+`): a repeated alternation is variable.
        this.i++;
        best = { ...merge(best, current), variable: true };
        current = EMPTY;
        previousUnbounded = false;
        continue;
      }
      const q = this.quantifier(this.atom());
      const repeatedUnbounded = this.lastUnbounded;
      if (this.unicode && repeatedUnbounded && previousUnbounded) {
        throw new Error(
          'two unbounded repetitions in a row (like \\w*\\w*) can take polynomial time on crafted input; join them into one',
        );
      }
      previousUnbounded = repeatedUnbounded;
      current = {
        max: current.max + q.max,
        variable: current.variable || q.variable,
        unbounded: current.unbounded || q.unbounded,
      };
    }
    return merge(best, current);
  }

  private atom(): Scan {
    const c = this.s[this.i]!;
    if (c === '(') {
      this.i++;
      let lookaround = false;
      if (this.s.startsWith('?:', this.i)) this.i += 2;
      else if (/^\?<?[=!]/.test(this.s.slice(this.i, this.i + 3))) {
        lookaround = true;
        this.i += this.s[this.i + 1] === '<' ? 3 : 2;
      } else if (this.s.startsWith('?<', this.i)) this.i = this.s.indexOf('>', this.i) + 1;
      const inner = this.sequence();
      this.i++; // ')'
      return lookaround ? { ...inner, max: 0 } : inner;
    }
    if (c === '[') {
      this.i++;
      while (this.i < this.s.length && this.s[this.i] !== ']') this.i += this.s[this.i] === '\\' ? 2 : 1;
      this.i++;
      // In Unicode mode a class may match an astral character (two UTF-16 units); otherwise one unit.
      return { ...EMPTY, max: this.unicode ? 2 : 1 };
    }
    if (c === '\\') {
      const next = this.s[this.i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k')
        throw new Error('backreferences are not allowed (they defeat the ReDoS check)');
      this.i += 2;
      if (next === 'b' || next === 'B') return EMPTY;
      if (next === 'u' && this.s[this.i] === '{') this.i = this.s.indexOf('}', this.i) + 1;
      else if (next === 'u') this.i += 4;
      else if (next === 'x') this.i += 2;
      else if ((next === 'p' || next === 'P') && this.s[this.i] === '{') this.i = this.s.indexOf('}', this.i) + 1;
      return { ...EMPTY, max: 2 };
    }
    this.i++;
    if (c === '^' || c === '$') return EMPTY;
    return { ...EMPTY, max: 2 }; // a code point is at most two UTF-16 units
  }

  private quantifier(atom: Scan): Scan {
    this.lastUnbounded = false;
    const c = this.s[this.i];
    let min = 1;
    let max = 1;
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      max = c === '?' ? 1 : Number.POSITIVE_INFINITY;
      min = c === '+' ? 1 : 0;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.s.slice(this.i));
      if (!m) return atom;
      this.i += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
    } else {
      return atom;
    }
    if (this.s[this.i] === '?') this.i++; // lazy
    this.lastUnbounded = max === Number.POSITIVE_INFINITY;
    // A variable part repeated more than a few fixed times is exponential too: (?:\w{1,20}\s?){1,10}.
    const variableRepeat = atom.variable && max > 1 && (min !== max || max > 4);
    if (variableRepeat || (max > 1 && atom.unbounded)) {
      throw new Error(
        'a repeated group has alternatives or a variable-length part (like (a+)+ or (a|ab)+), which can take exponential time on crafted input; use a character class ([ab]+) or rewrite it without nested repetition',
      );
    }
    return {
      max: atom.max === 0 ? 0 : atom.max * max,
      variable: atom.variable || min !== max,
      unbounded: atom.unbounded || max === Number.POSITIVE_INFINITY,
    };
  }
}

function merge(a: Scan, b: Scan): Scan {
  return { max: Math.max(a.max, b.max), variable: a.variable || b.variable, unbounded: a.unbounded || b.unbounded };
}
