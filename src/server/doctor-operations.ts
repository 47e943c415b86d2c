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

/** Findings about rate limits, logging, audit, observability and LLM transport. */
export function operationsFindings(config: Config): Finding[] {
  const publicWhy = exposure(config);
  return [
    ...rateLimitFindings(config, publicWhy),
    ...loggingFindings(config),
    ...observabilityFindings(config, publicWhy),
    ...llmFindings(config),
  ];
}
