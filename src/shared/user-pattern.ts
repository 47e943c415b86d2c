/**
 * Regular expressions from the config (`blocked_patterns`, `patterns`, `custom_patterns`). They run on
 * untrusted text, so they are checked when the server starts:
 * - they must compile (JavaScript syntax, Unicode mode);
 * - no backreferences, no unboundedly repeated group with a variable part (`(a+)+`, `(\w?x)*`, `(a{1,3})+`)
 *   and no repeated group with an unbounded part (`(a+){2}`): the shapes that make a backtracking engine take
 *   exponential or high-polynomial time (ReDoS). `(\d{3}-){2}` and `(\s?\d{4}){3}` are fine;
 * - the longest text a pattern can match is computed, so the streaming redactor knows how much output to
 *   hold back; a pattern with an unbounded quantifier (`+`, `*`, `{n,}`) counts as UNBOUNDED_MATCH.
 * A pattern that fails a check is an Error whose message says why (the config layer adds the YAML path).
 */

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

/** Validates and compiles `source` with `flags` (`u` is always added). */
export function compileUserPattern(source: string, flags = ''): CompiledPattern {
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags.includes('u') ? flags : `${flags}u`);
  } catch (err) {
    throw new Error(
      `not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`,
    );
  }
  if (regex.test('')) throw new Error('matches the empty string, so it would match everywhere');
  regex.lastIndex = 0;
  const scan = new Parser(source).sequence();
  return {
    source,
    regex,
    maxLength: Number.isFinite(scan.max) ? Math.min(scan.max, UNBOUNDED_MATCH) : UNBOUNDED_MATCH,
  };
}

/** A recursive-descent walk over the pattern's syntax, tracking the longest match and nested quantifiers. */
class Parser {
  private i = 0;
  private readonly s: string;
  constructor(source: string) {
    this.s = source;
  }

  /** Alternatives up to `)` or the end: the longest of them. */
  sequence(): Scan {
    let best: Scan = EMPTY;
    let current: Scan = EMPTY;
    while (this.i < this.s.length && this.s[this.i] !== ')') {
      if (this.s[this.i] === '|') {
        this.i++;
        best = merge(best, current);
        current = EMPTY;
        continue;
      }
      const q = this.quantifier(this.atom());
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
      return { ...EMPTY, max: 1 };
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
    if ((max === Number.POSITIVE_INFINITY && atom.variable) || (max > 1 && atom.unbounded)) {
      throw new Error(
        'a repeated group contains a variable-length part (like (a+)+), which can take exponential time on crafted input; rewrite it without nested repetition',
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
