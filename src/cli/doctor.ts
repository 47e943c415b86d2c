/**
 * `hector doctor --config FILE [--host H] [--port P] [--format text|json] [--fail-on high|medium|low]`: grades a
 * config against the production checklist (server/doctor.ts) and prints the findings.
 *
 * `--host` / `--port` are the bind the deployment passes to `hector serve` (same meaning: they win over
 * server.host / server.port): the shipped Dockerfile and Kubernetes Deployment pass `--host 0.0.0.0`. When neither
 * the file nor `--host` names a host, the output says the server was graded as loopback-only.
 *
 * Exit codes: 0 no finding at or above `--fail-on` (default high); 3 (EXIT.findings) at least one; 2 the file is
 * invalid (the validation errors are printed, as `hector validate` does), `hector serve` would refuse it at start
 * (server/doctor-startup.ts: authentication and rate-limit settings), or the flags are wrong. Unset `${VAR}`s do
 * not stop the grading: they are graded with placeholders and listed under "placeholders". Output never contains
 * a secret: findings name paths, and placeholders name variables, never values.
 */
import { isIP } from 'node:net';
import { type Config, type InspectedConfig, inspectConfigFile, processEnvironment } from '../config/index.ts';
import {
  checkStartup,
  countFindings,
  type Finding,
  failsAt,
  gradeConfig,
  SEVERITIES,
  type Severity,
} from '../server/index.ts';
import { ConfigError, isPlainObject } from '../shared/index.ts';
import { EXIT } from './exit-codes.ts';
import type { Io } from './serve.ts';

export interface DoctorFlags {
  config: string;
  host?: string;
  port?: string;
  format?: string;
  failOn?: string;
}

const FORMATS = ['text', 'json'] as const;

/** The check of server.host (config/sections/server.ts): an IP address or a host name, no URL, no port. */
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const LOOPBACK_NOTE =
  'the file sets no server.host and no --host was given: graded as loopback-only (127.0.0.1); container deployments (the Dockerfile, deploy/kubernetes) pass --host 0.0.0.0 — grade them with hector doctor --host 0.0.0.0';

function fileSetsHost(document: unknown): boolean {
  const server = isPlainObject(document) ? document.server : undefined;
  return isPlainObject(server) && server.host !== undefined;
}

/** The config with the bind the flags name, as `hector serve --host/--port` would use it. */
function withBind(config: Config, host: string | undefined, port: number | undefined): Config {
  if (host === undefined && port === undefined) return config;
  return {
    ...config,
    server: { ...config.server, ...(host === undefined ? {} : { host }), ...(port === undefined ? {} : { port }) },
  };
}

function renderText(
  file: string,
  findings: readonly Finding[],
  placeholders: readonly string[],
  notes: readonly string[],
  failOn: Severity,
) {
  const lines = [`hector doctor: ${file}`];
  if (findings.length === 0) lines.push('  no findings');
  for (const f of findings) {
    lines.push(
      `  ${f.severity.toUpperCase().padEnd(6)} ${f.id}  ${f.path}`,
      `         ${f.message}`,
      `         fix: ${f.fix}`,
    );
  }
  const c = countFindings(findings);
  lines.push(`${c.high} high, ${c.medium} medium, ${c.low} low`);
  if (placeholders.length > 0) {
    lines.push(`note: not set, graded with placeholder values: ${placeholders.join(', ')}`);
  }
  for (const n of notes) lines.push(`note: ${n}`);
  if (failsAt(findings, failOn)) lines.push(`FAIL: findings of severity ${failOn} or higher`);
  return `${lines.join('\n')}\n`;
}

function usageError(io: Io, message: string): number {
  io.err(`hector doctor: ${message}\n`);
  return EXIT.usage;
}

/** Runs `hector doctor`; resolves to the exit code (see the file comment). Only reads the file and `.env` files. */
export async function doctor(flags: DoctorFlags, io: Io, cwd: string): Promise<number> {
  const format = flags.format ?? 'text';
  const failOn = flags.failOn ?? 'high';
  if (!(FORMATS as readonly string[]).includes(format)) {
    return usageError(io, `--format must be one of: ${FORMATS.join(', ')}`);
  }
  if (!(SEVERITIES as readonly string[]).includes(failOn)) {
    return usageError(io, `--fail-on must be one of: ${SEVERITIES.join(', ')}`);
  }
  const threshold = failOn as Severity;
  const host = flags.host;
  if (host !== undefined && isIP(host) === 0 && !HOST_NAME.test(host)) {
    return usageError(io, '--host must be an IP address or host name such as 127.0.0.1, 0.0.0.0, :: or localhost');
  }
  const portText = flags.port;
  if (portText !== undefined && (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535)) {
    return usageError(io, `--port: "${portText.slice(0, 20)}" is not a port number (0-65535)`);
  }
  let inspected: InspectedConfig;
  let config: Config;
  try {
    inspected = await inspectConfigFile(flags.config, { cwd, env: processEnvironment() });
    config = withBind(inspected.config, host, portText === undefined ? undefined : Number(portText));
    checkStartup(config, inspected.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (format === 'json') {
      io.out(`${JSON.stringify({ file: flags.config, valid: false, errors: err.issues }, null, 2)}\n`);
    } else {
      io.err(`${err.message}\n`);
    }
    return EXIT.usage;
  }
  // serve's --host wins over server.host: with doctor's --host, a server.host from the environment is moot.
  const switches = new Map(inspected.switches);
  if (host !== undefined) switches.delete('server.host');
  const findings = gradeConfig({ ...inspected, config, switches });
  const failed = failsAt(findings, threshold);
  const notes = host === undefined && !fileSetsHost(inspected.document) ? [LOOPBACK_NOTE] : [];
  if (format === 'json') {
    const report = {
      file: flags.config,
      valid: true,
      fail_on: threshold,
      passed: !failed,
      summary: countFindings(findings),
      findings,
      placeholders: inspected.placeholders,
      notes,
    };
    io.out(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    io.out(renderText(flags.config, findings, inspected.placeholders, notes, threshold));
  }
  return failed ? EXIT.findings : EXIT.ok;
}
