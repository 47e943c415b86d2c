/**
 * Field builders shared by the section schemas. Each one is strict: a wrong type is an error, never coerced,
 * except that numbers and booleans also accept a string that is EXACTLY a decimal number / `true` / `false`
 * (so `port: ${PORT:-8080}`, which substitutes to the string "8080", works). "80x", "0x50", " 80", "1e3" and ""
 * are errors.
 */
import { z } from 'zod';
import { parseDuration } from '../shared/index.ts';
import { describeValue, quote } from './issue.ts';

/** An HTTP header name (RFC 9110 token), for `headers:` maps. */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/;

/** Names of llms, agents and tools: also used in URLs and as LLM function names. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const NAME_RULE = 'a name starts with a letter, then letters, digits, _ or -, at most 64 characters';

const INTEGER_TEXT = /^-?[0-9]+$/;
const DECIMAL_TEXT = /^-?[0-9]+(\.[0-9]+)?$/;
const DURATION_TEXT = /^[0-9]+(\.[0-9]+)?(ms|s|m|h)$/;

/** Keys of a name-keyed map (`llms`, `agents`, `tools`). */
export function nameKey() {
  return z.string().regex(NAME_PATTERN);
}

function rangeText(min: number, max: number): string {
  return `between ${min} and ${max}`;
}

/** An integer in [min, max]; also the exact decimal text of one. */
export function integer(min: number, max: number) {
  const bounded = z
    .int({ error: (iss) => `expected a whole number ${rangeText(min, max)}, got ${describeValue(iss.input)}` })
    .min(min, `must be ${rangeText(min, max)}`)
    .max(max, `must be ${rangeText(min, max)}`);
  const text = z
    .string()
    .regex(INTEGER_TEXT, { error: (iss) => `expected a whole number ${rangeText(min, max)}, got ${quote(iss.input)}` })
    .transform(Number)
    .pipe(bounded);
  return z.union([bounded, text]);
}

/** A finite number in [min, max]; also the exact decimal text of one (`0.5`, not `.5` or `5e-1`). */
export function decimal(min: number, max: number) {
  const bounded = z
    .number({ error: (iss) => `expected a number ${rangeText(min, max)}, got ${describeValue(iss.input)}` })
    .min(min, `must be ${rangeText(min, max)}`)
    .max(max, `must be ${rangeText(min, max)}`);
  const text = z
    .string()
    .regex(DECIMAL_TEXT, { error: (iss) => `expected a number ${rangeText(min, max)}, got ${quote(iss.input)}` })
    .transform(Number)
    .pipe(bounded);
  return z.union([bounded, text]);
}

/** `true` / `false`; also the exact strings "true" / "false" (not yes/no/on/off/1/0). */
export function boolean() {
  return z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
}

/** `ms` in the largest unit that divides it exactly: 0ms, 250ms, 2s, 5m, 24h. */
function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * A duration with a unit (`500ms`, `30s`, `5m`, `1h`), output in milliseconds. A bare number is refused: `60`
 * could mean seconds or milliseconds. `maxMs` keeps values within what timers support.
 */
export function duration(minMs: number, maxMs: number) {
  return z
    .string({ error: (iss) => `expected a duration such as "30s" or "500ms", got ${describeValue(iss.input)}` })
    .regex(DURATION_TEXT, {
      error: (iss) => `expected a duration such as "30s" or "500ms" (units ms, s, m, h), got ${quote(iss.input)}`,
    })
    .transform((text, ctx) => {
      const ms = parseDuration(text) ?? Number.NaN;
      if (!(ms >= minMs && ms <= maxMs)) {
        ctx.addIssue({
          code: 'custom',
          message: `must be between ${formatDuration(minMs)} and ${formatDuration(maxMs)}`,
          input: text,
        });
        return z.NEVER;
      }
      return ms;
    });
}

function parseHttpUrl(text: string): URL | undefined {
  if (!/^https?:\/\//i.test(text)) return undefined;
  return URL.canParse(text) ? new URL(text) : undefined;
}

/** An absolute http:// or https:// URL, kept verbatim. */
export function httpUrl() {
  return z
    .string()
    .regex(/^https?:\/\//i, { error: 'must be an http:// or https:// URL', abort: true })
    .refine((s) => parseHttpUrl(s) !== undefined, 'is not a valid URL')
    .meta({ format: 'uri' });
}

/**
 * A URL that is PUBLISHED (agent cards): http(s), and no credentials, query or fragment (agent paths are
 * appended to it, and user:password@ would be handed to every client).
 */
export function publicUrl() {
  return httpUrl().superRefine((s, ctx) => {
    const url = parseHttpUrl(s);
    if (!url) return;
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not contain credentials (user:password@); it is published' });
    }
    if (url.search || url.hash || s.includes('?') || s.includes('#')) {
      ctx.addIssue({ code: 'custom', message: 'must not contain a query (?…) or fragment (#…)' });
    }
  });
}

/** A non-empty string. */
export function text() {
  return z.string().min(1, { error: 'must not be empty', abort: true });
}
