/**
 * Regular expressions from the model for grep_search. JavaScript's engine backtracks, so a pattern such as
 * `(a+)+$` can take exponential time on one short line. Two layers:
 *
 * 1. `compileSafeRegex` refuses what is known to be dangerous or needless: patterns longer than 256 characters,
 *    backreferences (`\1`, `\k<name>`), lookarounds (`(?=`, `(?!`, `(?<=`, `(?<!`), nested quantifiers (a
 *    group containing a quantifier that is itself repeated: `(a+)+`, `(a*)*`, `(\w+\s?)*`, `(a?){30}`), and
 *    repeat counts above 1000. This is a heuristic: it does not catch every super-linear pattern (`(a|aa)+$`).
 * 2. THE BOUND: `createLineMatcher` runs the matching inside `node:vm` with a `timeout`, which interrupts V8 even
 *    in the middle of one regular-expression execution. The caller passes the time left of its wall-clock
 *    budget, so a pattern that slips through layer 1 costs at most that budget (the event loop is blocked for
 *    at most that long), then the search stops with an error. The lines themselves are capped by the caller.
 *
 * The script run in the context is a constant of this file; the model controls only the RegExp source, which
 * cannot execute code.
 */
import { createContext, Script } from 'node:vm';
import { quote } from '../text.ts';

export const MAX_REGEX_LENGTH = 256;
const MAX_REPEAT = 1000;

export type RegexCheck = { ok: true; regex: RegExp } | { ok: false; message: string };

interface Quantifier {
  /** Can match more than once (`*`, `+`, `{n,}`, `{n,m}` with m > 1). */
  repeats: boolean;
  /** Index after the quantifier (and its lazy `?`, if any). */
  end: number;
  /** A repeat count above MAX_REPEAT. */
  tooLarge: boolean;
}

function readQuantifier(p: string, j: number): Quantifier | undefined {
  let q: Omit<Quantifier, 'end'> & { end: number };
  const c = p[j];
  if (c === '*' || c === '+') q = { repeats: true, end: j + 1, tooLarge: false };
  else if (c === '?') q = { repeats: false, end: j + 1, tooLarge: false };
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(j));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
    q = {
      repeats: max > 1,
      end: j + m[0].length,
      tooLarge: min > MAX_REPEAT || (Number.isFinite(max) && max > MAX_REPEAT),
    };
  } else return undefined;
  if (p[q.end] === '?') q.end++;
  return q;
}

/** Index after the character class starting at `i` (`[`). */
function skipClass(p: string, i: number): number {
  let j = i + 1;
  if (p[j] === '^') j++;
  while (j < p.length && p[j] !== ']') j += p[j] === '\\' ? 2 : 1;
  return j + 1;
}

/** Validates and compiles a model-supplied pattern (see the contract above). Messages say how to fix it. */
export function compileSafeRegex(pattern: string): RegexCheck {
  const no = (why: string): RegexCheck => ({
    ok: false,
    message: `regular expression ${quote(pattern, 80)} refused: ${why}. Use a simpler pattern or a literal search (regex: false)`,
  });
  if (pattern.length > MAX_REGEX_LENGTH) return no(`it is longer than ${MAX_REGEX_LENGTH} characters`);
  const stack: { quantified: boolean }[] = [{ quantified: false }];
  const top = () => stack[stack.length - 1] as { quantified: boolean };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1] ?? '';
      if (/[1-9]/.test(n) || (n === 'k' && pattern[i + 2] === '<')) return no('backreferences are not supported');
      i += 2;
    } else if (c === '[') {
      i = skipClass(pattern, i);
    } else if (c === '(') {
      if (/^\(\?(=|!|<=|<!)/.test(pattern.slice(i))) return no('lookahead and lookbehind are not supported');
      stack.push({ quantified: false });
      i++;
      if (pattern[i] === '?') {
        // (?:…) or (?<name>…): skip the group prefix so its "?" is not read as a quantifier.
        const close = pattern[i + 1] === '<' ? pattern.indexOf('>', i) : i + 1;
        i = close === -1 ? i + 1 : close + 1;
      }
    } else if (c === ')') {
      const group = stack.length > 1 ? (stack.pop() as { quantified: boolean }) : { quantified: false };
      const q = readQuantifier(pattern, i + 1);
      if (q) {
        if (q.tooLarge) return no(`repeat counts above ${MAX_REPEAT} are not supported`);
        if (q.repeats && group.quantified) {
          return no(
            'a repeated group contains a quantifier (nested quantifiers such as (a+)+ can take exponential time)',
          );
        }
        top().quantified = true;
        i = q.end;
      } else {
        if (group.quantified) top().quantified = true;
        i++;
      }
    } else {
      const q = readQuantifier(pattern, i);
      if (q) {
        if (q.tooLarge) return no(`repeat counts above ${MAX_REPEAT} are not supported`);
        top().quantified = true;
        i = q.end;
      } else i++;
    }
  }
  for (const flags of ['u', '']) {
    try {
      return { ok: true, regex: new RegExp(pattern, flags) };
    } catch (e) {
      if (flags === '')
        return no(`it is not a valid regular expression (${e instanceof Error ? e.message : 'syntax error'})`);
    }
  }
  return no('it is not a valid regular expression');
}

/** Finds the indexes of the lines `regex` matches, or 'timeout' when `timeoutMs` ran out first. */
export type LineMatcher = (lines: readonly string[], timeoutMs: number) => number[] | 'timeout';

const MATCH_SCRIPT = new Script(
  '(() => { const hits = []; for (let i = 0; i < lines.length; i++) { if (re.test(lines[i])) hits.push(i); } return hits; })()',
);

/** A matcher for one regex, bounded in time by `node:vm` (see layer 2 above). */
export function createLineMatcher(regex: RegExp): LineMatcher {
  const sandbox: { re: RegExp; lines: readonly string[] } = { re: new RegExp(regex.source, regex.flags), lines: [] };
  const context = createContext(sandbox);
  return (lines, timeoutMs) => {
    sandbox.lines = lines;
    try {
      const hits: unknown = MATCH_SCRIPT.runInContext(context, { timeout: Math.max(1, Math.floor(timeoutMs)) });
      return Array.isArray(hits) ? Array.from(hits as unknown[]).filter((n): n is number => typeof n === 'number') : [];
    } catch (e) {
      if (typeof e === 'object' && e !== null && 'code' in e && e.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        return 'timeout';
      }
      throw e;
    } finally {
      sandbox.lines = [];
    }
  };
}
