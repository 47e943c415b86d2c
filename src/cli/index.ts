import { Command, CommanderError } from 'commander';
import { configJsonSchema, loadConfigFile, processEnvironment } from '../config/index.ts';
import { ConfigError, enableLinearRegexFallback } from '../shared/index.ts';
import { type AuditVerifyFlags, auditVerify } from './audit.ts';
import { type DoctorFlags, doctor } from './doctor.ts';
import { EXIT } from './exit-codes.ts';
import { type Io, type ServeFlags, serve } from './serve.ts';
import { VERSION } from './version.ts';

const stdio: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** Parses `argv` and runs the command. Resolves to the process exit code; never calls process.exit itself. */
export async function runCli(argv: readonly string[], io: Io = stdio, cwd: string = process.cwd()): Promise<number> {
  // Every regex that can fall back to V8's linear-time engine does, before any untrusted text is matched.
  enableLinearRegexFallback();
  let code: number = EXIT.ok;
  const program = new Command('hector')
    .description('Hector: a declarative, security-first A2A agent server')
    .version(VERSION, '-v, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run `hector --help` for usage)');

  program
    .command('serve')
    .description('start the server')
    .requiredOption('-c, --config <file>', 'config file (YAML, version "2")')
    .option('--host <host>', 'address to bind (default: server.host or 127.0.0.1)')
    .option('-p, --port <port>', 'port to listen on (default: server.port or 8080; 0 picks a free port)')
    .option('--database <dsn>', 'postgres://… or sqlite:PATH (default: server.database or .hector/hector.db)')
    .option('--demo', 'offline demo: answer with a scripted stand-in model instead of a real LLM')
    .option('--auth-secret <secret>', 'shared admin secret (prefer the HECTOR_AUTH_SECRET environment variable)')
    .option('--auth-jwks-url <url>', 'verify JWTs against this JWKS endpoint')
    .option('--auth-issuer <iss>', 'required JWT issuer')
    .option('--auth-audience <aud>', 'required JWT audience')
    .option('--rate-limit-enabled <bool>', 'true or false: enforce rate limits (overrides HECTOR_RATE_LIMIT_ENABLED)')
    .option(
      '--rate-limit-limits <json>',
      'limits as JSON, e.g. \'[{"type":"count","window":"minute","limit":60}]\' (overrides HECTOR_RATE_LIMIT_LIMITS)',
    )
    .option('--rate-limit-store <store>', 'memory, sql or redis (overrides HECTOR_RATE_LIMIT_STORE)')
    .option('--rate-limit-redis-url <url>', 'redis:// URL for the redis store (prefer HECTOR_RATE_LIMIT_REDIS_URL)')
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent (overrides logger.level)')
    .option('--log-format <format>', 'json or text (overrides logger.format)')
    .option('--metrics', 'serve Prometheus metrics (server.observability.metrics; default path /metrics)')
    .option('--tracing-endpoint <url>', 'export OpenTelemetry spans to this OTLP collector (enables tracing)')
    .action(async (flags: ServeFlags) => {
      code = await serve(flags, io, cwd);
    });

  program
    .command('validate')
    .description('check a config file and report every error')
    .argument('<file>', 'config file')
    .action(async (file: string) => {
      try {
        const loaded = await loadConfigFile(file, { cwd, env: processEnvironment() });
        const c = loaded.config;
        io.out(
          `${file}: valid (${Object.keys(c.agents).length} agents, ${Object.keys(c.llms).length} llms, ${Object.keys(c.tools).length} tools)\n`,
        );
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        io.err(`${err.message}\n`);
        code = EXIT.usage;
      }
    });

  program
    .command('doctor')
    .description('grade a config against the production security checklist (exit 3 on high-severity findings)')
    .requiredOption('-c, --config <file>', 'config file (YAML, version "2")')
    .option('--host <host>', 'grade with the bind the deployment passes to serve (containers: --host 0.0.0.0)')
    .option('-p, --port <port>', 'grade with the port the deployment passes to serve')
    .option('--format <format>', 'text (default) or json')
    .option('--fail-on <severity>', 'exit 3 when a finding is at least this severe: high (default), medium or low')
    .action(async (flags: DoctorFlags) => {
      code = await doctor(flags, io, cwd);
    });

  const audit = program.command('audit').description('inspect the audit trail');
  audit
    .command('verify')
    .description('check the hash chain of the audit trail; exit 4 when a link is broken (each one is named)')
    .option('-c, --config <file>', 'verify the trail this config writes (audit.sink, server.database)')
    .option('--file <path>', 'verify this audit file (audit.sink: file)')
    .option('--database <dsn>', 'verify the audit rows of this database (postgres://… or sqlite:PATH)')
    .action(async (flags: AuditVerifyFlags) => {
      code = await auditVerify(flags, io, cwd);
    });

  program
    .command('schema')
    .description('print the JSON Schema of the config file')
    .action(() => {
      io.out(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });

  program
    .command('version')
    .description('print the version')
    .action(() => {
      io.out(`hector ${VERSION}\n`);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    io.err(`hector: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failure;
  }
  return code;
}
