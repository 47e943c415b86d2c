import { type DestinationStream, type Logger, pino } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type LogFormat = 'json' | 'text';

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /**
   * Values that must never appear in any log line (API keys, secrets resolved from `${VAR}`). Every line is
   * scrubbed just before it is written: each occurrence is replaced with `[redacted]`, wherever it appears
   * (messages, fields, error stacks). Values shorter than 4 characters are ignored (they would mangle output).
   */
  secrets: readonly string[] | SecretSet;
  /** Where lines go; defaults to stdout (or `file`). */
  destination?: DestinationStream;
  /** Append lines to this file (created with its directory, mode 0600) instead of stdout. */
  file?: string;
}

export type { Logger };

/** Header names and fields that are always removed from structured log objects. */
const REDACT_PATHS = [
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'api_key',
  '*.api_key',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'password',
  '*.password',
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Builds a function that replaces every listed secret (and its JSON-escaped form) in a string. */
export function isSecretSet(value: readonly string[] | SecretSet): value is SecretSet {
  return !Array.isArray(value);
}

/**
 * Values never treated as secrets: JSON literals and numbers (`true`, `null`, `1000`). They carry no secret, and
 * replacing them in a serialised line would break its JSON (`"success":[redacted]`).
 */
const NOT_SECRET = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)$/;

export function createScrubber(secrets: readonly string[]): (line: string) => string {
  const variants = new Set<string>();
  for (const s of secrets) {
    if (s.length < 4 || NOT_SECRET.test(s)) continue;
    variants.add(s);
    const jsonEscaped = JSON.stringify(s).slice(1, -1);
    variants.add(jsonEscaped);
  }
  if (variants.size === 0) return (line) => line;
  // Longest first so that a secret containing another is replaced whole.
  const pattern = new RegExp(
    [...variants]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  return (line) => line.replace(pattern, '[redacted]');
}

/**
 * The secrets a logger (and captured span content) must never show, growable while the server runs: an Admin API
 * app's config holds literal secrets (its API keys), known only once the app is created or loaded.
 */
export interface SecretSet {
  /** Adds values (shorter than 4 characters: ignored, as by createScrubber). */
  add(values: readonly string[]): void;
  scrub(text: string): string;
  /** A copy of a JSON value with every string scrubbed (keys and structure untouched). */
  scrubValue<T>(value: T): T;
}

function scrubDeep<T>(value: T, scrub: (text: string) => string): T {
  if (typeof value === 'string') return scrub(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, scrub)])) as T;
  }
  return value;
}

export function createSecretSet(initial: readonly string[] = []): SecretSet {
  const values = new Set<string>();
  let scrubber: (line: string) => string = (line) => line;
  const set: SecretSet = {
    add(more) {
      let changed = false;
      for (const v of more) {
        if (v.length >= 4 && !NOT_SECRET.test(v) && !values.has(v)) {
          values.add(v);
          changed = true;
        }
      }
      if (changed) scrubber = createScrubber([...values]);
    },
    scrub: (text) => scrubber(text),
    scrubValue: (value) => scrubDeep(value, (text) => scrubber(text)),
  };
  set.add(initial);
  return set;
}

/** U+0080–U+009F, U+2028 and U+2029 as `\\uXXXX` (valid inside a JSON string, inert in a terminal). */
function escapeInvisible(text: string): string {
  return text.replace(/[\u0080-\u009f\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function textLine(obj: Record<string, unknown>): string {
  const { time, level, msg, component, ...rest } = obj;
  const ts = typeof time === 'string' ? time : new Date(Number(time)).toISOString();
  const extras = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  // msg and component are printed as they are, so their control characters (a newline forging a line, ESC
  // driving a terminal) are written escaped; the fields are JSON, escaped already.
  const plain = (v: unknown) =>
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point (to escape them)
    String(v).replace(/[\u0000-\u001f\u007f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${ts} ${String(level).toUpperCase().padEnd(5)} ${component ? `[${plain(component)}] ` : ''}${plain(msg ?? '')}${extras}\n`;
}

/**
 * Creates the process logger. JSON lines carry `timestamp`, `level` (as a word) and whatever fields the caller
 * adds (`component`, `action`, …). The text format is for humans at a terminal and is derived from the same
 * JSON object, so it is scrubbed the same way.
 */
export function createLogger(options: LoggerOptions): Logger {
  const secrets = isSecretSet(options.secrets) ? options.secrets : createSecretSet(options.secrets);
  const scrub = (line: string) => secrets.scrub(line);
  const destination =
    options.destination ??
    (options.file === undefined
      ? pino.destination({ dest: 1, sync: false })
      : pino.destination({ dest: options.file, sync: false, append: true, mkdir: true, mode: 0o600 }));
  const format = options.format;
  return pino(
    {
      level: options.level,
      base: undefined,
      messageKey: 'msg',
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: {
        streamWrite: (line: string) => {
          // Line and paragraph separators and C1 controls (the one-byte CSI of terminals) are valid in JSON but
          // break lines or drive terminals: they are written escaped, in both formats.
          const clean = scrub(line);
          if (format === 'json') return escapeInvisible(clean);
          try {
            const obj = JSON.parse(clean) as Record<string, unknown>;
            const { timestamp, ...rest } = obj;
            return escapeInvisible(textLine({ time: timestamp, ...rest }));
          } catch {
            return escapeInvisible(clean);
          }
        },
      },
    },
    destination,
  );
}
