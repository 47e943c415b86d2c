/**
 * The app manager behind the Admin API (issue 9 groundwork, not wired to HTTP yet): creating, reading,
 * updating and deleting apps, and issuing their tokens.
 *
 * - An app's config is validated by validateAppConfig (the strict schema plus tenant rules) before anything is
 *   stored; an invalid config leaves nothing behind.
 * - The config and the app's private signing keys are stored sealed (AES-256-GCM, bound to the app and field);
 *   answers show the config with its secrets masked, never a key.
 * - Each app has its own Ed25519 signing key. Issuing a token rotates the key: earlier tokens stop working at
 *   once, or after `keep_previous_seconds` for a rotation window. Deleting the app deletes its keys, so its
 *   tokens stop working at once — also after a restart, because only stored keys verify.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type AppSigningKey, createAppTokenVerifier, generateAppSigningKey, signAppToken } from '../auth/index.ts';
import { type LimitRuleConfig, parseLimitRules } from '../config/index.ts';
import { type Database, MAX_CONCURRENT_RUNS, type StoredApp } from '../persistence/index.ts';
import {
  type Clock,
  ConfigError,
  ConflictError,
  DEFAULT_APP_ID,
  InvalidRequestError,
  newId,
  parseCidr,
  SealError,
  type Sealer,
} from '../shared/index.ts';
import { globalScopeIssue, maskSecrets, type ValidatedAppConfig, validateAppConfig } from './app-config.ts';

/** App names: letters, digits, space, `.`, `_`, `-`; 1 to 128 characters, starting with a letter or digit. */
const APP_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,126}[A-Za-z0-9._-])?$/;
/** App ids as this manager makes them (`newId('app')`); anything else names no app (and no directory). */
const APP_ID = /^app_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Token lifetimes a request may ask for (`expires_in`, seconds): 5 minutes to a year. */
const MIN_TOKEN_TTL = 300;
const MAX_TOKEN_TTL = 365 * 86_400;
/** The longest rotation window a token request may ask for (30 days). */
const MAX_KEEP_SECONDS = 30 * 86_400;

export interface AppView {
  readonly id: string;
  readonly name: string;
  readonly host_tools: boolean;
  /** Private or loopback ranges the admin lets the app's outbound requests reach (`[]`: none). */
  readonly allowed_ranges: readonly string[];
  /** The limits an admin set on the app, counted on top of the server's own (`[]`: none). */
  readonly rate_limits: readonly LimitRuleConfig[];
  /** The most agent runs the app may have in flight at once; null: only the server's cap applies. */
  readonly max_concurrent_runs: number | null;
  readonly created_at: string;
  readonly updated_at: string;
  /** The config as given, with every secret replaced by `***`; null when it cannot be opened (see config_error). */
  readonly config: unknown;
  /** Why the stored config cannot be opened or validated any more (another key, an upgrade); the app is not served. */
  readonly config_error?: string;
}

export interface TokenAnswer {
  readonly access_token: string;
  readonly token_type: 'bearer';
  readonly expires_at: string;
}

export interface AppManagerOptions {
  db: Database;
  sealer: Sealer;
  /** Absolute directory of every app's files (`<state dir>/apps`). */
  appsDir: string;
  /** `iss` of app tokens: the server's public URL. */
  issuer: string;
  audience: string;
  /** Lifetime of app tokens (default 30 days). */
  tokenTtlSeconds?: number;
  clock: Clock;
  /**
   * Whether this server counts rate limits at all (it has a limit store). When not, an app that sets limits (on
   * the app or on its agents) is refused rather than served unlimited.
   */
  rateLimiting: boolean;
  /**
   * Builds the app's runtime from a validated config and closes it again, before the config is stored: a config
   * that cannot be served (e.g. an unknown provider option the schema cannot see) is refused with its reason.
   */
  probe?: (appId: string, config: ServedAppConfig) => Promise<void>;
  /** Audit events are kept in the database (`audit.sink: database`), so the Admin API can read them. */
  auditInDatabase: boolean;
}

/** A stored app's config as served: validated, with the limits an admin set on it. */
export interface ServedAppConfig extends ValidatedAppConfig {
  readonly rateLimits: readonly LimitRuleConfig[];
  /** The private ranges the admin granted the app (also applied to its LLMs' base_url). */
  readonly allowedRanges: readonly string[];
  /** The admin's cap on the app's runs in flight (null: none of its own). */
  readonly maxConcurrentRuns: number | null;
}

/** Refuses body fields this route does not know (a typo must not silently mean "not set"). */
function checkFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new InvalidRequestError(
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')}; this route accepts ${allowed.join(', ')}`,
    );
  }
}

function checkHostTools(value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new InvalidRequestError('host_tools must be true or false');
}

const APP_FIELDS = [
  'name',
  'config_json',
  'config',
  'host_tools',
  'rate_limits',
  'allowed_ranges',
  'max_concurrent_runs',
  'expires_in',
] as const;
const AUDIT_QUERY = ['since', 'until', 'component', 'user', 'limit'] as const;

/** One audit event as the Admin API shows it. */
export interface AuditView {
  readonly id: number;
  readonly timestamp: string;
  readonly component: string;
  readonly action: string;
  readonly user: string | null;
  readonly success: boolean;
  readonly request_id: string | null;
  readonly event: unknown;
}

/**
 * Names route identity-provider tokens (`tenant_id` may name an app), so a name may not look like an app id
 * (ids are looked up first; a name shaped like another app's id would be shadowed) nor be `default` (the file's).
 */
function checkName(name: unknown): string {
  if (typeof name !== 'string' || !APP_NAME.test(name)) {
    throw new InvalidRequestError(
      'name must be 1 to 128 characters: letters, digits, spaces, ".", "_" or "-", starting with a letter or digit',
    );
  }
  if (APP_ID.test(name) || name.toLowerCase().startsWith('app_') || name.toLowerCase() === DEFAULT_APP_ID) {
    throw new InvalidRequestError(
      `name must not be "${DEFAULT_APP_ID}" or start with "app_", in any case (those name the file's app and app ids)`,
    );
  }
  return name;
}

/** `allowed_ranges` of a request body: CIDRs such as 10.0.0.0/8 or fd00::/8 (host bits zero), at most 100. */
function checkRanges(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > 100) {
    throw new InvalidRequestError('allowed_ranges must be a list of at most 100 CIDRs, e.g. ["10.20.0.0/16"]');
  }
  return value.map((v, i) => {
    if (typeof v !== 'string' || parseCidr(v) === undefined) {
      throw new InvalidRequestError(`allowed_ranges[${i}] must be a CIDR such as 10.20.0.0/16 (host bits zero)`);
    }
    return v;
  });
}

/** `max_concurrent_runs` of a request body: null (no cap of the app's own) or a whole number from 1. */
function checkRunCap(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CONCURRENT_RUNS) {
    throw new InvalidRequestError(
      `max_concurrent_runs must be null (no cap of the app's own) or a whole number from 1 to ${MAX_CONCURRENT_RUNS}`,
    );
  }
  return value;
}

/** `expires_in` of a request body: the token's lifetime in seconds, 300 to a year; default the server's. */
function checkTtl(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_TOKEN_TTL || value > MAX_TOKEN_TTL) {
    throw new InvalidRequestError(
      `expires_in must be a whole number of seconds from ${MIN_TOKEN_TTL} to ${MAX_TOKEN_TTL}`,
    );
  }
  return value;
}

/** Stored in place of a private signing key, which is never kept. */
const DISCARDED = 'discarded';
const NAME_TAKEN = 'an app with this name already exists (names are compared ignoring case); choose another name';

/** Why a stored config does not open: a key mismatch (sealed with another key) or a validation failure. */
function openError(err: unknown): string {
  if (err instanceof ConfigError) return `the stored config no longer validates: ${err.message}`;
  if (err instanceof SealError) {
    return 'the stored config cannot be decrypted: it was sealed with another key (HECTOR_ENCRYPTION_KEY or the admin secret changed)';
  }
  return `the stored config cannot be opened: ${err instanceof Error ? err.message : String(err)}`;
}

export function createAppManager(options: AppManagerOptions) {
  const { db, sealer, clock } = options;
  const ttl = options.tokenTtlSeconds ?? 30 * 86_400;
  const configBinding = (id: string) => `app:${id}:config`;

  const storedRanges = (app: StoredApp) => JSON.parse(app.allowedRanges) as string[];
  const open = (app: StoredApp): ValidatedAppConfig =>
    validateAppConfig(sealer.open(app.configSealed, configBinding(app.id)), {
      appId: app.id,
      appsDir: options.appsDir,
      hostTools: app.hostTools,
      allowedRanges: storedRanges(app),
    });
  const storedLimits = (app: StoredApp) => parseLimitRules(JSON.parse(app.rateLimits), 'rate_limits');
  /** `rate_limits` of a request body: a list of rules as in `server.rate_limiting.limits`, within the app. */
  const limitsOf = (value: unknown): LimitRuleConfig[] => {
    const rules = parseLimitRules(value, 'rate_limits');
    const issues = rules.flatMap((r, i) => (r.scope === 'global' ? [globalScopeIssue(`rate_limits[${i}].scope`)] : []));
    if (issues.length > 0) throw new ConfigError(issues);
    return rules;
  };
  /** Limits need a limit store: refused, not ignored, on a server that has rate limiting off. */
  const checkLimitsPossible = (validated: ValidatedAppConfig, rules: readonly LimitRuleConfig[]) => {
    if (options.rateLimiting) return;
    const paths = [
      ...(rules.length > 0 ? ['rate_limits'] : []),
      ...Object.entries(validated.config.agents)
        .filter(([, a]) => (a.rate_limits ?? []).length > 0)
        .map(([name]) => `agents.${name}.rate_limits`),
    ];
    if (paths.length === 0) return;
    throw new ConfigError(
      paths.map((path) => ({
        path,
        message: 'rate limiting is switched off on this server, so these limits could not be enforced',
        hint: 'remove the limits, or switch rate limiting on in the server config (server.rate_limiting)',
      })),
    );
  };
  /** An app as answered; a config that no longer opens (another key, an upgrade) is named, not a 500. */
  const view = (app: StoredApp): AppView => {
    const base = {
      id: app.id,
      name: app.name,
      host_tools: app.hostTools,
      allowed_ranges: storedRanges(app),
      rate_limits: storedLimits(app),
      max_concurrent_runs: app.maxConcurrentRuns,
      created_at: app.createdAt,
      updated_at: app.updatedAt,
    };
    try {
      const config = open(app);
      return { ...base, config: maskSecrets(config.document, config.secrets) };
    } catch (err) {
      return { ...base, config: null, config_error: openError(err) };
    }
  };
  /**
   * What is stored of a signing key: its public half. The private half signs the one token issued with it and is
   * then dropped, so a copy of the database (even with the encryption key) cannot mint tokens.
   */
  const storedKey = (key: AppSigningKey) => ({ kid: key.kid, publicJwk: key.publicJwk, privateSealed: DISCARDED });
  const token = async (appId: string, key: AppSigningKey, ttlSeconds = ttl): Promise<TokenAnswer> => {
    const signed = await signAppToken(key, {
      appId,
      issuer: options.issuer,
      audience: options.audience,
      ttlSeconds,
      now: clock.now(),
    });
    return { access_token: signed.token, token_type: 'bearer', expires_at: new Date(signed.expiresAt).toISOString() };
  };
  /** The config source of a request body: `config_json` (a JSON string) or `config` (an object), not both. */
  const configOf = (body: Record<string, unknown>, required: boolean): unknown => {
    const hasJson = body.config_json !== undefined;
    const hasObject = body.config !== undefined;
    if (hasJson && hasObject) throw new InvalidRequestError('send config_json or config, not both');
    if (!hasJson && !hasObject) {
      if (required) throw new InvalidRequestError('config_json (a config as a JSON string) or config is required');
      return undefined;
    }
    if (hasJson && typeof body.config_json !== 'string') throw new InvalidRequestError('config_json must be a string');
    return hasJson ? body.config_json : body.config;
  };

  return {
    /**
     * `POST /admin/apps`: `{name, config_json | config, host_tools?, rate_limits?}` → the app and its first
     * token. Nothing is stored unless the config validates and its runtime builds.
     */
    async create(body: Record<string, unknown>): Promise<{ app: AppView } & TokenAnswer> {
      checkFields(body, APP_FIELDS);
      const name = checkName(body.name);
      const hostTools = checkHostTools(body.host_tools) ?? false;
      const allowedRanges = body.allowed_ranges === undefined ? [] : checkRanges(body.allowed_ranges);
      const maxConcurrentRuns = body.max_concurrent_runs === undefined ? null : checkRunCap(body.max_concurrent_runs);
      const ttlSeconds = checkTtl(body.expires_in, ttl);
      const id = newId('app');
      const source = configOf(body, true);
      const validated = validateAppConfig(source, { appId: id, appsDir: options.appsDir, hostTools, allowedRanges });
      const rateLimits = limitsOf(body.rate_limits ?? []);
      checkLimitsPossible(validated, rateLimits);
      // A taken name is refused before the probe makes a workspace (the insert still decides a race).
      if (await db.apps.getByName(name)) throw new ConflictError(NAME_TAKEN);
      try {
        await options.probe?.(id, { ...validated, rateLimits, allowedRanges, maxConcurrentRuns });
        const key = await generateAppSigningKey();
        const app = await db.apps.create(
          {
            id,
            name,
            hostTools,
            rateLimits: JSON.stringify(rateLimits),
            allowedRanges: JSON.stringify(allowedRanges),
            maxConcurrentRuns,
            configSealed: sealer.seal(JSON.stringify(validated.document), configBinding(id)),
          },
          storedKey(key),
        );
        return { app: view(app), ...(await token(id, key, ttlSeconds)) };
      } catch (err) {
        await rm(join(options.appsDir, id), { recursive: true, force: true });
        throw err;
      }
    },
    async list(): Promise<AppView[]> {
      return (await db.apps.list()).map(view);
    },
    async get(id: string): Promise<AppView | undefined> {
      const app = await db.apps.get(id);
      return app && view(app);
    },
    /** The app's validated config and limits (for serving it), or undefined for an unknown app. */
    async config(id: string): Promise<ServedAppConfig | undefined> {
      const app = await db.apps.get(id);
      return (
        app && {
          ...open(app),
          rateLimits: storedLimits(app),
          allowedRanges: storedRanges(app),
          maxConcurrentRuns: app.maxConcurrentRuns,
        }
      );
    },
    /**
     * `PUT /admin/apps/{id}`: `{name?, config_json? | config?, host_tools?, rate_limits?}`; validated (and the
     * runtime built) before anything changes.
     */
    async update(id: string, body: Record<string, unknown>): Promise<AppView | undefined> {
      checkFields(body, APP_FIELDS);
      const current = await db.apps.get(id);
      if (!current) return undefined;
      const name = body.name === undefined ? undefined : checkName(body.name);
      if (body.expires_in !== undefined) throw new InvalidRequestError('expires_in belongs to a token request');
      const hostTools = checkHostTools(body.host_tools) ?? current.hostTools;
      const allowedRanges =
        body.allowed_ranges === undefined ? storedRanges(current) : checkRanges(body.allowed_ranges);
      const maxConcurrentRuns =
        body.max_concurrent_runs === undefined ? current.maxConcurrentRuns : checkRunCap(body.max_concurrent_runs);
      const source = configOf(body, false) ?? sealer.open(current.configSealed, configBinding(id));
      // Re-validated also when only a grant changes: revoking host_tools must not leave a command tool behind.
      const validated = validateAppConfig(source, { appId: id, appsDir: options.appsDir, hostTools, allowedRanges });
      const rateLimits = body.rate_limits === undefined ? storedLimits(current) : limitsOf(body.rate_limits);
      checkLimitsPossible(validated, rateLimits);
      await options.probe?.(id, { ...validated, rateLimits, allowedRanges, maxConcurrentRuns });
      // Applied only to the version it was built from: a concurrent update makes this one a 409, never a mix.
      const updated = await db.apps.update(
        id,
        {
          ...(name === undefined ? {} : { name }),
          hostTools,
          rateLimits: JSON.stringify(rateLimits),
          allowedRanges: JSON.stringify(allowedRanges),
          maxConcurrentRuns,
          configSealed: sealer.seal(JSON.stringify(validated.document), configBinding(id)),
        },
        current.updatedAt,
      );
      return updated && view(updated);
    },
    /**
     * `POST /admin/apps/{id}/token`: a new signing key and a token signed with it. Earlier tokens stop working
     * now, or after `keep_previous_seconds` (at most 30 days).
     */
    async issueToken(id: string, body: Record<string, unknown>): Promise<TokenAnswer | undefined> {
      checkFields(body, ['keep_previous_seconds', 'expires_in']);
      const ttlSeconds = checkTtl(body.expires_in, ttl);
      const keep = body.keep_previous_seconds ?? 0;
      if (typeof keep !== 'number' || !Number.isInteger(keep) || keep < 0 || keep > MAX_KEEP_SECONDS) {
        throw new InvalidRequestError(`keep_previous_seconds must be a whole number from 0 to ${MAX_KEEP_SECONDS}`);
      }
      const key = await generateAppSigningKey();
      const rotated = await db.apps.rotateKey(id, storedKey(key), clock.now() + keep * 1000);
      return rotated ? token(id, key, ttlSeconds) : undefined;
    },
    /**
     * `DELETE /admin/apps/{id}`: the app and all its data — sessions, tasks, approvals, keys (its tokens stop
     * working at once) and the files under its directory. The audit trail stays.
     */
    async delete(id: string): Promise<boolean> {
      if (!APP_ID.test(id)) return false;
      const existed = await db.purgeApp(id);
      if (existed) await rm(join(options.appsDir, id), { recursive: true, force: true });
      return existed;
    },
    /**
     * `GET /admin/apps/{id}/audit?since&until&component&user&limit`: the app's audit events, newest first
     * (`since` inclusive, `until` exclusive, ISO-8601; `limit` 1–1000, default 100). Undefined: no such app.
     */
    async auditEvents(id: string, query: Record<string, string>): Promise<AuditView[] | undefined> {
      const unknown = Object.keys(query).filter((k) => !(AUDIT_QUERY as readonly string[]).includes(k));
      if (unknown.length > 0) {
        throw new InvalidRequestError(
          `unknown query parameter "${unknown[0]!.slice(0, 40)}"; use ${AUDIT_QUERY.join(', ')}`,
        );
      }
      if (!(await db.apps.get(id))) return undefined;
      if (!options.auditInDatabase) {
        throw new ConflictError(
          'this server keeps its audit trail outside the database (audit.sink: file or log), so it cannot be read here; set audit.sink: database, or read the audit file',
        );
      }
      const limit = query.limit === undefined ? 100 : Number(query.limit);
      const records = await db.audit.list({
        appId: id,
        limit,
        ...(query.since === undefined ? {} : { since: query.since }),
        ...(query.until === undefined ? {} : { until: query.until }),
        ...(query.component === undefined ? {} : { component: query.component }),
        ...(query.user === undefined ? {} : { userId: query.user }),
      });
      return records.map((r) => ({
        id: r.id,
        timestamp: r.timestamp,
        component: r.component,
        action: r.action,
        user: r.userId,
        success: r.success,
        request_id: r.requestId,
        event: r.event,
      }));
    },
    /** `GET /admin/jwks`: the public keys that verify app tokens now. */
    async jwks(): Promise<{ keys: Record<string, unknown>[] }> {
      const keys = await db.apps.allValidKeys(clock.now());
      return { keys: keys.map((k) => JSON.parse(k.publicJwk) as Record<string, unknown>) };
    },
    /** Verifies an app token against the stored keys of the app it names. */
    verifyToken: createAppTokenVerifier({
      issuer: options.issuer,
      audience: options.audience,
      validKeys: (appId, now) => db.apps.validKeys(appId, now),
      now: () => clock.now(),
    }),
  };
}

export type AppManager = ReturnType<typeof createAppManager>;
