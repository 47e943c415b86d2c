/**
 * The OUTPUT form of the config: validated, defaults applied, durations in milliseconds, paths absolute,
 * deep-frozen. The name-keyed maps (`llms`, `agents`, `tools`) have a null prototype, so a lookup with an
 * untrusted name (`constructor`, `__proto__`) finds nothing; iterate them with Object.entries / Object.keys.
 */
import type { GuardrailConfig } from './sections/guardrails.ts';
import type { Provider } from './sections/llms.ts';
import type { LOG_FORMATS, LOG_LEVELS } from './sections/logger.ts';
import type { ObservabilityConfig } from './sections/observability.ts';
import type { LIMIT_SCOPES, LIMIT_TYPES, LIMIT_WINDOWS, RATE_LIMIT_STORES } from './sections/rate-limiting.ts';
import type { FILE_HANDLERS, TOOL_TYPES } from './sections/tools.ts';

export type { GuardrailConfig, ObservabilityConfig, Provider };
export type ToolType = (typeof TOOL_TYPES)[number];
export type FileHandler = (typeof FILE_HANDLERS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];
export type LimitType = (typeof LIMIT_TYPES)[number];
export type LimitWindow = (typeof LIMIT_WINDOWS)[number];
export type LimitScopeName = (typeof LIMIT_SCOPES)[number];
export type RateLimitStoreKind = (typeof RATE_LIMIT_STORES)[number];

export interface LlmConfig {
  readonly provider: Provider;
  readonly model: string;
  /** Absent when not set (or set to ""); always present for anthropic, gemini, and openai without base_url. */
  readonly api_key?: string;
  readonly base_url?: string;
  readonly temperature?: number;
  readonly max_tokens?: number;
  /** Milliseconds (default 60,000). */
  readonly timeout: number;
  /** Default 2. */
  readonly max_retries: number;
}

export interface AgentConfig {
  /** Display name (default: the agent's key). */
  readonly name: string;
  readonly description: string;
  /** Key of `llms` (resolved when omitted and exactly one llm exists). */
  readonly llm: string;
  readonly instruction: string;
  /** Keys of `tools`, each enabled, no duplicates. Empty when the agent lists none. */
  readonly tools: readonly string[];
  readonly streaming: boolean;
  readonly max_steps: number;
  readonly history_limit: number;
  readonly visibility: Visibility;
  /** Keys of `agents` this agent may call as tools (no cycles, not itself). */
  readonly sub_agents: readonly string[];
  /** Key of `guardrails` (absent: no guardrails). */
  readonly guardrails?: string;
  /** The agent's own limits, on top of the server's (absent: none). */
  readonly rate_limits?: readonly LimitRuleConfig[];
}

export type Visibility = 'public' | 'internal' | 'private';

interface ToolCommon {
  readonly description?: string;
  readonly enabled: boolean;
  /** Defaults applied: true for command tools, write_file and search_replace. */
  readonly require_approval: boolean;
  readonly approval_prompt?: string;
  /** Roles that may decide besides the task's owner. */
  readonly approvers: readonly string[];
  /** Milliseconds. */
  readonly approval_timeout: number;
}

export interface FileToolConfig extends ToolCommon {
  readonly type: 'function';
  readonly handler: FileHandler;
  /** Absolute path (resolved against the config file's directory). */
  readonly working_directory: string;
  readonly max_read_bytes?: number;
  readonly max_write_bytes?: number;
}

export interface WebToolConfig extends ToolCommon {
  readonly type: 'function';
  readonly handler: 'web_request';
  readonly allowed_domains?: readonly string[];
  readonly denied_domains: readonly string[];
  readonly allowed_ranges: readonly string[];
  readonly max_response_bytes: number;
  /** Milliseconds. */
  readonly timeout: number;
}

export type FunctionToolConfig = FileToolConfig | WebToolConfig;

export interface CommandToolConfig extends ToolCommon {
  readonly type: 'command';
  readonly allowed_commands: readonly string[];
  readonly denied_commands: readonly string[];
  readonly deny_by_default: boolean;
  /** Absolute path. */
  readonly working_directory: string;
  /** Milliseconds. */
  readonly max_execution_time: number;
  readonly max_output_bytes: number;
  readonly network: boolean;
  readonly sandbox: 'bubblewrap' | 'none';
}

interface McpCommon extends Omit<ToolCommon, 'require_approval' | 'description'> {
  readonly type: 'mcp';
  /** Server tool names or globs offered; undefined: all. */
  readonly filter?: readonly string[];
  readonly deny: readonly string[];
  /** true: every call; false: none; a list: the matching server tool names. Default true. */
  readonly require_approval: boolean | readonly string[];
  /** Milliseconds. */
  readonly timeout: number;
  /** Milliseconds. */
  readonly connect_timeout: number;
  readonly max_result_bytes: number;
}

export interface McpStdioToolConfig extends McpCommon {
  readonly transport: 'stdio';
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Absolute path. */
  readonly working_directory: string;
  readonly sandbox: 'bubblewrap' | 'none';
  readonly network: boolean;
  /** Absolute paths. */
  readonly read_only_paths: readonly string[];
}

export interface McpHttpToolConfig extends McpCommon {
  readonly transport: 'streamable-http' | 'sse';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly allowed_ranges: readonly string[];
}

export type McpToolConfig = McpStdioToolConfig | McpHttpToolConfig;

/** One member per tool type; discriminate on `type` (and `handler` for function tools). */
export type ToolConfig = FileToolConfig | WebToolConfig | CommandToolConfig | McpToolConfig;

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly public_url?: string;
  /**
   * `postgres://…` / `postgresql://…` verbatim, `sqlite:/absolute/path`, or `:memory:` / `sqlite::memory:`.
   * Absent when not configured (the server then uses `.hector/hector.db` under its working directory).
   */
  readonly database?: string;
  readonly max_body_bytes: number;
  /** Milliseconds (default 10,000). */
  readonly shutdown_timeout: number;
  /** The most agent runs in flight at once, of every app (0: no cap). */
  readonly max_concurrent_runs: number;
  /** Milliseconds (default 60,000): how long an active task is leased without a renewal (see a2a/leases.ts). */
  readonly task_lease: number;
  /** Absent when the file has no `server.auth` block. */
  readonly auth?: AuthConfig;
  /** Absent when the file has no `server.cors` block: no CORS headers are sent. */
  readonly cors?: CorsConfig;
  /** Absent when the file has no `server.rate_limiting` block. */
  readonly rate_limiting?: RateLimitingConfig;
  /** Addresses/CIDRs whose X-Forwarded-For is believed (empty: none). */
  readonly trusted_proxies: readonly string[];
  /** Metrics and tracing (both off by default). */
  readonly observability: ObservabilityConfig;
}

export interface LimitRuleConfig {
  readonly type: LimitType;
  readonly window: LimitWindow;
  readonly limit: number;
  readonly scope: LimitScopeName;
  readonly burst?: number;
}

export interface RateLimitingConfig {
  /** Absent: on when any limit is set. */
  readonly enabled?: boolean;
  readonly requests_per_minute?: number;
  readonly burst?: number;
  readonly per_user?: boolean;
  readonly limits?: readonly LimitRuleConfig[];
  readonly store: RateLimitStoreKind;
  readonly redis_url?: string;
  readonly on_store_error: 'deny' | 'allow';
}

export interface ApiKeyConfig {
  readonly key: string;
  readonly subject?: string;
  readonly roles: readonly string[];
}

export interface AuthConfig {
  /** Absent: on when any method is configured. */
  readonly enabled?: boolean;
  readonly secret?: string;
  readonly api_keys: readonly ApiKeyConfig[];
  readonly jwks_url?: string;
  readonly issuer?: string;
  readonly audience?: string | readonly string[];
  readonly algorithms?: readonly string[];
  readonly tenant_claim: string;
  readonly require_tenant_claim?: boolean;
}

export interface CorsConfig {
  readonly allowed_origins: readonly string[];
  readonly allowed_methods: readonly string[];
  readonly allowed_headers: readonly string[];
  /** Seconds. */
  readonly max_age: number;
  readonly allow_credentials: boolean;
}

export interface LoggerConfig {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Absolute path of the log file; absent: stdout. */
  readonly file?: string;
}

export type AuditSinkKind = 'log' | 'file' | 'database';

export interface AuditConfig {
  readonly sink: AuditSinkKind;
  /** `sink: file`: the absolute path of the audit file; absent: `.hector/audit.jsonl` under the working directory. */
  readonly path?: string;
  /** Events of one repeated failure written per minute (0: every one); see observability/repeat-throttle.ts. */
  readonly repeat_limit: number;
}

export interface Config {
  readonly version: '2';
  readonly name?: string;
  readonly llms: Readonly<Record<string, LlmConfig>>;
  readonly agents: Readonly<Record<string, AgentConfig>>;
  readonly tools: Readonly<Record<string, ToolConfig>>;
  /** Policies with every `enabled: false` block removed. */
  readonly guardrails: Readonly<Record<string, GuardrailConfig>>;
  readonly server: ServerConfig;
  readonly logger: LoggerConfig;
  readonly audit: AuditConfig;
}
