/**
 * `hector doctor`: grades a config against the security guide's production checklist. Pure: no I/O, no clock, no
 * environment; the caller reads the file (config/inspectConfigFile) and prints the findings.
 *
 * Security contract:
 * - Grades what the FILE says. Settings that can also come from outside it (`HECTOR_AUTH_SECRET`, `--auth-*`,
 *   `HECTOR_RATE_LIMIT_*`, `--host`) are named in the finding's fix, never assumed (the CLI applies doctor's own
 *   `--host` / `--port` to the config before grading). A security switch set from the environment is graded at
 *   its unsafe value (config/inspect-config.ts) and reported (doctor-env.ts).
 * - A finding never contains a secret: it names the YAML path and the kind of problem, never the value.
 * - Severity `high` means "do not deploy like this to a reachable network" (the CLI exits non-zero on it);
 *   `medium` weakens a control the checklist asks for; `low` is hygiene.
 * - It is a linter, not a proof: a config with no finding can still be deployed unsafely (see docs/doctor.md).
 */
import { type Config, type EnvSwitch, isSecretKey, PLACEHOLDER_VALUES, urlPassword } from '../config/index.ts';
import { isPlainObject } from '../shared/index.ts';
import { accessFindings } from './doctor-access.ts';
import { envSwitchFindings } from './doctor-env.ts';
import type { Finding, Severity } from './doctor-finding.ts';
import { operationsFindings } from './doctor-operations.ts';
import { secretFindings } from './doctor-secrets.ts';
import { toolFindings } from './doctor-tools.ts';

export type { Finding, Severity } from './doctor-finding.ts';
export { SEVERITIES } from './doctor-finding.ts';

export interface DoctorInput {
  /** The validated config (may hold placeholder values for unset variables). */
  readonly config: Config;
  /** The YAML document as plain values (after `${VAR}` substitution). */
  readonly document: unknown;
  /** Dotted path → raw text of each string value that holds a `${…}` reference. */
  readonly references: ReadonlyMap<string, string>;
  /**
   * Values that must not appear in a finding (the config's secrets and environment values, see
   * config/secrets.ts); each is replaced by `***` in messages and fixes. Placeholder values are not secrets.
   */
  readonly secrets?: readonly string[];
  /** Names of the variables graded with placeholders (their placeholder values are left alone). */
  readonly placeholders?: readonly string[];
  /** Security switches set from the environment (config/inspect-config.ts), by dotted path. */
  readonly switches?: ReadonlyMap<string, EnvSwitch>;
}

const RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

/** Every finding of the config, most severe first, then by path. At most one finding per (id, path). */
export function gradeConfig(input: DoctorInput): Finding[] {
  const all = [
    ...accessFindings(input.config),
    ...operationsFindings(input.config),
    ...toolFindings(input.config),
    ...secretFindings(input.document, input.references),
    ...envSwitchFindings(input.config, input.switches),
  ];
  const seen = new Set<string>();
  const out = all.filter((f) => {
    const key = `${f.id}\u0000${f.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const scrub = scrubber(input);
  return out
    .map((f) => ({ ...f, message: scrub(f.message), fix: scrub(f.fix) }))
    .sort(
      (a, b) =>
        RANK[a.severity] - RANK[b.severity] ||
        (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
        (a.id < b.id ? -1 : 1),
    );
}

/** Values that are words of the config's vocabulary, not secrets, even when they came from the environment. */
const ENUM_WORDS = new Set([
  'true',
  'false',
  'bubblewrap',
  'none',
  'internal',
  'public',
  'private',
  'database',
  'memory',
  'redis',
  'json',
  'text',
  'silent',
  'streamable-http',
]);
/** Shortest value from the environment that is scrubbed when it is not under a secret-named field. */
const MIN_ENV_SECRET_LENGTH = 8;

/** The strings under secret-named fields (and URL passwords) of the document: always scrubbed. */
function fieldSecrets(document: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, secret: boolean, depth: number): void => {
    if (typeof v === 'string') {
      if (secret) out.add(v);
      for (const p of urlPassword(v)) out.add(p);
    } else if (Array.isArray(v)) {
      for (const item of v) walk(item, secret, depth + 1);
    } else if (isPlainObject(v)) {
      for (const [k, item] of Object.entries(v)) walk(item, secret || (depth > 1 && isSecretKey(k)), depth + 1);
    }
  };
  walk(document, false, 0);
  return out;
}

/**
 * Replaces secrets by `***`: every value under a secret-named field (or a URL password), and the other values that
 * came from the environment when they are 8+ characters and not a boolean or enum word (scrubbing `false` or
 * `none` would blank ordinary words of the message). Placeholder values are left alone.
 */
function scrubber(input: DoctorInput): (text: string) => string {
  const placeholderValues = new Set(input.placeholders?.length ? PLACEHOLDER_VALUES : []);
  const always = fieldSecrets(input.document);
  const secrets = (input.secrets ?? []).filter(
    (v) =>
      v.length >= 4 &&
      !placeholderValues.has(v) &&
      (always.has(v) || (v.length >= MIN_ENV_SECRET_LENGTH && !ENUM_WORDS.has(v.toLowerCase()))),
  );
  return (text) => secrets.reduce((t, secret) => t.replaceAll(secret, '***'), text);
}

/** Counts by severity. */
export function countFindings(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { high: 0, medium: 0, low: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/** Whether any finding is at least as severe as `threshold`. */
export function failsAt(findings: readonly Finding[], threshold: Severity): boolean {
  return findings.some((f) => RANK[f.severity] <= RANK[threshold]);
}
