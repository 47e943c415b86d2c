/**
 * Prompt-injection detection by weighted rules over normalized text (see normalize.ts): instruction
 * overrides, role-play and persona switches, fake system / developer turns, chat-template and delimiter
 * tricks, prompt exfiltration, instructions aimed at an AI inside documents (indirect injection), and the
 * same in other languages. Encoded payloads (base64, hex, percent, entities) are decoded one level and
 * checked too; zero-width characters, homoglyphs, fullwidth forms, leetspeak and s p a c i n g are folded
 * away first.
 *
 * The score is 1 − Π(1 − wᵢ) over the rules that match (each rule counts once). It is a heuristic: it catches
 * the known shapes of attacks; a novel paraphrase can pass, which is why tool policies, approval and the
 * sandbox stay the real boundary.
 */
import { INJECTION_RULES, type InjectionRule, NON_LATIN } from './injection-rules.ts';
import { decodeHidden, foldConfusables, hasInvisible, INVISIBLE, normalizeText, TAG_RUN } from './normalize.ts';
import { indexRules } from './rule-triggers.ts';

export type { InjectionRule };

export interface InjectionResult {
  /** 0 (nothing found) to 1. */
  readonly score: number;
  /** The matched rule with the highest weight (undefined when nothing matched). */
  readonly rule: string | undefined;
  readonly rules: readonly string[];
}

/**
 * Talk ABOUT attacks: a security question, an article, a test description. A rule that matches only inside
 * quotation marks, or as reported speech (`by asking it to …`), in such a text counts a quarter: quoting
 * "ignore previous instructions" to ask how to defend against it is not an attack. An attacker can use the
 * same framing, which then costs them most of the score of a single rule — several rules still add up.
 */
const DISCUSSION =
  /\b(?:prompt[- ]injections?|injection attacks?|jailbreaks?|jailbreaking|attacks?|attackers?|detectors?|classifiers?|heuristics?|red[- ]team(?:ing)?|security|defend|defen[cs]e|mitigat\w*|phrases? (?:like|such as)|examples? of|style attacks?|considered|what is|what are|why (?:is|are|do|does)|how (?:do|can|should) (?:i|we)|explain|incident|researchers?|paper|test cases?|flag(?:s|ged)?|instruction[- ]hierarchy|hold up against|guard against|protect against|robust(?:ness)? against|history of)\b/i;
const QUOTED = /"[^"\n]{1,400}"|“[^”\n]{1,400}”|«[^»\n]{1,400}»|„[^“”\n]{1,400}[“”]|`[^`\n]{1,400}`|'[^'\n]{12,400}'/g;
const REPORTED =
  /\b(?:(?:asking|asked|ask|telling|told|instructing|instructed|getting|got|tricking|tricked|making|made|convincing|convinced)\s+(?:it|the (?:model|bot|ai|assistant|chatbot|llm)|them|chatgpt|the system)\s+to|(?:that|which|who)\s+(?:claims?|says?|pretends?|asserts?)(?:\s+to)?(?:\s+(?:have|carry|be))?)\s*"?\s*$/i;
const DAMPENED = 0.25;

/** Quoted spans, except JSON/YAML values (`"content": "…"`): those are data, not a quotation. */
function quotedSpans(text: string): [number, number][] {
  return [...text.matchAll(QUOTED)]
    .filter((m) => !/[:=]\s*$/.test(text.slice(Math.max(0, m.index - 3), m.index)))
    .map((m) => [m.index, m.index + m[0].length]);
}

/** Zero-width characters inside a word: a common way to smuggle a phrase past keyword filters. */
const INVISIBLE_RULE = 'encoded.invisible_characters';
const INVISIBLE_WEIGHT = 0.25;
/** Invisible ASCII (Unicode tag characters) has no use in a message but smuggling text past a human reader. */
const TAG_RULE = 'encoded.tag_characters';
const TAG_WEIGHT = 0.7;
/** Rules matched only in decoded payloads add this rule too: a hidden instruction is worse than a plain one. */
const DECODED_RULE = 'encoded.hidden_payload';
const DECODED_WEIGHT = 0.5;

const BUILT_IN_INDEX = indexRules(INJECTION_RULES);
const WORD = /[a-z]+/g;

/** The weight each matched rule contributes in this text variant (dampened for quoted or reported matches). */
function matchRules(rules: readonly InjectionRule[], normalized: string, matched: Map<string, number>): void {
  const folded = foldConfusables(normalized);
  const discussion = DISCUSSION.test(normalized);
  const quoted = discussion ? { any: quotedSpans(normalized), latin: quotedSpans(folded) } : undefined;
  const nonLatin = NON_LATIN.test(normalized);
  const tokens = new Set([
    ...(folded.match(WORD) ?? []),
    ...(folded === normalized ? [] : (normalized.match(WORD) ?? [])),
  ]);
  const candidates = BUILT_IN_INDEX.candidates(tokens);
  for (const rule of rules) {
    if (rule.nonLatin && !nonLatin) continue;
    if (!candidates.has(rule) && !rule.id.startsWith('custom.')) continue;
    const text = rule.on === 'latin' ? folded : normalized;
    const m = rule.regex.exec(text);
    if (!m) continue;
    let weight = rule.weight;
    if (quoted) {
      const inQuotes = quoted[rule.on].some(([s, e]) => m.index >= s && m.index < e);
      if (inQuotes || REPORTED.test(text.slice(Math.max(0, m.index - 48), m.index))) weight *= DAMPENED;
    }
    if (weight > (matched.get(rule.id) ?? 0)) matched.set(rule.id, weight);
  }
}

/**
 * Scores `text` against the built-in rules plus `extra` (custom patterns, weight 0.9 each). Pure and
 * synchronous; cost grows linearly with the text (the rules are bounded and anchored on words).
 */
export function detectInjection(text: string, extra: readonly InjectionRule[] = []): InjectionResult {
  const rules = extra.length > 0 ? [...INJECTION_RULES, ...extra] : INJECTION_RULES;
  const matched = new Map<string, number>();
  matchRules(rules, normalizeText(text), matched);
  // An invisible character or `%20` used as the SPACE between words: the same text with them as spaces.
  for (const spaced of separatorVariants(text)) matchRules(rules, normalizeText(spaced), matched);
  const plain = new Map(matched);
  for (const decoded of decodeHidden(text)) matchRules(rules, normalizeText(decoded), matched);
  const weights = [...matched];
  if ([...matched.keys()].some((id) => !plain.has(id))) weights.push([DECODED_RULE, DECODED_WEIGHT]);
  if (matched.size > 0 && hasInvisible(text)) weights.push([INVISIBLE_RULE, INVISIBLE_WEIGHT]);
  TAG_RUN.lastIndex = 0;
  if (TAG_RUN.test(text)) weights.push([TAG_RULE, TAG_WEIGHT]);
  if (weights.length === 0) return { score: 0, rule: undefined, rules: [] };
  let keep = 1;
  let top = weights[0]!;
  for (const w of weights) {
    keep *= 1 - w[1];
    if (w[1] > top[1]) top = w;
  }
  return { score: Math.round((1 - keep) * 1000) / 1000, rule: top[0], rules: weights.map((w) => w[0]) };
}

/** Variants of `text` with the spaces between words put back where an attacker swapped them for something else. */
function separatorVariants(text: string): string[] {
  const out: string[] = [];
  if (hasInvisible(text)) out.push(text.replace(INVISIBLE, ' '));
  // Not `_`: snake_case identifiers in code would read as prose.
  if (/%20.*%20/i.test(text)) out.push(text.replace(/%20/gi, ' '));
  return out;
}

/** A custom injection pattern (`injection.patterns`), matched on the confusable-folded text. */
export function customInjectionRule(index: number, regex: RegExp): InjectionRule {
  return { id: `custom.${index}`, weight: 0.9, regex, on: 'latin' };
}
