/**
 * A prefilter for the injection rules: most rules begin with `\b(?:word|word|…)`, so they can only match text
 * that has a word starting with one of those words. The words are read from each rule's source once; per text,
 * its words are looked up (by prefixes of two to five letters) and only rules that could match are run.
 *
 * Safe by construction: a rule whose source does not begin that way (an anchor, a symbol, a nested group, a
 * word shorter than two letters) gets no triggers and always runs. A match of `\b` + a literal word means the
 * text has a token (a run of a–z) starting with that word, and a token starting with it has the trigger as
 * one of its prefixes.
 */
import type { InjectionRule } from './injection-rules.ts';

const MAX_STEM = 5;

/**
 * Walks `source` from `from`, skipping escapes and character classes, calling `visit` with each structural
 * character and the group depth before it; stops when `visit` returns true and returns that index (or -1).
 */
function walk(source: string, from: number, visit: (c: string, i: number, depth: number) => boolean): number {
  let depth = 0;
  let inClass = false;
  for (let i = from; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    if (visit(c, i, depth)) return i;
    if (c === '(') depth++;
    else if (c === ')') depth--;
  }
  return -1;
}

/** The top-level alternatives of a group body or pattern (split on `|` outside parentheses and classes). */
function alternatives(source: string): string[] {
  const out: string[] = [];
  let start = 0;
  walk(source, 0, (c, i, depth) => {
    if (c === '|' && depth === 0) {
      out.push(source.slice(start, i));
      start = i + 1;
    }
    return false;
  });
  out.push(source.slice(start));
  return out;
}

/** The body of the group that starts at `open` (a `(`), or undefined when it is not closed. */
function groupBody(source: string, open: number): string | undefined {
  const close = walk(source, open, (c, _i, depth) => c === ')' && depth === 1);
  return close < 0 ? undefined : source.slice(open + 1, close);
}

/** The letters a literal certainly starts with: `words?` → `word`, `summari[sz]e` → `summari`. */
function certainPrefix(literal: string): string | undefined {
  const w = /^[a-z]+/.exec(literal)?.[0];
  if (!w) return undefined;
  const certain = /^[?*{]/.test(literal.slice(w.length)) ? w.slice(0, -1) : w;
  return certain.length >= 2 ? certain : undefined;
}

/** The leading words of one alternative, or undefined when it does not begin with `\b` and a word. */
function leadingWords(alt: string): string[] | undefined {
  if (!alt.startsWith('\\b')) return undefined;
  const rest = alt.slice(2);
  if (!rest.startsWith('(?:')) {
    const w = certainPrefix(rest);
    return w ? [w] : undefined;
  }
  const body = groupBody(rest, 0);
  if (body === undefined) return undefined;
  // An optional group (`(?:…)?`, `(?:…)*`, `(?:…){0,…}`) does not have to be there.
  if (/^[?*{]/.test(rest.slice(body.length + 2))) return undefined;
  const words: string[] = [];
  for (const inner of alternatives(body.slice(2))) {
    const w = certainPrefix(inner);
    if (!w) return undefined;
    words.push(w);
  }
  return words;
}

/** The triggers of a rule (stems of at most MAX_STEM letters), or undefined: always run it. */
export function ruleTriggers(rule: InjectionRule): string[] | undefined {
  const stems: string[] = [];
  for (const alt of alternatives(rule.regex.source)) {
    const words = leadingWords(alt);
    if (!words) return undefined;
    for (const w of words) stems.push(w.slice(0, MAX_STEM));
  }
  return stems;
}

export interface RuleIndex {
  /** The rules that may match a text whose words are `tokens` (plus the rules without triggers). */
  candidates(tokens: Iterable<string>): Set<InjectionRule>;
}

export function indexRules(rules: readonly InjectionRule[]): RuleIndex {
  const always: InjectionRule[] = [];
  const byStem = new Map<string, InjectionRule[]>();
  for (const rule of rules) {
    const stems = ruleTriggers(rule);
    if (!stems) {
      always.push(rule);
      continue;
    }
    for (const stem of new Set(stems)) {
      const list = byStem.get(stem);
      if (list) list.push(rule);
      else byStem.set(stem, [rule]);
    }
  }
  return {
    candidates(tokens) {
      const out = new Set(always);
      for (const token of tokens) {
        for (let k = 2; k <= Math.min(MAX_STEM, token.length); k++) {
          const hit = byStem.get(token.slice(0, k));
          if (hit) for (const r of hit) out.add(r);
        }
      }
      return out;
    },
  };
}
