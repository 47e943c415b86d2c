/**
 * The checks a guardrail policy runs, compiled once from its options. Each check looks at one text and
 * reports a Violation (or nothing); the ones that change text (sanitizer, PII redaction) return the new text.
 */
import { type CompiledPattern, compileUserPattern } from '../shared/index.ts';
import { findPattern, keywordMatcher } from './content.ts';
import { customInjectionRule, detectInjection, type InjectionRule } from './injection.ts';
import { findPii, type NamedPattern, type Span } from './pii.ts';
import { createRedactor, type Redactor } from './redact.ts';
import type {
  ContentOptions,
  InjectionOptions,
  LengthOptions,
  PatternOptions,
  PiiOptions,
  Severity,
  Stage,
  Violation,
  ViolationAction,
} from './types.ts';

type Finding = Omit<Violation, 'guardrail' | 'stage'>;

function compileAll(patterns: readonly string[], key: string, flags: string): CompiledPattern[] {
  return patterns.map((p, i) => {
    try {
      return compileUserPattern(p, flags);
    } catch (err) {
      throw new Error(`${key}[${i}] ${JSON.stringify(p)}: ${(err as Error).message}`);
    }
  });
}

export function lengthFinding(text: string, o: LengthOptions, final = true): Finding | undefined {
  const rule = text.length > o.maxLength ? 'max_length' : final && text.trim().length < o.minLength ? 'min_length' : '';
  return rule ? { check: 'length', rule, severity: o.severity, action: o.action } : undefined;
}

export interface CompiledInjection {
  readonly options: InjectionOptions;
  readonly rules: readonly InjectionRule[];
}

/**
 * Injection patterns run on the normalized, lower-cased text (like the built-in rules), compiled without the
 * `i` flag so V8's linear-time fallback covers them; one with an upper-case letter could never match.
 */
export function compileInjection(o: InjectionOptions, key: string): CompiledInjection {
  o.patterns.forEach((p, i) => {
    if (/[A-Z]/.test(p.replace(/\\./g, ''))) {
      throw new Error(
        `${key}.patterns[${i}] ${JSON.stringify(p)}: write it in lower case (it is matched on lower-cased, normalized text)`,
      );
    }
  });
  const rules = compileAll(o.patterns, `${key}.patterns`, '').map((p, i) => customInjectionRule(i, p.regex));
  return { options: o, rules };
}

export function injectionFinding(text: string, c: CompiledInjection): Finding | undefined {
  const result = detectInjection(text, c.rules);
  if (result.score < c.options.threshold || result.rule === undefined) return undefined;
  return {
    check: 'injection',
    rule: result.rule,
    severity: c.options.severity,
    action: c.options.action,
    score: result.score,
  };
}

export interface CompiledPatterns {
  readonly options: PatternOptions;
  readonly patterns: readonly CompiledPattern[];
}

export function compilePatterns(o: PatternOptions, key: string): CompiledPatterns {
  return { options: o, patterns: compileAll(o.patterns, `${key}.blocked_patterns`, '') };
}

export function patternFinding(text: string, c: CompiledPatterns): Finding | undefined {
  const hit = findPattern(c.patterns, text);
  if (!hit) return undefined;
  const index = c.patterns.indexOf(hit);
  return {
    check: 'pattern',
    rule: `blocked_patterns[${index}]`,
    severity: c.options.severity,
    action: c.options.action,
  };
}

export interface CompiledContent {
  readonly options: ContentOptions;
  readonly patterns: readonly CompiledPattern[];
  readonly keywords: ReturnType<typeof keywordMatcher>;
  /** The longest text a keyword or pattern match spans (for the streaming holdback). */
  readonly maxMatch: number;
}

export function compileContent(o: ContentOptions, key: string): CompiledContent {
  const patterns = compileAll(o.patterns, `${key}.blocked_patterns`, '');
  const longestKeyword = Math.max(0, ...o.keywords.map((k) => k.length));
  return {
    options: o,
    patterns,
    keywords: keywordMatcher(o.keywords),
    maxMatch: Math.max(longestKeyword * 3 + 8, ...patterns.map((p) => p.maxLength)),
  };
}

export function contentFinding(text: string, c: CompiledContent): Finding | undefined {
  const keyword = c.keywords.find(text);
  const { severity, action } = c.options;
  if (keyword !== undefined) {
    return { check: 'content', rule: `blocked_keywords[${c.options.keywords.indexOf(keyword)}]`, severity, action };
  }
  const hit = findPattern(c.patterns, text);
  if (hit) return { check: 'content', rule: `blocked_patterns[${c.patterns.indexOf(hit)}]`, severity, action };
  return undefined;
}

export interface CompiledPii {
  readonly options: PiiOptions;
  readonly custom: readonly NamedPattern[];
  readonly redactor: Redactor;
  /** The longest custom-pattern match (built-in kinds are held back by their own rule, see stream.ts). */
  readonly maxMatch: number;
  /** Whether any built-in kind is on. */
  readonly builtin: boolean;
}

export function compilePii(o: PiiOptions, key: string): CompiledPii {
  const custom = o.custom.map((c, i) => {
    try {
      const compiled = compileUserPattern(c.pattern, 'g');
      return { name: c.name, regex: compiled.regex, maxLength: compiled.maxLength };
    } catch (err) {
      throw new Error(`${key}.custom_patterns[${i}].pattern: ${(err as Error).message}`);
    }
  });
  let redactor: Redactor;
  try {
    redactor = createRedactor(o.mode, o.hashKey);
  } catch (err) {
    throw new Error(`${key}.redact_mode: ${(err as Error).message}`);
  }
  return {
    options: o,
    custom,
    redactor,
    maxMatch: Math.max(0, ...custom.map((c) => c.maxLength)),
    builtin: o.kinds.length > 0,
  };
}

export function piiSpans(text: string, c: CompiledPii): Span[] {
  return findPii(text, c.options.kinds, c.custom);
}

/** The finding for `spans` (kinds and count, never values), or undefined when there are none. */
export function piiFinding(spans: readonly Span[], c: CompiledPii): Finding | undefined {
  if (spans.length === 0) return undefined;
  const kinds = [...new Set(spans.map((s) => s.kind))].sort();
  const action: ViolationAction = c.options.action;
  return { check: 'pii', rule: kinds.join(','), severity: c.options.severity, action, kinds, count: spans.length };
}

export function violation(guardrail: string, stage: Stage, finding: Finding, tool?: string): Violation {
  return { guardrail, stage, ...finding, ...(tool === undefined ? {} : { tool }) };
}

/**
 * Asks the content block's moderation service about `text`: a flagged text is a finding with the block's
 * action; a failing service is a blocking `unavailable` finding, or nothing with `on_error: allow`.
 */
export async function moderationCheck(
  content: CompiledContent,
  text: string,
  stage: Stage,
  signal?: AbortSignal,
): Promise<Finding | undefined> {
  const moderation = content.options.moderation;
  if (!moderation) return undefined;
  const { severity, action } = content.options;
  try {
    const r = await moderation.hook(text, stage, signal);
    return r.flagged ? moderationFinding(r.categories, severity, action) : undefined;
  } catch {
    return moderation.onError === 'allow' ? undefined : moderationFinding(['unavailable'], severity, 'block');
  }
}

export function moderationFinding(
  categories: readonly string[],
  severity: Severity,
  action: 'block' | 'warn',
): Finding {
  return { check: 'moderation', rule: categories.length > 0 ? categories.join(',') : 'flagged', severity, action };
}
