/**
 * Doctor checks of how the server is operated: rate limits, logs and the audit trail, metrics and traces, and the
 * transport to the LLMs. See doctor.ts for the contract and docs/doctor.md for each id.
 */
import type { Config } from '../config/index.ts';
import { exposure } from './doctor-access.ts';
import { type Finding, isLoopbackHost, finding as make } from './doctor-finding.ts';

function rateLimitFindings(config: Config, publicWhy: string | undefined): Finding[] {
  const r = config.server.rate_limiting;
  const hasRules = r !== undefined && (r.requests_per_minute !== undefined || (r.limits?.length ?? 0) > 0);
  const on = r !== undefined && r.enabled !== false && (r.enabled === true || hasRules);
  // Agents' own rate_limits count too (they switch rate limiting on), unless enabled: false switches all off.
  const unlimited = Object.entries(config.agents)
    .filter(([, a]) => a.visibility !== 'private' && (a.rate_limits?.length ?? 0) === 0)
    .map(([name]) => name);
  if (!on && (r?.enabled === false || unlimited.length > 0)) {
    const which =
      r?.enabled === false || unlimited.length === Object.keys(config.agents).length
        ? ''
        : ` for agents without their own rate_limits (${unlimited.join(', ')})`;
    return [
      make(
        'rate-limit-off',
        publicWhy ? 'medium' : 'low',
        'server.rate_limiting',
        `rate limiting is off in the file${which}: one caller can exhaust the LLM budget and the server`,
        'add server.rate_limiting: {requests_per_minute: 60, burst: 10, per_user: true, limits: [{type: token, window: day, limit: 100000}]} (or set HECTOR_RATE_LIMIT_ENABLED and HECTOR_RATE_LIMIT_LIMITS in every deployment)',
      ),
    ];
  }
  if (r?.on_store_error === 'allow') {
    return [
      make(
        'rate-limit-fails-open',
        'medium',
        'server.rate_limiting.on_store_error',
        'when the limit store fails, requests are let through unlimited',
        'remove on_store_error: allow (the default, deny, answers 503)',
      ),
    ];
  }
  return [];
}

function loggingFindings(config: Config): Finding[] {
  const out: Finding[] = [];
  if (config.logger.format === 'text') {
    out.push(
      make(
        'log-format-text',
        'medium',
        'logger.format',
        'logs are human-readable text: audit events cannot be parsed reliably by a log pipeline',
        'set logger.format: json',
      ),
    );
  }
  if (config.audit?.sink === 'log') {
    out.push(
      make(
        'audit-log-only',
        'low',
        'audit.sink',
        'the audit trail is only log lines: no hash chain, so hector audit verify cannot detect an edited or deleted entry',
        'use audit.sink: database (the default) or file, and ship the log lines as well',
      ),
    );
  }
  const level = config.logger.level;
  if (level === 'warn' || level === 'error' || level === 'fatal' || level === 'silent') {
    out.push(
      make(
        'log-level-hides-audit',
        'medium',
        'logger.level',
        `logger.level ${level} drops info-level audit events (authentication, agent requests, tool calls) from the log`,
        'set logger.level: info',
      ),
    );
  }
  return out;
}

function observabilityFindings(config: Config, publicWhy: string | undefined): Finding[] {
  const o = config.server.observability;
  if (o === undefined) return [];
  const out: Finding[] = [];
  const m = o.metrics;
  if (m.enabled && m.port === undefined && m.bearer_token === undefined && publicWhy !== undefined) {
    out.push(
      make(
        'metrics-unauthenticated',
        'medium',
        'server.observability.metrics',
        `metrics are served on the main port without a token while the server is reachable (${publicWhy}): anyone can read request, agent, tool and auth-failure counts`,
        'set metrics.bearer_token: "$' + '{METRICS_TOKEN}" or metrics.port (loopback only) for the scraper',
      ),
    );
  }
  if (o.tracing.enabled && o.tracing.capture_content) {
    out.push(
      make(
        'tracing-captures-content',
        'medium',
        'server.observability.tracing.capture_content',
        'spans carry prompts, tool arguments and outputs: the trace backend then holds conversation data',
        'remove capture_content: true outside debugging',
      ),
    );
  }
  return out;
}

function llmFindings(config: Config): Finding[] {
  const out: Finding[] = [];
  for (const [name, llm] of Object.entries(config.llms)) {
    const url = llm.base_url !== undefined && URL.canParse(llm.base_url) ? new URL(llm.base_url) : undefined;
    if (url?.protocol !== 'http:' || isLoopbackHost(url.hostname)) continue;
    out.push(
      make(
        'llm-plain-http',
        'medium',
        `llms.${name}.base_url`,
        `LLM ${name} is reached over plain http: its API key, prompts and answers can be read or changed on the way`,
        'use an https:// base_url (or a loopback address for a local model server)',
      ),
    );
  }
  return out;
}

function urlOf(text: string | undefined): URL | undefined {
  return text !== undefined && URL.canParse(text) ? new URL(text) : undefined;
}

/** A URL host that stays on this machine: loopback, or empty (a Unix socket, `postgres:///db?host=/run/…`). */
function local(url: URL): boolean {
  const host = url.searchParams.get('host') ?? url.hostname;
  return host === '' || host.startsWith('/') || isLoopbackHost(host);
}

/**
 * Connections that carry credentials or conversation data in plaintext across the network: PostgreSQL without
 * TLS (`sslmode=disable`, or no sslmode: node-postgres then does not use TLS), Redis with a password over
 * `redis://` (not `rediss://`), and an OTLP collector over `http://`. Loopback hosts and Unix sockets are fine.
 */
function transportFindings(config: Config): Finding[] {
  const out: Finding[] = [];
  const db = config.server.database;
  const dbUrl = db !== undefined && /^postgres(?:ql)?:\/\//i.test(db) ? urlOf(db) : undefined;
  if (dbUrl !== undefined && !local(dbUrl)) {
    const mode = dbUrl.searchParams.get('sslmode');
    if (mode === null || mode === 'disable' || mode === 'allow' || mode === 'prefer') {
      out.push(
        make(
          'db-plaintext',
          'medium',
          'server.database',
          `the PostgreSQL connection to ${dbUrl.hostname} ${mode === null ? 'names no sslmode, so it does not use TLS' : `has sslmode=${mode}, which does not require TLS`}: its password, the sessions, tasks and app signing keys cross the network readable`,
          'add ?sslmode=verify-full (or require) to server.database, and enable TLS on the database server',
        ),
      );
    }
  }
  const redis = urlOf(config.server.rate_limiting?.redis_url);
  if (redis?.protocol === 'redis:' && redis.password !== '' && !local(redis)) {
    out.push(
      make(
        'redis-plaintext',
        'medium',
        'server.rate_limiting.redis_url',
        `the Redis password is sent to ${redis.hostname} over plain redis:// (no TLS): anyone on the path can read it and change the counters`,
        'use a rediss:// URL (TLS) and enable TLS on the Redis server',
      ),
    );
  }
  const tracing = config.server.observability?.tracing;
  const endpoint = urlOf(tracing?.endpoint);
  if (endpoint?.protocol === 'http:' && !isLoopbackHost(endpoint.hostname)) {
    out.push(
      make(
        'tracing-plaintext',
        'medium',
        'server.observability.tracing.endpoint',
        `spans are exported to ${endpoint.hostname} over plain http: request metadata (and content, with capture_content) can be read or changed on the way`,
        'use an https:// endpoint (or host:port for gRPC with TLS), or a collector on loopback',
      ),
    );
  }
  return out;
}

/** A lease shorter than a healthy server's longest pause fails live runs (see a2a/leases.ts). */
const SHORT_TASK_LEASE_MS = 15_000;

function leaseFindings(config: Config): Finding[] {
  if (config.server.task_lease >= SHORT_TASK_LEASE_MS) return [];
  return [
    make(
      'task-lease-short',
      'low',
      'server.task_lease',
      `a task lease of ${config.server.task_lease} ms: a server that stalls that long (a GC pause, a slow database) has its running tasks failed by another replica`,
      'use the default (60s), or at least 15s',
    ),
  ];
}

/** Findings about rate limits, logging, audit, task leases, observability and LLM transport. */
export function operationsFindings(config: Config): Finding[] {
  const publicWhy = exposure(config);
  return [
    ...rateLimitFindings(config, publicWhy),
    ...loggingFindings(config),
    ...leaseFindings(config),
    ...observabilityFindings(config, publicWhy),
    ...llmFindings(config),
    ...transportFindings(config),
  ];
}
