import { type LoadedConfig, loadConfigFile, processEnvironment } from '../config/index.ts';
import { type RunningServer, startServer } from '../server/index.ts';
import { ConfigError, isAppError } from '../shared/index.ts';
import { startDemoModel } from './demo-model.ts';
import { EXIT } from './exit-codes.ts';
import { VERSION } from './version.ts';

export interface ServeFlags {
  config: string;
  host?: string;
  port?: string;
  database?: string;
  demo?: boolean;
  authSecret?: string;
  authJwksUrl?: string;
  authIssuer?: string;
  authAudience?: string;
  rateLimitEnabled?: string;
  rateLimitLimits?: string;
  rateLimitStore?: string;
  rateLimitRedisUrl?: string;
  logLevel?: string;
  logFormat?: string;
  metrics?: boolean;
  tracingEndpoint?: string;
}

const LOG_LEVEL_NAMES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const LOG_FORMAT_NAMES = ['json', 'text'] as const;

/** A `--log-level` / `--log-format` value, checked against its choices. */
function oneOf<T extends string>(value: string | undefined, choices: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new ConfigError([{ path: flag, message: `"${value.slice(0, 20)}" is not one of ${choices.join(', ')}` }]);
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new ConfigError([{ path: '--port', message: `"${text}" is not a port number (0-65535)` }]);
  }
  return Number(text);
}

function banner(server: RunningServer, demo: boolean): string {
  const lines = [`Hector ${VERSION} listening on ${server.url}`];
  if (demo) {
    lines.push(
      '',
      '  *** OFFLINE DEMO: answers come from a scripted stand-in model, NOT a real LLM. ***',
      '  *** Set OPENAI_API_KEY and drop --demo to talk to a real model.               ***',
      '',
    );
  }
  lines.push(
    `  storage: ${server.storage}`,
    `  auth: ${server.authMethods.length > 0 ? server.authMethods.join(', ') : 'OFF (anonymous access; keep this server on loopback)'}`,
    `  rate limits: ${server.rateLimits}`,
    '  agents:',
  );
  const authOff = server.authMethods.length === 0;
  for (const a of server.agents) {
    const tag = a.visibility === 'internal' && authOff ? 'internal: UNREACHABLE while auth is off' : a.visibility;
    lines.push(`    ${a.name}  ${a.url}  [${tag}]  (card: ${a.url}/.well-known/agent-card.json)`);
  }
  lines.push(`  health: ${server.url}/health`);
  if (server.metricsUrl) lines.push(`  metrics: ${server.metricsUrl}`);
  return `${lines.join('\n')}\n`;
}

/** Slack on top of the graceful stop's own bound (shutdown_timeout + 2 × 2 s) before the watchdog fires. */
const STOP_WATCHDOG_SLACK_MS = 10_000;

/**
 * `hector serve`: loads and validates the config, starts the server, prints the banner, and runs until SIGTERM
 * or SIGINT, which stop gracefully (server/shutdown.ts: no new connections, in-flight requests and runs finish
 * within server.shutdown_timeout or are interrupted, the audit sink is flushed) and exit 0. A second signal
 * exits at once with code 1; so does a stop that hangs past its bound (a storage that never answers), so the
 * process never outlives an orchestrator's grace period by more than the slack. Once stopped, a handle left
 * open elsewhere (a library's socket or timer) cannot keep the process alive either.
 */
export async function serve(flags: ServeFlags, io: Io, cwd: string): Promise<number> {
  const demo = flags.demo ? await startDemoModel() : undefined;
  try {
    const env = { ...processEnvironment(), ...(demo?.env ?? {}) };
    let loaded: LoadedConfig;
    try {
      loaded = await loadConfigFile(flags.config, { cwd, env });
    } catch (err) {
      if (err instanceof ConfigError) {
        io.err(`${err.message}\n`);
        if (!flags.demo && /environment variable \w*API_KEY\w* is not set/.test(err.message)) {
          io.err(
            `No API key at hand? \`npx hector serve --config ${flags.config} --demo\` runs against a scripted stand-in model.\n`,
          );
        }
        return EXIT.usage;
      }
      throw err;
    }
    const server = await startServer({
      loaded,
      cwd,
      version: VERSION,
      overrides: {
        host: flags.host,
        port: flags.port === undefined ? undefined : parsePort(flags.port),
        database: flags.database,
        auth: {
          secret: flags.authSecret,
          jwksUrl: flags.authJwksUrl,
          issuer: flags.authIssuer,
          audience: flags.authAudience,
        },
        rateLimit: {
          enabled: flags.rateLimitEnabled,
          limits: flags.rateLimitLimits,
          store: flags.rateLimitStore,
          redisUrl: flags.rateLimitRedisUrl,
        },
        logLevel: oneOf(flags.logLevel, LOG_LEVEL_NAMES, '--log-level'),
        logFormat: oneOf(flags.logFormat, LOG_FORMAT_NAMES, '--log-format'),
        observability: { metrics: flags.metrics, tracingEndpoint: flags.tracingEndpoint },
      },
    });
    io.out(banner(server, demo !== undefined));
    await new Promise<void>((resolve) => {
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals > 1) process.exit(EXIT.failure);
        server.logger.info({ component: 'server', signal }, 'signal received: stopping gracefully');
        const watchdog = setTimeout(
          () => {
            server.logger.error({ component: 'server' }, 'graceful stop did not finish in time; exiting');
            server.logger.flush();
            process.exit(EXIT.failure);
          },
          server.shutdownTimeoutMs + 4_000 + STOP_WATCHDOG_SLACK_MS,
        );
        watchdog.unref();
        void server.stop().then(resolve, (err: unknown) => {
          server.logger.error({ component: 'server', err }, 'error during shutdown');
          resolve();
        });
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    server.logger.info({ component: 'server' }, 'stopped');
    server.logger.flush();
    // Everything of ours is closed; whatever still holds the event loop gets one second, then the process exits
    // with the code main() set.
    setTimeout(() => process.exit(), 1_000).unref();
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`${err.message}\n`);
      return EXIT.usage;
    }
    io.err(`hector: ${isAppError(err) ? err.message : err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failure;
  } finally {
    await demo?.stop();
  }
}
