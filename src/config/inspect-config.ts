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
 *
 * Security switches (see securitySwitch) set from the environment are graded at their UNSAFE value, whether the
 * variable is set, unset or has a `:-` default: doctor cannot see the deployment's environment, and a grade at
 * the safe value would pass a config that one changed variable makes unsafe. They are listed in `switches`.
 */
import { dirname, resolve } from 'node:path';
import { ConfigError, type ConfigIssue, isPlainObject } from '../shared/index.ts';
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

/** A value that is one whole reference, `${NAME}` or `${NAME:-default}`. */
const WHOLE_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}$/;

/** `${NAME}` without a default (the `$${` escape excluded). */
const PLAIN_REFERENCE = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface InspectedConfig extends ParsedConfig {
  /** Absolute path of the file. */
  readonly path: string;
  /**
   * The merged environment the file was read with (process env over the `.env` files), for the start-time checks
   * that read HECTOR_* settings (server/doctor-startup.ts). Never printed.
   */
  readonly env: Readonly<Record<string, string>>;
  /** The YAML document as plain values, `${VAR}` substituted (with placeholders for unset variables). */
  readonly document: unknown;
  /** Dotted path (`server.auth.api_keys.0`) → raw text, for every string value that holds a `${…}`. */
  readonly references: ReadonlyMap<string, string>;
  /** Names of the unset or empty variables that were replaced by placeholders, sorted. */
  readonly placeholders: readonly string[];
  /** Dotted path → the env reference of every security switch set from the environment (see securitySwitch). */
  readonly switches: ReadonlyMap<string, EnvSwitch>;
}

/** A security switch whose value comes from the environment. */
export interface EnvSwitch {
  /** The raw text of the value (`${SHELL_APPROVAL}`, `${BIND:-127.0.0.1}`). */
  readonly raw: string;
  /** The unsafe value it was graded with, or undefined when it was graded as resolved (or with a placeholder). */
  readonly graded: string | undefined;
}

/** Fields of server.auth that hold credentials or addresses the server validates (not switches). */
const AUTH_VALUES = new Set(['secret', 'api_keys', 'jwks_url', 'issuer', 'audience']);
const TOOL_SWITCHES: Readonly<Record<string, string>> = {
  enabled: 'true',
  require_approval: 'false',
  deny_by_default: 'false',
  sandbox: 'none',
  network: 'true',
};

function authHasMethod(document: unknown): boolean {
  const server = isPlainObject(document) ? document.server : undefined;
  const auth = isPlainObject(server) ? server.auth : undefined;
  if (!isPlainObject(auth)) return false;
  return (
    auth.jwks_url !== undefined ||
    auth.secret !== undefined ||
    (Array.isArray(auth.api_keys) && auth.api_keys.length > 0)
  );
}

/**
 * Whether the value at dotted `path` is a security switch — a tool's enabled, require_approval, deny_by_default,
 * sandbox or network; server.host; server.auth's settings other than its credentials and JWT addresses;
 * rate_limiting.enabled; cors allow_credentials and allowed_origins; any other `enabled` — and if so the unsafe
 * value to grade it with (undefined: no single unsafe value; it is graded as resolved). `document` is the raw
 * YAML tree (auth.enabled: false is unsafe only when the file has no method; with one, the server refuses it).
 */
export function securitySwitch(path: string, document: unknown): { unsafe: string | undefined } | undefined {
  const p = path.split('.');
  if (p[0] === 'tools' && p.length >= 3 && p[2]! in TOOL_SWITCHES) {
    return { unsafe: p.length === 3 ? TOOL_SWITCHES[p[2]!] : undefined };
  }
  if (p[0] === 'server') {
    if (path === 'server.host') return { unsafe: '0.0.0.0' };
    if (p[1] === 'auth' && p.length >= 3 && !AUTH_VALUES.has(p[2]!)) {
      if (path === 'server.auth.enabled') return { unsafe: authHasMethod(document) ? undefined : 'false' };
      return { unsafe: path === 'server.auth.require_tenant_claim' ? 'false' : undefined };
    }
    if (path === 'server.rate_limiting.enabled') return { unsafe: 'false' };
    if (path === 'server.cors.allow_credentials') return { unsafe: 'true' };
    if (p[1] === 'cors' && p[2] === 'allowed_origins') return { unsafe: undefined };
  }
  if (p.at(-1) === 'enabled') return { unsafe: p[0] === 'guardrails' ? 'false' : undefined };
  return undefined;
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
  return Object.freeze({ ...inspectConfigText(text, { baseDir, env, source: path }), path: file, env });
}

/**
 * Parses and validates a config document like parseConfigText, except that an unset or empty `${NAME}` (without
 * a default) is replaced by a placeholder (see the file comment). Throws the ConfigError parseConfigText raises;
 * when a field rejected every placeholder, the error also says which variables were graded with placeholders.
 */
export function inspectConfigText(text: string, options: ParseConfigOptions): Omit<InspectedConfig, 'path' | 'env'> {
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
  // Security switches from the environment: graded at their unsafe value (one value per variable, first wins).
  const unsafe = new Map<string, string>();
  const switchRaw = new Map<string, { raw: string; name: string | undefined }>();
  for (const [at, raw] of first.references) {
    const sw = securitySwitch(at, first.value);
    if (sw === undefined) continue;
    const name = WHOLE_REFERENCE.exec(raw)?.[1];
    switchRaw.set(at, { raw, name });
    if (name !== undefined && sw.unsafe !== undefined && !unsafe.has(name)) unsafe.set(name, sw.unsafe);
  }
  let useUnsafe = unsafe.size > 0;
  const choice = new Map<string, number>([...missing].map((n) => [n, 0]));
  const withPlaceholders = (): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
    for (const [n, i] of choice) out[n] = PLACEHOLDER_VALUES[i]!;
    if (useUnsafe) for (const [n, v] of unsafe) out[n] = v;
    return out;
  };
  const switches = (): ReadonlyMap<string, EnvSwitch> =>
    new Map(
      [...switchRaw].map(([at, { raw, name }]) => {
        const graded = useUnsafe && name !== undefined ? unsafe.get(name) : undefined;
        return [at, Object.freeze({ raw, graded })];
      }),
    );

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
        switches: switches(),
      });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const refused = placeholderNames(err.issues, pathsOf);
      const next = [...refused].filter((n) => choice.get(n)! + 1 < PLACEHOLDER_VALUES.length);
      if (refused.size > 0 && next.length > 0) {
        for (const n of next) choice.set(n, choice.get(n)! + 1);
        continue;
      }
      if (useUnsafe) {
        // The unsafe values do not validate (the variable is also used elsewhere, or the loader refuses the
        // combination): grade the switches as resolved instead; the env-controlled finding still names them.
        useUnsafe = false;
        for (const n of choice.keys()) choice.set(n, 0);
        continue;
      }
      throw explained(err, refused, source);
    }
  }
}

/** Variables whose placeholder sits at (or above) the path of an issue. */
function placeholderNames(issues: readonly ConfigIssue[], pathsOf: ReadonlyMap<string, string[]>): Set<string> {
  const out = new Set<string>();
  for (const issue of issues) {
    // About the key (an unknown key, an invalid header or variable name), not its value.
    if (
      /^(?:unknown|unsupported) key |^invalid name |^must be an? (?:header|environment variable) name/.test(
        issue.message,
      )
    ) {
      continue;
    }
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
