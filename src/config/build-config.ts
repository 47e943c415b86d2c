/**
 * Builds the output Config from the schema's output: fills the agent defaults that depend on other sections,
 * and resolves relative paths against the config file's directory. Input is already validated; does not freeze.
 */
import { resolve } from 'node:path';
import type { ParsedSchema } from './schema.ts';
import { buildObservability } from './sections/observability.ts';
import { databaseKind } from './sections/server.ts';
import { APPROVAL_BY_DEFAULT, DEFAULT_WORKING_DIRECTORY } from './sections/tools.ts';
import type {
  AgentConfig,
  AuthConfig,
  Config,
  GuardrailConfig,
  LimitRuleConfig,
  LlmConfig,
  McpToolConfig,
  RateLimitingConfig,
  ServerConfig,
  ToolConfig,
} from './types.ts';

function nullProto<V>(entries: [string, V][]): Record<string, V> {
  const out = Object.create(null) as Record<string, V>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

function database(dsn: string | undefined, baseDir: string): string | undefined {
  if (dsn === undefined) return undefined;
  const kind = databaseKind(dsn);
  if (kind !== 'sqlite') return dsn;
  const file = /^sqlite:/i.test(dsn) ? dsn.slice('sqlite:'.length) : dsn;
  return `sqlite:${resolve(baseDir, file)}`;
}

export function buildConfig(parsed: ParsedSchema, baseDir: string): Config {
  const llmNames = Object.keys(parsed.llms);

  const llms = nullProto<LlmConfig>(
    Object.entries(parsed.llms).map(([name, l]) => [
      name,
      {
        provider: l.provider,
        model: l.model,
        ...(l.api_key === undefined || l.api_key === '' ? {} : { api_key: l.api_key }),
        ...(l.base_url === undefined ? {} : { base_url: l.base_url }),
        ...(l.temperature === undefined ? {} : { temperature: l.temperature }),
        ...(l.max_tokens === undefined ? {} : { max_tokens: l.max_tokens }),
        timeout: l.timeout,
        max_retries: l.max_retries,
      },
    ]),
  );

  const tools = nullProto<ToolConfig>(Object.entries(parsed.tools).map(([name, t]) => [name, buildTool(t, baseDir)]));

  const agents = nullProto<AgentConfig>(
    Object.entries(parsed.agents).map(([name, a]) => [
      name,
      {
        name: a.name ?? name,
        description: a.description,
        llm: a.llm ?? llmNames[0] ?? '',
        instruction: a.instruction,
        tools: [...a.tools],
        streaming: a.streaming,
        max_steps: a.max_steps,
        history_limit: a.history_limit,
        visibility: a.visibility,
        sub_agents: [...a.sub_agents],
        ...(a.guardrails === undefined ? {} : { guardrails: a.guardrails }),
        ...(a.rate_limits === undefined ? {} : { rate_limits: a.rate_limits.map(buildRule) }),
      },
    ]),
  );

  const guardrails = nullProto<GuardrailConfig>(
    Object.entries(parsed.guardrails).map(([name, g]) => [name, withoutDisabled(g) as GuardrailConfig]),
  );

  const s = parsed.server;
  const db = database(s.database, baseDir);
  const server: ServerConfig = {
    host: s.host,
    port: s.port,
    ...(s.public_url === undefined ? {} : { public_url: s.public_url }),
    ...(db === undefined ? {} : { database: db }),
    max_body_bytes: s.max_body_bytes,
    shutdown_timeout: s.shutdown_timeout,
    task_lease: s.task_lease,
    max_concurrent_runs: s.max_concurrent_runs,
    ...(s.auth === undefined ? {} : { auth: buildAuth(s.auth) }),
    ...(s.cors === undefined ? {} : { cors: { ...s.cors } }),
    ...(s.rate_limiting === undefined ? {} : { rate_limiting: buildRateLimiting(s.rate_limiting) }),
    trusted_proxies: [...s.trusted_proxies],
    observability: buildObservability(s.observability),
  };

  return {
    version: parsed.version,
    ...(parsed.name === undefined ? {} : { name: parsed.name }),
    llms,
    agents,
    tools,
    guardrails,
    server,
    logger: {
      level: parsed.logger.level,
      format: parsed.logger.format,
      ...(parsed.logger.file === undefined ? {} : { file: resolve(baseDir, parsed.logger.file) }),
    },
    audit: {
      sink: parsed.audit.sink,
      repeat_limit: parsed.audit.repeat_limit,
      ...(parsed.audit.path === undefined ? {} : { path: resolve(baseDir, parsed.audit.path) }),
    },
  };
}

/**
 * A copy without the objects that say `enabled: false` (a check that is off is simply absent), except
 * `tool.results`, whose absence means its default (on).
 */
function withoutDisabled(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDisabled);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const off = v !== null && typeof v === 'object' && (v as { enabled?: unknown }).enabled === false;
    if (off && k !== 'results') {
      continue;
    }
    out[k] = withoutDisabled(v);
  }
  return out;
}

function buildRule(r: LimitRuleConfig): LimitRuleConfig {
  return {
    type: r.type,
    window: r.window,
    limit: r.limit,
    scope: r.scope,
    ...(r.burst === undefined ? {} : { burst: r.burst }),
  };
}

function buildRateLimiting(r: NonNullable<ParsedSchema['server']['rate_limiting']>): RateLimitingConfig {
  return {
    ...(r.enabled === undefined ? {} : { enabled: r.enabled }),
    ...(r.requests_per_minute === undefined ? {} : { requests_per_minute: r.requests_per_minute }),
    ...(r.burst === undefined ? {} : { burst: r.burst }),
    ...(r.per_user === undefined ? {} : { per_user: r.per_user }),
    ...(r.limits === undefined ? {} : { limits: r.limits.map(buildRule) }),
    store: r.store,
    ...(r.redis_url === undefined ? {} : { redis_url: r.redis_url }),
    on_store_error: r.on_store_error,
  };
}

function buildAuth(a: NonNullable<ParsedSchema['server']['auth']>): AuthConfig {
  return {
    ...(a.enabled === undefined ? {} : { enabled: a.enabled }),
    ...(a.secret === undefined ? {} : { secret: a.secret }),
    api_keys: (a.api_keys ?? []).map((k) => (typeof k === 'string' ? { key: k, roles: [] } : { ...k })),
    ...(a.jwks_url === undefined ? {} : { jwks_url: a.jwks_url }),
    ...(a.issuer === undefined ? {} : { issuer: a.issuer }),
    ...(a.audience === undefined ? {} : { audience: a.audience }),
    ...(a.algorithms === undefined ? {} : { algorithms: a.algorithms }),
    tenant_claim: a.tenant_claim,
    ...(a.require_tenant_claim === undefined ? {} : { require_tenant_claim: a.require_tenant_claim }),
  };
}

const DEFAULT_WEB_MAX_RESPONSE_BYTES = 1024 * 1024;
const DEFAULT_WEB_TIMEOUT_MS = 30_000;

function buildTool(t: ParsedSchema['tools'][string], baseDir: string): ToolConfig {
  if (t.type === 'mcp') return buildMcpTool(t, baseDir);
  const common = {
    ...(t.description === undefined ? {} : { description: t.description }),
    enabled: t.enabled,
    require_approval:
      t.require_approval ??
      (t.type === 'command' || (t.type === 'function' && APPROVAL_BY_DEFAULT.includes(t.handler))),
    ...(t.approval_prompt === undefined ? {} : { approval_prompt: t.approval_prompt }),
    approvers: [...t.approvers],
    approval_timeout: t.approval_timeout,
  };
  if (t.type === 'command') {
    return {
      type: 'command',
      ...common,
      allowed_commands: [...t.allowed_commands],
      denied_commands: [...t.denied_commands],
      deny_by_default: t.deny_by_default,
      working_directory: resolve(baseDir, t.working_directory),
      max_execution_time: t.max_execution_time,
      max_output_bytes: t.max_output_bytes,
      network: t.network,
      sandbox: t.sandbox,
    };
  }
  if (t.handler === 'web_request') {
    return {
      type: 'function',
      handler: 'web_request',
      ...common,
      ...(t.allowed_domains === undefined ? {} : { allowed_domains: [...t.allowed_domains] }),
      denied_domains: [...(t.denied_domains ?? [])],
      allowed_ranges: [...(t.allowed_ranges ?? [])],
      max_response_bytes: t.max_response_bytes ?? DEFAULT_WEB_MAX_RESPONSE_BYTES,
      timeout: t.timeout ?? DEFAULT_WEB_TIMEOUT_MS,
    };
  }
  return {
    type: 'function',
    handler: t.handler,
    ...common,
    working_directory: resolve(baseDir, t.working_directory ?? DEFAULT_WORKING_DIRECTORY),
    ...(t.max_read_bytes === undefined ? {} : { max_read_bytes: t.max_read_bytes }),
    ...(t.max_write_bytes === undefined ? {} : { max_write_bytes: t.max_write_bytes }),
  };
}

function buildMcpTool(t: Extract<ParsedSchema['tools'][string], { type: 'mcp' }>, baseDir: string): McpToolConfig {
  const common = {
    type: 'mcp' as const,
    enabled: t.enabled,
    ...(t.filter === undefined ? {} : { filter: [...t.filter] }),
    deny: [...t.deny],
    require_approval: typeof t.require_approval === 'boolean' ? t.require_approval : [...t.require_approval],
    ...(t.approval_prompt === undefined ? {} : { approval_prompt: t.approval_prompt }),
    approvers: [...t.approvers],
    approval_timeout: t.approval_timeout,
    timeout: t.timeout,
    connect_timeout: t.connect_timeout,
    max_result_bytes: t.max_result_bytes,
  };
  if (t.command !== undefined) {
    return {
      ...common,
      transport: 'stdio',
      command: t.command,
      args: [...(t.args ?? [])],
      env: { ...(t.env ?? {}) },
      working_directory: resolve(baseDir, t.working_directory ?? DEFAULT_WORKING_DIRECTORY),
      sandbox: t.sandbox ?? 'bubblewrap',
      network: t.network ?? false,
      read_only_paths: (t.read_only_paths ?? []).map((p) => resolve(baseDir, p)),
    };
  }
  return {
    ...common,
    transport: t.transport ?? 'streamable-http',
    url: t.url ?? '',
    headers: { ...(t.headers ?? {}) },
    allowed_ranges: [...(t.allowed_ranges ?? [])],
  };
}
