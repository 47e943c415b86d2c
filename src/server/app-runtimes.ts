import { mkdir, realpath, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import {
  type A2AService,
  createA2AService,
  createRunState,
  createRunTracker,
  type RunState,
  type RunTracker,
} from '../a2a/index.ts';
import type { AuditSink, Logger, SecretSet, Telemetry } from '../observability/index.ts';
import type { Database } from '../persistence/index.ts';
import type { LimitRule, LimitStatus, RateLimiter } from '../ratelimit/index.ts';
import type { RuntimeDeps } from '../runtime/index.ts';
import { type Clock, ConfigError, type ConfigIssue, isAppError, UnavailableError } from '../shared/index.ts';
import type { Toolset } from '../tools/index.ts';
import { buildAgentParts } from './agent-parts.ts';
import type { ValidatedAppConfig } from './app-config.ts';
import { appLlmFetch } from './app-llm-fetch.ts';
import type { AppManager, ServedAppConfig } from './apps.ts';
import { distinct } from './rate-limits.ts';

export interface AppRuntimesOptions {
  manager: AppManager;
  db: Database;
  audit: AuditSink;
  logger: Logger;
  clock: Clock;
  version: string;
  /**
   * Rate limiting, when the server has a limit store: the server's rules that apply to every app (those not
   * tied to one of the file's agents), and how to make a limiter over the same store.
   */
  limits?: { serverRules: readonly LimitRule[]; limiterFor: (rules: readonly LimitRule[]) => RateLimiter } | undefined;
  /** The secrets the logs and captured spans never show; each app's literal secrets are added when it is built. */
  secrets?: SecretSet | undefined;
  /** Paths no app tool may touch (the state directory, the server's .env). */
  protectedPaths: readonly string[];
  /** How long a replaced runtime's toolsets stay open for the tasks still running on it. */
  drainMs: number;
  /** The server's tracker of agent runs, for the graceful stop. */
  runs?: RunTracker | undefined;
  /** `server.task_lease` in ms (see a2a/leases.ts). */
  taskLeaseMs?: number | undefined;
  /** The server's metrics and tracer: apps' runs, LLM and tool calls are recorded like the file's. */
  telemetry?: Telemetry | undefined;
}

/** What serves one app's requests: its A2A service and the limiter of its rules (the server's and its own). */
export interface AppService {
  /** The app's id: the tenant its data is kept under, whatever name the credentials used. */
  readonly appId: string;
  readonly a2a: A2AService;
  readonly limiter?: RateLimiter | undefined;
}

/** What an app's runtime versions share (see `states` in createAppRuntimes). */
interface AppRunState {
  readonly runs: RunState;
  readonly tracker: RunTracker;
}

interface Runtime extends AppService {
  readonly updatedAt: string;
  readonly toolsets: readonly Toolset[];
  /** The app's run state it was built with (see `states`). */
  readonly state: AppRunState;
  /** The admin's cap on the app's runs in flight, applied when this version is installed. */
  readonly runCap: number | undefined;
}

/**
 * The running form of every app created over the Admin API, built on first use from its stored config and
 * rebuilt when the config changes (`updated_at`): new requests get the new runtime, tasks already running keep
 * the one they started on, whose MCP connections are closed after `drainMs`. A deleted app has no runtime.
 */
export function createAppRuntimes(options: AppRuntimesOptions) {
  const runtimes = new Map<string, Runtime>();
  const building = new Map<string, Promise<Runtime | undefined>>();
  const retire = (runtime: Runtime) => {
    const timer = setTimeout(() => {
      void Promise.all(runtime.toolsets.map((t) => t.close()));
    }, options.drainMs);
    timer.unref();
  };

  /**
   * The app's limiter: the server's rules, the limits an admin set on the app and its agents' own, the last two
   * tagged with the app so they count apart from any same-shaped rule of the server or another app.
   */
  const limiterOf = (appId: string, config: ValidatedAppConfig['config'], own: readonly LimitRule[]) => {
    if (!options.limits) return undefined;
    const appRules: LimitRule[] = [
      ...own.map((r) => ({ ...r, app: appId })),
      ...Object.entries(config.agents).flatMap(([name, a]) =>
        (a.rate_limits ?? []).map((r) => ({ ...r, agent: name, app: appId })),
      ),
    ];
    return options.limits.limiterFor(distinct([...options.limits.serverRules, ...appRules], []));
  };

  const build = async (appId: string, updatedAt: string): Promise<Runtime | undefined> => {
    const validated = await options.manager.config(appId);
    if (!validated) return undefined;
    const { config, workspace } = validated;
    options.secrets?.add(validated.secrets);
    await mkdir(workspace, { recursive: true });
    await checkRealPaths(validated);
    const logger = options.logger.child({ tenant: appId });
    const limiter = limiterOf(appId, config, validated.rateLimits);
    let deps: RuntimeDeps | undefined;
    const parts = await buildAgentParts(config, {
      logger,
      protectedPaths: options.protectedPaths,
      version: options.version,
      llmFetch: (timeoutMs) => appLlmFetch(validated.allowedRanges, timeoutMs),
      deps: () => {
        if (!deps) throw new Error('app runtime used before it was built');
        return deps;
      },
    });
    const { agents, toolsets } = parts;
    deps = {
      sessions: options.db.sessions,
      tools: parts.registry,
      audit: options.audit,
      logger,
      clock: options.clock,
      approvals: { store: options.db.approvals, policies: parts.approvalPolicies },
      ...(limiter ? { limits: limiter } : {}),
      ...(appTelemetry ? { telemetry: appTelemetry } : {}),
    };
    const state = stateOf(appId);
    const a2a = createA2AService({
      agents,
      tasks: options.db.tasks,
      runtime: deps,
      audit: options.audit,
      logger,
      version: options.version,
      runs: state.tracker,
      shared: state.runs,
      taskLeaseMs: options.taskLeaseMs,
    });
    return { appId, updatedAt, a2a, toolsets, limiter, state, runCap: validated.maxConcurrentRuns ?? undefined };
  };

  /**
   * What one app's runtime versions share: its runs in flight and their event buses (a cancel or resubscribe
   * after a config change reaches a run an earlier version started), and a tracker of its runs that also
   * registers them with the server's (graceful stop), so deleting the app can stop them first.
   */
  const states = new Map<string, AppRunState>();
  const stateOf = (appId: string) => {
    let state = states.get(appId);
    if (!state) {
      const tracker = createRunTracker(options.runs, { scope: 'app' });
      state = { runs: createRunState(), tracker };
      states.set(appId, state);
    }
    return state;
  };

  /**
   * The server's telemetry as apps record it: their agent and tool names are the apps' own choice, so they are
   * counted under the fixed labels `app` / `app_tool`, and one app cannot use up the label values (or split the
   * series) of the file's agents or of other apps. Spans keep the names.
   */
  const appTelemetry: Telemetry | undefined = options.telemetry && {
    ...options.telemetry,
    metrics: {
      ...options.telemetry.metrics,
      llmCall: (record) => options.telemetry?.metrics.llmCall({ ...record, agent: 'app' }),
      toolCall: (record) => options.telemetry?.metrics.toolCall({ ...record, tool: 'app_tool' }),
    },
  };

  const api = {
    /**
     * Before an app is deleted: its runs are interrupted (they end `failed`, saying the app was deleted) and
     * awaited, with their task writes, for up to `waitMs`, so nothing of the app is written after its data is
     * purged. Runs it starts from now on are interrupted at once.
     */
    async stop(appId: string, waitMs: number): Promise<void> {
      const state = stateOf(appId);
      state.tracker.interruptAll('app_deleted');
      await state.tracker.settled(waitMs);
      const current = runtimes.get(appId);
      if (current) {
        runtimes.delete(appId);
        retire(current);
      }
    },
    /** After a delete: the app's run state is dropped (a new app never reuses an id). */
    forget(appId: string): void {
      states.delete(appId);
      // A runtime built meanwhile (a request during the delete) holds the stopped run state: it goes too, and
      // the next request builds afresh (or finds no app).
      const current = runtimes.get(appId);
      if (current) {
        runtimes.delete(appId);
        retire(current);
      }
      for (const key of [...building.keys()]) if (key.startsWith(`${appId}\u0000`)) building.delete(key);
    },
    /**
     * What serves the app a verified tenant names: the app of that id, or else the app of that name (an
     * identity provider's `tenant_id` may carry either). Undefined when there is no such app (any more).
     */
    async resolve(tenant: string): Promise<AppService | undefined> {
      const byId = await lookup(() => options.db.apps.get(tenant));
      if (byId) return api.get(byId.id);
      const byName = await lookup(() => options.db.apps.getByName(tenant));
      return byName ? api.get(byName.id) : undefined;
    },
    /** What serves the app of this id, or undefined when no such app exists (any more). */
    async get(appId: string): Promise<AppService | undefined> {
      const stored = await lookup(() => options.db.apps.get(appId));
      const current = runtimes.get(appId);
      if (!stored) {
        if (current) {
          runtimes.delete(appId);
          retire(current);
        }
        return undefined;
      }
      if (current?.updatedAt === stored.updatedAt) return current;
      const key = `${appId}\u0000${stored.updatedAt}`;
      let pending = building.get(key);
      if (!pending) {
        pending = build(appId, stored.updatedAt).finally(() => building.delete(key));
        building.set(key, pending);
      }
      let built: Runtime | undefined;
      try {
        built = await pending;
      } catch (err) {
        // The message may name host paths or other internals: it goes to the log, the client gets a 503.
        options.logger.error(
          { component: 'admin', app_id: appId, err: err instanceof Error ? err.message : String(err) },
          'app runtime could not be built from its config',
        );
        throw new UnavailableError(
          'this app cannot be served right now: its config failed to load; see the server log',
        );
      }
      if (!built) return undefined;
      if (states.get(appId) !== built.state) {
        // Built while the app was being deleted (its run state was dropped meanwhile): not kept; start afresh.
        retire(built);
        return api.get(appId);
      }
      const previous = runtimes.get(appId);
      if (previous !== built) {
        // A slow build of an older version never replaces a newer one (nor puts back its run cap).
        if (previous && previous.updatedAt > built.updatedAt) {
          retire(built);
          return previous;
        }
        runtimes.set(appId, built);
        // The cap of the version serving new requests; runs already in flight go on when it is lowered.
        built.state.tracker.setLimit(built.runCap);
        if (previous) retire(previous);
      }
      return built;
    },
    /**
     * The app's use of its limits, for its admin: the rules counted for the whole app, and with `user` the rules
     * counted per user for that user. Undefined for an unknown app; `[]` when the server has no limit store.
     */
    async usage(appId: string, user: string | undefined): Promise<LimitStatus[] | undefined> {
      const served = await api.get(appId);
      if (!served) return undefined;
      if (!served.limiter) return [];
      const statuses = await served.limiter.usage({ appId, userId: user ?? '', address: '' });
      return statuses.filter((s) => s.rule.scope === 'app' || (user !== undefined && s.rule.scope === 'user'));
    },
    /**
     * Builds what a config would run on and closes it again, before the config is stored (the Admin API's
     * create and update): a config that cannot be served is refused with the reason — to the admin, who may
     * see host details — instead of failing on first use. A workspace made for a new app that fails is removed.
     */
    async probe(appId: string, validated: ServedAppConfig): Promise<void> {
      // The apps directory stays (other apps live there); only a workspace made here may be removed again.
      await mkdir(dirname(validated.workspace), { recursive: true });
      options.secrets?.add(validated.secrets);
      const made = await mkdir(validated.workspace, { recursive: true });
      try {
        await checkRealPaths(validated);
        const parts = await buildAgentParts(validated.config, {
          logger: options.logger.child({ tenant: appId }),
          protectedPaths: options.protectedPaths,
          version: options.version,
          llmFetch: (timeoutMs) => appLlmFetch(validated.allowedRanges, timeoutMs),
          deps: () => {
            throw new Error('an app config probe does not run agents');
          },
        });
        await parts.close();
      } catch (err) {
        if (made !== undefined) await rm(made, { recursive: true, force: true });
        if (err instanceof ConfigError) throw err;
        throw new ConfigError([
          {
            path: 'config_json',
            message: `cannot be served: ${err instanceof Error ? err.message : String(err)}`,
            hint: 'fix the config; nothing was stored',
          },
        ]);
      }
    },
    async close(): Promise<void> {
      const all = [...runtimes.values()];
      runtimes.clear();
      await Promise.all(all.flatMap((r) => r.toolsets.map((t) => t.close())));
    },
  };
  return api;
}

export type AppRuntimes = ReturnType<typeof createAppRuntimes>;

/**
 * An app lookup: a tenant that cannot be an id or name (too long, NUL…) is no app; a storage failure is a 503,
 * never "no such app" (which would answer 403 to every tenant during an outage).
 */
async function lookup<T>(find: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await find();
  } catch (err) {
    if (isAppError(err) && err.code === 'invalid_request') return undefined;
    throw new UnavailableError('the app of these credentials cannot be looked up right now; retry later');
  }
}

/**
 * Every tool directory of an app must really be inside the app's own directory: the stored config was checked
 * lexically, but a symbolic link made inside the app's directory (by one of its own command tools, say) could
 * point a path that looks inside at `/etc`. Tools resolve their directory's real path once, when built, so this
 * check at build time covers their whole life.
 */
async function checkRealPaths(validated: ValidatedAppConfig): Promise<void> {
  const root = await realpath(validated.workspace);
  const issues: ConfigIssue[] = [];
  for (const [name, tool] of Object.entries(validated.config.tools)) {
    if (!('working_directory' in tool)) continue;
    let real: string;
    try {
      real = await realpath(tool.working_directory);
    } catch {
      continue; // created (inside the app's directory) when the tool is built
    }
    const rel = relative(root, real);
    if (rel !== '' && (rel.startsWith('..') || isAbsolute(rel))) {
      issues.push({
        path: `tools.${name}.working_directory`,
        message: "leads outside the app's own directory through a symbolic link",
        hint: 'name a real directory inside the app directory',
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
}
export const APPS_DIR = (stateDir: string) => join(stateDir, 'apps');
