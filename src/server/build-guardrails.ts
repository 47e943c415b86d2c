import type { Config, GuardrailConfig } from '../config/index.ts';
import {
  type ContentOptions,
  createGuardrails,
  type Guardrails,
  type GuardrailsOptions,
  type PiiKind,
  type PiiOptions,
} from '../guardrails/index.ts';
import { ConfigError } from '../shared/index.ts';
import { createModerationHook } from './moderation.ts';

type Pii = NonNullable<NonNullable<GuardrailConfig['output']>['pii']>;
type Content = NonNullable<NonNullable<GuardrailConfig['output']>['content']>;

const PII_FLAGS: readonly [keyof Pii, PiiKind][] = [
  ['detect_email', 'email'],
  ['detect_phone', 'phone'],
  ['detect_ssn', 'ssn'],
  ['detect_credit_card', 'credit_card'],
  ['detect_iban', 'iban'],
  ['detect_ip', 'ip'],
  ['detect_secrets', 'secret'],
];

function piiOptions(p: Pii): PiiOptions {
  return {
    kinds: PII_FLAGS.filter(([flag]) => p[flag] === true).map(([, kind]) => kind),
    custom: p.custom_patterns,
    mode: p.redact_mode,
    action: p.action,
    severity: p.severity,
    ...(p.hash_key === undefined ? {} : { hashKey: p.hash_key }),
  };
}

/** `path` is the block's config path (for errors about its moderation service). */
function contentOptions(c: Content, path: string): ContentOptions {
  const m = c.moderation;
  return {
    keywords: c.blocked_keywords,
    patterns: c.blocked_patterns,
    action: c.action,
    severity: c.severity,
    ...(m
      ? {
          moderation: {
            onError: m.on_error,
            hook: createModerationHook({
              url: m.url,
              headers: m.headers,
              timeoutMs: m.timeout,
              allowedRanges: m.allowed_ranges,
              configPath: `${path}.moderation`,
            }),
          },
        }
      : {}),
  };
}

type Length = NonNullable<NonNullable<GuardrailConfig['input']>['length']>;
type Pattern = NonNullable<NonNullable<GuardrailConfig['input']>['pattern']>;

function patternOptions(p: Pattern) {
  return { patterns: p.blocked_patterns, action: p.action, severity: p.severity };
}

function lengthOptions(l: Length) {
  return { minLength: l.min_length, maxLength: l.max_length, action: l.action, severity: l.severity };
}

/** The GuardrailsOptions of one policy: config names mapped to the module's options. */
export function guardrailOptions(name: string, g: GuardrailConfig): GuardrailsOptions {
  const { input, output, tool } = g;
  return {
    name,
    ...(input
      ? {
          input: {
            chainMode: input.chain_mode,
            ...(input.length ? { length: lengthOptions(input.length) } : {}),
            ...(input.sanitizer
              ? {
                  sanitizer: {
                    trimWhitespace: input.sanitizer.trim_whitespace,
                    normalizeUnicode: input.sanitizer.normalize_unicode,
                    stripHtml: input.sanitizer.strip_html,
                    ...(input.sanitizer.max_length === undefined ? {} : { maxLength: input.sanitizer.max_length }),
                  },
                }
              : {}),
            ...(input.injection
              ? {
                  injection: {
                    patterns: input.injection.patterns,
                    threshold: input.injection.threshold,
                    action: input.injection.action,
                    severity: input.injection.severity,
                  },
                }
              : {}),
            ...(input.pattern ? { pattern: patternOptions(input.pattern) } : {}),
            ...(input.pii ? { pii: piiOptions(input.pii) } : {}),
            ...(input.content ? { content: contentOptions(input.content, `guardrails.${name}.input.content`) } : {}),
          },
        }
      : {}),
    ...(output
      ? {
          output: {
            chainMode: output.chain_mode,
            ...(output.length ? { length: lengthOptions(output.length) } : {}),
            ...(output.pattern ? { pattern: patternOptions(output.pattern) } : {}),
            ...(output.pii ? { pii: piiOptions(output.pii) } : {}),
            ...(output.content ? { content: contentOptions(output.content, `guardrails.${name}.output.content`) } : {}),
          },
        }
      : {}),
    ...(tool?.authorization || input
      ? {
          tool: {
            ...(tool?.authorization
              ? {
                  authorization: {
                    ...(tool.authorization.allowed_tools ? { allowed: tool.authorization.allowed_tools } : {}),
                    blocked: tool.authorization.blocked_tools,
                  },
                }
              : {}),
            ...(input && tool?.results?.enabled !== false
              ? { results: { action: tool?.results?.action ?? 'block' } }
              : {}),
          },
        }
      : {}),
  };
}

/**
 * One live policy per entry of `guardrails`. The config already compiled every pattern; a policy that still
 * fails to build is reported as a ConfigError naming it (nothing starts).
 */
export function buildGuardrails(config: Config): Map<string, Guardrails> {
  const built = new Map<string, Guardrails>();
  const issues: { path: string; message: string }[] = [];
  for (const [name, g] of Object.entries(config.guardrails)) {
    try {
      built.set(name, createGuardrails(guardrailOptions(name, g)));
    } catch (err) {
      if (err instanceof ConfigError) {
        issues.push(...err.issues);
        continue;
      }
      issues.push({ path: `guardrails.${name}`, message: (err as Error).message });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return built;
}
