import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type A2AService, createA2AService } from '../a2a/index.ts';
import type { AuditSink, Logger } from '../observability/index.ts';
import type { Database } from '../persistence/index.ts';
import type { RateLimiter } from '../ratelimit/index.ts';
import type { RuntimeDeps } from '../runtime/index.ts';
import { type Clock, UnavailableError } from '../shared/index.ts';
import type { Toolset } from '../tools/index.ts';
import { buildAgentParts } from './agent-parts.ts';
import type { AppManager } from './apps.ts';

export interface AppRuntimesOptions {
  manager: AppManager;
  db: Database;
  audit: AuditSink;
  logger: Logger;
  clock: Clock;
  version: string;
  limiter?: RateLimiter | undefined;
  /** Paths no app tool may touch (the state directory, the server's .env). */
  protectedPaths: readonly string[];
  /** How long a replaced runtime's toolsets stay open for the tasks still running on it. */
  drainMs: number;
}

interface Runtime {
  readonly updatedAt: string;
  readonly a2a: A2AService;
  readonly toolsets: readonly Toolset[];
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

  const build = async (appId: string, updatedAt: string): Promise<Runtime | undefined> => {
    const validated = await options.manager.config(appId);
    if (!validated) return undefined;
    const { config, workspace } = validated;
    await mkdir(workspace, { recursive: true });
    const logger = options.logger.child({ tenant: appId });
    let deps: RuntimeDeps | undefined;
    const parts = await buildAgentParts(config, {
      logger,
      protectedPaths: options.protectedPaths,
      version: options.version,
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
      ...(options.limiter ? { limits: options.limiter } : {}),
    };
    const a2a = createA2AService({
      agents,
      tasks: options.db.tasks,
      runtime: deps,
      audit: options.audit,
      logger,
      version: options.version,
    });
    return { updatedAt, a2a, toolsets };
  };

  return {
    /** The app's A2A service, or undefined when no such app exists (any more). */
    async get(appId: string): Promise<A2AService | undefined> {
      const stored = await options.db.apps.get(appId).catch(() => undefined);
      const current = runtimes.get(appId);
      if (!stored) {
        if (current) {
          runtimes.delete(appId);
          retire(current);
        }
        return undefined;
      }
      if (current?.updatedAt === stored.updatedAt) return current.a2a;
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
      const previous = runtimes.get(appId);
      if (previous !== built) {
        runtimes.set(appId, built);
        if (previous) retire(previous);
      }
      return built.a2a;
    },
    async close(): Promise<void> {
      const all = [...runtimes.values()];
      runtimes.clear();
      await Promise.all(all.flatMap((r) => r.toolsets.map((t) => t.close())));
    },
  };
}

export type AppRuntimes = ReturnType<typeof createAppRuntimes>;
export const APPS_DIR = (stateDir: string) => join(stateDir, 'apps');
