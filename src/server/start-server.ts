import { join, resolve } from 'node:path';
import { agentUrl, createA2AService, createRunTracker, createTaskLeases, type TaskLeases } from '../a2a/index.ts';
import { type AppTokenResult, createAuthenticator } from '../auth/index.ts';
import type { LoadedConfig } from '../config/index.ts';
import { createHttpApp, listen } from '../http/index.ts';
import {
  createAuditSink,
  createLogger,
  createSecretSet,
  type LogFormat,
  type Logger,
  type LogLevel,
  meterAuditSink,
  throttleRepeatedFailures,
} from '../observability/index.ts';
import { type Database, openDatabase } from '../persistence/index.ts';
import { createRateLimiter, type LimitRule } from '../ratelimit/index.ts';
import type { RuntimeDeps } from '../runtime/index.ts';
import { ConfigError, createSealer, DEFAULT_APP_ID, parseCidr, type Sealer, systemClock } from '../shared/index.ts';
import { buildAgentParts } from './agent-parts.ts';
import { APPS_DIR, type AppRuntimes, createAppRuntimes } from './app-runtimes.ts';
import { type AppManager, createAppManager } from './apps.ts';
import { type AuditPersistence, openAuditPersistence, resolveAuditKey } from './audit-setup.ts';
import { type AuthOverrides, authSecrets, resolveAuthOptions } from './auth-options.ts';
import {
  createServerTelemetry,
  logObservability,
  type ObservabilityOverrides,
  resolveObservability,
  startMetricsListener,
} from './observability.ts';
import { limitSecrets, openLimitStore, type RateLimitOverrides, resolveRateLimits } from './rate-limits.ts';
import { gracefulStop } from './shutdown.ts';

export interface StartServerOptions {
  loaded: LoadedConfig;
  /** Command-line overrides; they win over the environment and the config file. */
  overrides?: {
    host?: string | undefined;
    port?: number | undefined;
    database?: string | undefined;
    auth?: AuthOverrides;
    rateLimit?: RateLimitOverrides;
    observability?: ObservabilityOverrides;
    logLevel?: LogLevel | undefined;
    logFormat?: LogFormat | undefined;
  };
  /** Directory for the default SQLite database (`.hector/hector.db`). */
  cwd: string;
  version: string;
  /** Log destination; stdout by default. */
  logger?: Logger;
}

export interface RunningServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly storage: string;
  readonly agents: readonly { name: string; url: string; visibility: string }[];
  readonly authMethods: readonly string[];
  /** `off`, or the rules and the store, for the banner. */
  readonly rateLimits: string;
  readonly logger: Logger;
  /** `server.shutdown_timeout` in milliseconds. */
  readonly shutdownTimeoutMs: number;
  /** Where Prometheus metrics are served (absent: metrics are off). */
  readonly metricsUrl?: string;
  /**
   * Graceful stop (see shutdown.ts): stops accepting connections, waits up to server.shutdown_timeout for
   * in-flight requests and agent runs, interrupts what is left, flushes the audit sink, closes storage.
   */
  stop(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === '::1' || host === 'localhost' || host.startsWith('127.');
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The composition root: turns a validated config into running parts and starts listening. Everything that can
 * fail on bad configuration (auth, models, tools) is built before storage is opened and the port is bound; if
 * anything fails, whatever was opened is closed again and the error propagates (nothing is left half-started).
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config, secrets } = options.loaded;
  const authOptions = resolveAuthOptions(config.server.auth, options.loaded.env, options.overrides?.auth ?? {});
  const limits = resolveRateLimits(config, options.loaded.env, options.overrides?.rateLimit ?? {});
  const auditKey = resolveAuditKey(options.loaded.env);
  // Growable: each Admin API app's literal secrets are added when its runtime is built.
  const logSecrets = createSecretSet([
    ...secrets,
    ...authSecrets(authOptions),
    ...limitSecrets(limits),
    ...(options.loaded.env.HECTOR_ENCRYPTION_KEY ? [options.loaded.env.HECTOR_ENCRYPTION_KEY] : []),
    ...(auditKey === undefined ? [] : [auditKey]),
  ]);
  const logger =
    options.logger ??
    createLogger({
      level: options.overrides?.logLevel ?? config.logger.level,
      format: options.overrides?.logFormat ?? config.logger.format,
      secrets: logSecrets,
      ...(config.logger.file === undefined ? {} : { file: config.logger.file }),
    });
  for (const notice of limits.notices) logger.info({ component: 'ratelimit' }, notice);
  // App tokens are verified by the app manager, which exists once storage is open (only with an admin secret).
  let verifyAppToken: ((token: string) => Promise<AppTokenResult>) | undefined;
  const authenticator = createAuthenticator(
    authOptions
      ? {
          ...authOptions,
          ...(authOptions.secret === undefined
            ? {}
            : {
                appTokens: (token: string) =>
                  verifyAppToken
                    ? verifyAppToken(token)
                    : Promise.resolve({ ok: false as const, reason: 'invalid_token' as const }),
              }),
        }
      : { defaultTenant: DEFAULT_APP_ID },
  );

  let runtime: RuntimeDeps | undefined;
  const stateDir = resolve(options.cwd, '.hector');
  const protectedPaths = [stateDir, join(options.loaded.baseDir, '.env')];
  const parts = await buildAgentParts(config, {
    logger,
    protectedPaths,
    version: options.version,
    deps: () => {
      if (!runtime) throw new Error('runtime used before the server started');
      return runtime;
    },
  });
  const { agents, registry, toolsets } = parts;
  const closeToolsets = () => parts.close();

  const host = options.overrides?.host ?? config.server.host;
  const port = options.overrides?.port ?? config.server.port;
  const databaseUrl = options.overrides?.database ?? config.server.database ?? `sqlite:${join(stateDir, 'hector.db')}`;

  const observability = resolveObservability(config.server.observability, options.overrides?.observability ?? {}, port);
  let db: Database | undefined;
  const telemetry = createServerTelemetry(observability, {
    logger,
    version: options.version,
    secrets: logSecrets,
    pendingApprovals: () => db?.approvals.countPending() ?? Promise.resolve(0),
  });
  let metricsListener: Awaited<ReturnType<typeof startMetricsListener>>;
  let leases: TaskLeases | undefined;
  let auditTrail: AuditPersistence | undefined;
  let limitStore: Awaited<ReturnType<typeof openLimitStore>> | undefined;
  try {
    db = await openDatabase({ url: databaseUrl, auditKey });
    const database = db;
    // With the Admin API, the store is there (unless rate limiting is switched off) for the limits set on apps.
    const wantStore = limits.rules.length > 0 || (authOptions?.secret !== undefined && !limits.off);
    limitStore = wantStore ? await openLimitStore(limits, database, systemClock) : undefined;
    const store = limitStore;
    auditTrail = await openAuditPersistence(config.audit, { database, stateDir, key: auditKey, secrets: logSecrets });
    const trail = auditTrail;
    logger.info({ component: 'audit', sink: config.audit.sink }, `audit trail: ${trail.description}`);
    // Auth failures, rate-limit denials and guardrail blocks are counted from their audit events, every one of
    // them, before repeated failures are throttled on their way to the log and the trail.
    const audit = meterAuditSink(
      throttleRepeatedFailures(
        createAuditSink({
          // Not a child with its own `component`: every event names its component, and a line must carry one.
          logger,
          ...(trail.persist ? { persist: trail.persist } : {}),
        }),
        { limit: config.audit.repeat_limit },
      ),
      telemetry.metrics,
    );
    const limiterFor = (rules: readonly LimitRule[]) =>
      store &&
      createRateLimiter({
        rules,
        store: store.store,
        clock: systemClock,
        onStoreFailure: limits.onStoreError,
        onStoreError: (err) =>
          logger.error(
            {
              component: 'ratelimit',
              store: store.description,
              error: err instanceof Error ? err.message : String(err),
            },
            limits.onStoreError === 'allow'
              ? 'rate limit store failed; requests are let through uncounted (on_store_error: allow)'
              : 'rate limit store failed; requests are refused with 503 (on_store_error: deny)',
          ),
      });
    const limiter = limiterFor(limits.rules);
    const deps: RuntimeDeps = {
      sessions: database.sessions,
      tools: registry,
      audit,
      logger,
      clock: systemClock,
      approvals: { store: database.approvals, policies: parts.approvalPolicies },
      ...(limiter ? { limits: limiter } : {}),
      telemetry,
    };
    runtime = deps;
    // Every agent run of the file's agents and of every app, for the graceful stop.
    const runs = createRunTracker(undefined, {
      scope: 'server',
      limit: config.server.max_concurrent_runs === 0 ? undefined : config.server.max_concurrent_runs,
    });
    const a2a = createA2AService({
      runs,
      taskLeaseMs: config.server.task_lease,
      agents,
      tasks: database.tasks,
      runtime: deps,
      audit,
      logger,
      version: options.version,
    });

    let boundBase = `http://${displayHost(host)}:${port}`;
    const adminSecret = authOptions?.secret;
    let tenancy: { manager: AppManager; runtimes: AppRuntimes; keySource: string } | undefined;
    if (adminSecret !== undefined) {
      let sealer: Sealer;
      try {
        const encryptionKey = options.loaded.env.HECTOR_ENCRYPTION_KEY;
        sealer = createSealer({ ...(encryptionKey ? { encryptionKey } : {}), adminSecret });
      } catch (err) {
        throw new ConfigError([
          { path: 'HECTOR_ENCRYPTION_KEY', message: err instanceof Error ? err.message : String(err) },
        ]);
      }
      const manager = createAppManager({
        db: database,
        sealer,
        appsDir: APPS_DIR(stateDir),
        // Stable across restarts (tokens name it in iss): the public URL, or the configured address.
        issuer: config.server.public_url ?? `http://${displayHost(host)}:${port}`,
        audience: 'hector',
        clock: systemClock,
        rateLimiting: store !== undefined,
        auditInDatabase: config.audit.sink === 'database',
        probe: (appId, validated) => runtimes.probe(appId, validated),
      });
      verifyAppToken = manager.verifyToken;
      const runtimes = createAppRuntimes({
        runs,
        taskLeaseMs: config.server.task_lease,
        secrets: logSecrets,
        telemetry,
        manager,
        db: database,
        audit,
        logger,
        clock: systemClock,
        version: options.version,
        ...(store
          ? {
              limits: {
                // The file's agents' own rules are theirs alone; an app's agent of the same name has its own.
                serverRules: limits.rules.filter((r) => r.agent === undefined),
                limiterFor: (rules: readonly LimitRule[]) => limiterFor(rules)!,
              },
            }
          : {}),
        // An app's tools are jailed to its own directory under the state dir, so only the server's .env needs
        // naming (the state dir itself contains every app's workspace).
        protectedPaths: [join(options.loaded.baseDir, '.env')],
        drainMs: config.server.shutdown_timeout,
      });
      tenancy = { manager, runtimes, keySource: sealer.keySource };
    }
    const cors = config.server.cors;
    const trustedProxies = config.server.trusted_proxies.map((p) => parseCidr(p)!);
    const metricsEndpoint = observability.metrics && {
      path: observability.metrics.path,
      bearerToken: observability.metrics.bearerToken,
      render: () => telemetry.metrics.render(),
      audit,
    };
    const app = createHttpApp({
      telemetry,
      ...(metricsEndpoint && observability.metrics?.port === undefined ? { metrics: metricsEndpoint } : {}),
      trustedProxies,
      a2a,
      logger,
      audit,
      authenticator,
      version: options.version,
      maxBodyBytes: config.server.max_body_bytes,
      publicUrl: config.server.public_url,
      fallbackBaseUrl: () => boundBase,
      health: () => ({
        agents: agents.length,
        storage: database.kind,
        toolsets: Object.fromEntries(
          toolsets.map((t) => {
            const h = t.health();
            return [t.name, { status: h.status, tools: h.tools }];
          }),
        ),
      }),
      cors: cors && {
        allowedOrigins: cors.allowed_origins,
        allowedMethods: cors.allowed_methods,
        allowedHeaders: cors.allowed_headers,
        maxAge: cors.max_age,
        allowCredentials: cors.allow_credentials,
      },
      ...(limiter ? { rateLimit: { limiter, trustedProxies } } : {}),
      ...(tenancy && adminSecret !== undefined
        ? {
            tenants: (tenant: string) => tenancy.runtimes.resolve(tenant),
            admin: {
              apps: {
                ...tenancy.manager,
                usage: (id: string, user: string | undefined) => tenancy.runtimes.usage(id, user),
                // The app's runs are stopped (and their writes awaited) before its data is purged.
                delete: async (id: string) => {
                  const exists = await database.apps.get(id).catch(() => undefined);
                  if (!exists) return tenancy.manager.delete(id);
                  await tenancy.runtimes.stop(id, Math.min(config.server.shutdown_timeout, 10_000));
                  try {
                    return await tenancy.manager.delete(id);
                  } finally {
                    // Deleted, or the delete failed and the app lives on: either way its runs start afresh.
                    tenancy.runtimes.forget(id);
                  }
                },
              },
              adminSecret,
              audit,
              maxBodyBytes: config.server.max_body_bytes,
            },
          }
        : {}),
    });
    if (tenancy) {
      logger.warn(
        { component: 'admin' },
        "the admin secret (HECTOR_AUTH_SECRET) opens the Admin API and is also accepted by the file's agents: give clients API keys or JWTs, never the admin secret",
      );
      if (config.server.public_url === undefined) {
        logger.warn(
          { component: 'admin' },
          `app tokens name http://${displayHost(host)}:${port} as their issuer: set server.public_url, or they stop verifying when the address or port changes`,
        );
      }
      logger.info(
        { component: 'admin', encryption_key: tenancy.keySource },
        `Admin API on /admin/apps; app configs and keys are encrypted with a key ${tenancy.keySource === 'HECTOR_ENCRYPTION_KEY' ? 'from HECTOR_ENCRYPTION_KEY' : 'derived from the admin secret (set HECTOR_ENCRYPTION_KEY to keep them apart)'}`,
      );
    }

    // Tasks left working by a server that died are failed now and whenever their lease runs out.
    leases = createTaskLeases({ tasks: database.tasks, runs, leaseMs: config.server.task_lease, audit, logger });
    leases.start();
    const ownLeases = leases;
    metricsListener = await startMetricsListener(observability, telemetry, audit);
    const listener = await listen(app, host, port);
    boundBase = `http://${displayHost(host)}:${listener.port}`;
    const url = config.server.public_url ?? boundBase;
    const metricsUrl =
      metricsListener?.url ?? (observability.metrics ? `${boundBase}${observability.metrics.path}` : undefined);
    logObservability(logger, observability, { metricsUrl, publicBind: !isLoopback(host) });
    const ownMetricsListener = metricsListener;
    if (!authenticator.enabled) {
      if (!isLoopback(host)) {
        logger.warn(
          { component: 'server', host },
          `listening on non-loopback address ${host} with NO authentication: anyone who can reach this port can use every public agent; set HECTOR_AUTH_SECRET or configure server.auth`,
        );
      }
      const internal = agents.filter((a) => a.visibility === 'internal').map((a) => a.name);
      if (internal.length > 0) {
        logger.warn(
          { component: 'server', agents: internal },
          `internal agents (${internal.join(', ')}) are not reachable: authentication is off`,
        );
      }
    }

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        await gracefulStop({
          logger,
          timeoutMs: config.server.shutdown_timeout,
          listener,
          runs,
          steps: [
            // After the drain, so interrupted runs' leases are dropped by their own failed status.
            { name: 'task leases', run: () => ownLeases.stop() },
            { name: 'auth', run: () => authenticator.close?.() },
            { name: 'toolsets', run: closeToolsets },
            { name: 'apps', run: () => tenancy?.runtimes.close() },
            { name: 'audit', run: () => audit.flush() },
            { name: 'audit trail', run: () => trail.close() },
            // Tracing / metrics exporters: flush here, after the last audit event and before storage closes.
            { name: 'metrics listener', run: async () => void (await ownMetricsListener?.listener.drain(1000)) },
            { name: 'telemetry', run: () => telemetry.shutdown() },
            { name: 'rate-limit store', run: () => store?.close() },
            { name: 'database', run: () => database.close() },
          ],
        });
      })();
      return stopping;
    };

    const methods = authenticator.methods;
    return {
      url,
      host,
      port: listener.port,
      storage: database.description,
      agents: agents
        .filter((a) => a.visibility !== 'private')
        .map((a) => ({ name: a.name, url: agentUrl(url, a.name), visibility: a.visibility })),
      authMethods: [
        ...(methods.secret ? ['shared secret'] : []),
        ...(methods.api_keys ? ['API keys'] : []),
        ...(methods.jwt ? [`JWT (JWKS ${methods.jwt.jwks_url})`] : []),
      ],
      rateLimits: store ? `${limits.rules.length} rule(s), store ${store.description}` : 'off',
      logger,
      shutdownTimeoutMs: config.server.shutdown_timeout,
      ...(metricsUrl === undefined ? {} : { metricsUrl }),
      stop,
    };
  } catch (err) {
    // First: no sweep may fail a task once the audit trail is closed.
    await leases?.stop().catch(() => {});
    authenticator.close?.();
    await closeToolsets();
    await limitStore?.close().catch(() => {});
    await auditTrail?.close().catch(() => {});
    await metricsListener?.listener.drain(0).catch(() => {});
    await telemetry.shutdown().catch(() => {});
    await db?.close().catch(() => {});
    throw err;
  }
}
