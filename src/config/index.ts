/**
 * Config: the Hector YAML file (`version: "2"`) → a validated, deep-frozen Config. The only folder that reads
 * `process.env` (processEnvironment). See parse-config.ts for what is validated and how errors are reported,
 * substitute.ts for `${VAR}`, environment.ts for `.env`, secrets.ts for what counts as a secret.
 */
export { loadEnvironment, processEnvironment } from './environment.ts';
export type { EnvSwitch, InspectConfigOptions, InspectedConfig } from './inspect-config.ts';
export { inspectConfigFile, inspectConfigText, PLACEHOLDER_VALUES } from './inspect-config.ts';
export { configJsonSchema } from './json-schema.ts';
export type { LoadConfigOptions, LoadedConfig } from './load-config.ts';
export { loadConfigFile } from './load-config.ts';
export type { ParseConfigOptions, ParsedConfig } from './parse-config.ts';
export { parseConfigText } from './parse-config.ts';
export { isSecretKey, urlPassword } from './secrets.ts';
export { tracingEndpointProblem } from './sections/observability.ts';
export { parseLimitRules, parseLimitsJson } from './sections/rate-limiting.ts';
export type {
  AgentConfig,
  ApiKeyConfig,
  AuditConfig,
  AuditSinkKind,
  AuthConfig,
  CommandToolConfig,
  Config,
  CorsConfig,
  FileHandler,
  FileToolConfig,
  FunctionToolConfig,
  GuardrailConfig,
  LimitRuleConfig,
  LlmConfig,
  LogFormat,
  LoggerConfig,
  LogLevel,
  ObservabilityConfig,
  Provider,
  RateLimitingConfig,
  RateLimitStoreKind,
  ServerConfig,
  ToolConfig,
  ToolType,
  Visibility,
  WebToolConfig,
} from './types.ts';
