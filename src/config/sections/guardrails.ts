/**
 * `guardrails:` — name → policy, assigned to agents with `agents.<a>.guardrails: <name>`. A policy has
 * `input` checks (the user's message, and tool results before they reach the model), `output` checks (every
 * text the model produces, streamed or not) and `tool` checks (authorization of calls, what to do with a
 * flagged tool result). A check block is on when present unless it says `enabled: false`.
 *
 * Every regular expression and glob is compiled here, so a bad one is a config error with its path, never a
 * silently inert rule (see shared/user-pattern.ts for what is refused and why).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { compileUserPattern, isPlainObject, TOOL_PATTERN } from '../../shared/index.ts';
import { suggestion } from '../did-you-mean.ts';
import { boolean, decimal, duration, HEADER_NAME, httpUrl, integer, nameKey, text } from '../fields.ts';
import { quote, type RawIssue } from '../issue.ts';

export const GUARDRAIL_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const REDACT_MODES = ['mask', 'remove', 'hash'] as const;
export const MIN_HASH_KEY_LENGTH = 32;
const SECRET_REF = '$' + '{HECTOR_PII_HASH_KEY}';
const VAR_REF = '$' + '{VAR}';

const regex = text()
  .max(2000)
  .superRefine((source, ctx) => {
    try {
      compileUserPattern(source);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });
const patterns = (what: string) => z.array(regex).max(500).prefault([]).describe(what);
const severity = (fallback: (typeof GUARDRAIL_SEVERITIES)[number]) =>
  z.enum(GUARDRAIL_SEVERITIES).prefault(fallback).describe('reported in audit events');
const blockOrWarn = z
  .enum(['block', 'warn'])
  .prefault('block')
  .describe('block: refuse the text; warn: only report it');
const enabled = boolean().prefault(true).describe('false turns this check off');
const chainMode = z
  .enum(['fail_fast', 'collect_all'])
  .prefault('fail_fast')
  .describe('fail_fast: stop at the first blocking finding; collect_all: run every check and report all findings');

const lengthSchema = (minDefault: number) =>
  z
    .strictObject({
      enabled,
      min_length: integer(0, 10_000_000)
        .prefault(minDefault)
        .describe('fewer characters (after trimming) is a finding'),
      max_length: integer(1, 10_000_000).prefault(100_000).describe('more characters is a finding'),
      action: blockOrWarn,
      severity: severity('medium'),
    })
    .describe('text length limits');

const injectionSchema = z
  .strictObject({
    enabled,
    patterns: z
      .array(
        regex.refine(
          (source) => !/[A-Z]/.test(source.replace(/\\./g, '')),
          'write it in lower case: injection patterns are matched on normalized, lower-cased text',
        ),
      )
      .max(500)
      .prefault([])
      .describe('extra regular expressions (lower case) that mark an injection, added to the built-in rules'),
    threshold: decimal(0.01, 1).prefault(0.5).describe('score (0–1) at which a text counts as an injection'),
    action: blockOrWarn,
    severity: severity('high'),
  })
  .describe('prompt-injection detection (also applied to tool results)');

const sanitizerSchema = z
  .strictObject({
    enabled,
    trim_whitespace: boolean().prefault(true).describe('trim the text and collapse runs of blank lines'),
    normalize_unicode: boolean().prefault(true).describe('NFKC and remove zero-width / bidi control characters'),
    strip_html: boolean().prefault(false).describe('remove HTML tags, comments, scripts and styles'),
    max_length: integer(1, 10_000_000).optional().describe('cut the text to this many characters'),
  })
  .describe('rewrites the text the model sees');

const patternSchema = z
  .strictObject({
    enabled,
    blocked_patterns: patterns('regular expressions that must not match'),
    action: blockOrWarn,
    severity: severity('medium'),
  })
  .describe('blocked regular expressions');

const customPii = z.strictObject({
  name: text().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'must be a name such as employee_id (letters, digits, _)'),
  pattern: regex,
});

const piiSchema = z
  .strictObject({
    enabled,
    detect_email: boolean().prefault(true),
    detect_phone: boolean().prefault(true).describe('international (+…) and common national formats'),
    detect_ssn: boolean().prefault(true).describe('US social security numbers'),
    detect_credit_card: boolean().prefault(true).describe('payment card numbers (Luhn-checked)'),
    detect_iban: boolean().prefault(true).describe('IBANs (mod-97 checked)'),
    detect_ip: boolean().prefault(false).describe('IPv4 and IPv6 addresses'),
    detect_secrets: boolean()
      .prefault(true)
      .describe('API keys and tokens (OpenAI, Anthropic, GitHub, AWS, Slack, Google, Stripe), JWTs, private keys'),
    custom_patterns: z.array(customPii).max(100).prefault([]).describe('extra patterns, redacted as [NAME REDACTED]'),
    redact_mode: z
      .enum(REDACT_MODES)
      .prefault('mask')
      .describe('mask: [EMAIL REDACTED]; remove: deleted; hash: [EMAIL <keyed hash>] (needs hash_key)'),
    hash_key: text()
      .optional()
      .describe(`HMAC key for redact_mode: hash, at least ${MIN_HASH_KEY_LENGTH} characters; use ${SECRET_REF}`),
    action: z
      .enum(['modify', 'block', 'warn'])
      .prefault('modify')
      .describe('modify: redact; block: refuse the text; warn: only report it'),
    severity: severity('medium'),
  })
  .superRefine((pii, ctx) => {
    if (pii.redact_mode === 'hash' && pii.hash_key === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['hash_key'],
        message: 'required when redact_mode is hash',
      });
    } else if (pii.hash_key !== undefined && pii.hash_key.length < MIN_HASH_KEY_LENGTH) {
      ctx.addIssue({
        code: 'custom',
        path: ['hash_key'],
        message: `must be at least ${MIN_HASH_KEY_LENGTH} characters (a short key can be brute-forced)`,
      });
    }
  })
  .describe('PII and secret detection');

/** Headers the moderation request sets itself or that HTTP forbids a client to choose. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-authorization',
  'proxy-connection',
]);

/** `10.0.0.0/8`, `127.0.0.1/32`, `fd00::/8`: an IP address and a prefix length that fits it. */
function validCidr(text: string): boolean {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return false;
  const family = isIP(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  return family !== 0 && /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

const moderationSchema = z
  .strictObject({
    url: httpUrl().describe('POST {"input": text} here; the answer says {"flagged": bool} (or is OpenAI-shaped)'),
    headers: z
      .record(z.string().regex(HEADER_NAME, 'must be a header name'), z.string().max(8192))
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          if (RESERVED_HEADERS.has(name.toLowerCase())) {
            ctx.addIssue({ code: 'custom', path: [name], message: 'is set by Hector or by HTTP itself; remove it' });
          }
        }
      })
      .prefault({})
      .describe(`headers sent with every request (use ${VAR_REF} for API keys)`),
    timeout: duration(100, 60_000).prefault('5s').describe('a call that takes longer counts as an error'),
    on_error: z
      .enum(['block', 'allow'])
      .prefault('block')
      .describe('when the service fails or times out: block (default) or allow'),
    allowed_ranges: z
      .array(text().refine(validCidr, 'must be a CIDR such as 127.0.0.1/32 or fd00::/8'))
      .prefault([])
      .describe('private/loopback ranges the service may be in (a service on localhost needs 127.0.0.1/32)'),
  })
  .describe('an external moderation service');

const contentSchema = z
  .strictObject({
    enabled,
    blocked_keywords: z
      .array(text().max(200))
      .max(5000)
      .prefault([])
      .describe('words or phrases (whole words; case, spacing, leetspeak and look-alike letters do not evade them)'),
    blocked_patterns: patterns('regular expressions that must not match'),
    moderation: moderationSchema.optional(),
    action: blockOrWarn,
    severity: severity('high'),
  })
  .describe('content moderation');

const toolGlob = text().regex(TOOL_PATTERN, 'must be a tool name or a glob such as read_*');

export const guardrailSchema = z
  .strictObject({
    input: z
      .strictObject({
        chain_mode: chainMode,
        length: lengthSchema(1).optional(),
        sanitizer: sanitizerSchema.optional(),
        injection: injectionSchema.optional(),
        pattern: patternSchema.optional(),
        pii: piiSchema.optional(),
        content: contentSchema.optional(),
      })
      .optional()
      .describe("checks on the user's message and on tool results before they reach the model"),
    output: z
      .strictObject({
        chain_mode: chainMode,
        length: lengthSchema(0).optional(),
        pattern: patternSchema.optional(),
        pii: piiSchema.optional(),
        content: contentSchema.optional(),
      })
      .optional()
      .describe('checks on everything the model writes, streamed or not'),
    tool: z
      .strictObject({
        authorization: z
          .strictObject({
            enabled,
            allowed_tools: z.array(toolGlob).optional().describe('only matching tools may be called (default: all)'),
            blocked_tools: z.array(toolGlob).prefault([]).describe('matching tools are never called (wins)'),
          })
          .optional()
          .describe('glob allow/block lists checked before every tool call, before approval is asked'),
        results: z
          .strictObject({
            enabled,
            action: z
              .enum(['block', 'wrap', 'warn'])
              .prefault('block')
              .describe(
                'a tool result the input checks flag: block (the model gets a notice), wrap (marked untrusted), warn',
              ),
          })
          .optional()
          .describe('input checks on tool results (on by default when the policy has input checks)'),
      })
      .optional(),
  })
  .describe('a guardrail policy');

/** A policy as validated (defaults applied); build-config drops the blocks with `enabled: false`. */
export type GuardrailConfig = z.output<typeof guardrailSchema>;

export const guardrailsSchema = z
  .record(nameKey(), guardrailSchema)
  .prefault({})
  .describe('guardrail policies by name');

/** `agents.<a>.guardrails` names a defined policy. */
export function checkGuardrailRefs(root: Record<string, unknown>, issues: RawIssue[]): void {
  const agents = root.agents;
  if (!isPlainObject(agents)) return;
  const defined = isPlainObject(root.guardrails) ? root.guardrails : {};
  const names = Object.keys(defined);
  for (const [name, agent] of Object.entries(agents)) {
    if (!isPlainObject(agent) || typeof agent.guardrails !== 'string' || agent.guardrails === '') continue;
    if (Object.hasOwn(defined, agent.guardrails)) continue;
    issues.push({
      path: ['agents', name, 'guardrails'],
      message: `unknown guardrail policy ${quote(agent.guardrails)}`,
      hint:
        suggestion(agent.guardrails, names, 'defined policies') ??
        'define it under guardrails: (for example guardrails: {strict: {input: {injection: {}}}})',
    });
  }
}
