/**
 * Reading a config for grading (`hector doctor`) rather than for running: the validated Config AND what the
 * file itself says — the plain YAML tree and the raw text of every `${…}` value — without needing the
 * deployment's environment.
 *
 * Security contract: an unset (or empty) `${NAME}` without a default does not stop the inspection; it is replaced
 * by a placeholder value (the first of PLACEHOLDER_VALUES that the field accepts) and reported in `placeholders`,
 * so CI can grade a production config without production secrets. A placeholder is never a real secret. Every
 * other problem is the same ConfigError `loadConfigFile` raises. The Config returned here must NOT be used to run
 * anything: it may hold placeholders.
 */
import { dirname, resolve } from 'node:path';
import { ConfigError, type ConfigIssue } from '../shared/index.ts';
import { loadEnvironment, processEnvironment } from './environment.ts';
import { readConfigFile } from './load-config.ts';
import { type ParseConfigOptions, type ParsedConfig, parseConfigText } from './parse-config.ts';
import { envLookup } from './substitute.ts';
import { readYaml } from './yaml-tree.ts';

/** Tried in order for an unset variable until the field that references it accepts one. */
export const PLACEHOLDER_VALUES: readonly string[] = [
  'hector-doctor-placeholder',
  'https://placeholder.invalid/',
  '1',
  'true',
  '30s',
  '127.0.0.1/32',
];

/** `${NAME}` without a default (the `$${` escape excluded). */
const PLAIN_REFERENCE = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface InspectedConfig extends ParsedConfig {
  /** Absolute path of the file. */
  readonly path: string;
  /** The YAML document as plain values, `${VAR}` substituted (with placeholders for unset variables). */
  readonly document: unknown;
  /** Dotted path (`server.auth.api_keys.0`) → raw text, for every string value that holds a `${…}`. */
  readonly references: ReadonlyMap<string, string>;
  /** Names of the unset or empty variables that were replaced by placeholders, sorted. */
  readonly placeholders: readonly string[];
}

export interface InspectConfigOptions {
  /** Directory a relative `path` and the first `.env` are resolved in (default: process.cwd()). */
  cwd?: string;
  /** The process environment to use (default: processEnvironment()). `.env` files are still read. */
  env?: Readonly<Record<string, string | undefined>>;
}

function namesIn(raw: string): string[] {
  return [...raw.matchAll(PLAIN_REFERENCE)].map((m) => m[1]!);
}

/**
 * Reads and validates `path` like loadConfigFile, with placeholders for unset variables (see inspectConfigText).
 * Throws ConfigError for an unreadable file or an invalid document.
 */
export async function inspectConfigFile(path: string, options: InspectConfigOptions = {}): Promise<InspectedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const { file, text } = await readConfigFile(path, cwd);
  const baseDir = dirname(file);
  const env = loadEnvironment({ cwd, configDir: baseDir, processEnv: options.env ?? processEnvironment() });
  return Object.freeze({ ...inspectConfigText(text, { baseDir, env, source: path }), path: file });
}

/**
 * Parses and validates a config document like parseConfigText, except that an unset or empty `${NAME}` (without
 * a default) is replaced by a placeholder (see the file comment). Throws the ConfigError parseConfigText raises;
 * when a field rejected every placeholder, the error also says which variables were graded with placeholders.
 */
export function inspectConfigText(text: string, options: ParseConfigOptions): Omit<InspectedConfig, 'path'> {
  const { env } = options;
  const source = options.source ?? 'config';
  const lookup = envLookup(env);
  const first = readYaml(text, lookup);
  const missing = new Set<string>();
  const pathsOf = new Map<string, string[]>();
  for (const [at, raw] of first.references) {
    const names = namesIn(raw).filter((n) => !lookup(n));
    for (const n of names) missing.add(n);
    if (names.length > 0) pathsOf.set(at, names);
  }
  const choice = new Map<string, number>([...missing].map((n) => [n, 0]));
  const withPlaceholders = (): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
    for (const [n, i] of choice) out[n] = PLACEHOLDER_VALUES[i]!;
    return out;
  };

  for (;;) {
    const substituted = withPlaceholders();
    try {
      const parsed = parseConfigText(text, { ...options, env: substituted });
      const tree = readYaml(text, envLookup(substituted));
      return Object.freeze({
        ...parsed,
        document: tree.value,
        references: tree.references,
        placeholders: Object.freeze([...missing].sort()),
      });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const refused = placeholderNames(err.issues, pathsOf);
      const next = [...refused].filter((n) => choice.get(n)! + 1 < PLACEHOLDER_VALUES.length);
      if (refused.size === 0 || next.length === 0) throw explained(err, refused, source);
      for (const n of next) choice.set(n, choice.get(n)! + 1);
    }
  }
}

/** Variables whose placeholder sits at (or above) the path of an issue. */
function placeholderNames(issues: readonly ConfigIssue[], pathsOf: ReadonlyMap<string, string[]>): Set<string> {
  const out = new Set<string>();
  for (const issue of issues) {
    if (/^(?:unknown|unsupported) key /.test(issue.message)) continue; // about the key, not its value
    for (const [at, names] of pathsOf) {
      if (issue.path === at || issue.path.startsWith(`${at}.`)) for (const n of names) out.add(n);
    }
  }
  return out;
}

/** The error, plus a note naming the unset variables whose placeholders a field refused (if any). */
function explained(err: ConfigError, refused: ReadonlySet<string>, source: string): ConfigError {
  if (refused.size === 0) return err;
  const note: ConfigIssue = {
    path: '',
    message: `not set, and no placeholder value fits where they are used: ${[...refused].sort().join(', ')}`,
    hint: `set them, or give each reference a default: ${'$'}{NAME:-default}`,
  };
  return new ConfigError([...err.issues, note], { source, cause: err });
}
