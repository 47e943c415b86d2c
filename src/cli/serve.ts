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
  return `${lines.join('\n')}\n`;
}

/**
 * `hector serve`: loads and validates the config, starts the server, prints the banner, and runs until SIGTERM
 * or SIGINT, which drain in-flight requests and exit 0. A second signal exits at once with code 1.
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
      },
    });
    io.out(banner(server, demo !== undefined));
    await new Promise<void>((resolve) => {
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals > 1) process.exit(EXIT.failure);
        server.logger.info({ component: 'server', signal }, 'shutting down: draining in-flight requests');
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
