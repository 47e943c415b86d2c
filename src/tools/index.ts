export { argsForAudit } from './audit-args.ts';
export type { CommandToolOptions, ParseResult, PipelineStep, SandboxCheckOptions } from './command/index.ts';
export {
  checkSandboxAvailable,
  createCommandTool,
  DENIED_UNLESS_ALLOWED,
  matchesAny,
  namesOf,
  parseCommandArgv,
} from './command/index.ts';
export type { ToolDefinition } from './define-tool.ts';
export { defineTool } from './define-tool.ts';
export type { ExecuteToolCallInput, ToolOutcome } from './execute-tool-call.ts';
export { DEFAULT_MAX_OUTPUT_BYTES, executeToolCall } from './execute-tool-call.ts';
export type { FileToolOptions } from './file/index.ts';
export { createFileTool, DEFAULT_MAX_READ_BYTES } from './file/index.ts';
export type { McpEvent, McpServerOptions, McpToolsetOptions } from './mcp/index.ts';
export { createMcpToolset, exposedName, splitExposedName, splitReference, TOOLSET_SEPARATOR } from './mcp/index.ts';
export { isInside } from './paths.ts';
export type { ToolRegistry } from './registry.ts';
export { createToolRegistry } from './registry.ts';
export type { Tool, ToolContext, ToolInputSchema, ToolResult, Toolset, ToolsetHealth } from './types.ts';
export type {
  GuardedFetch,
  GuardedFetcher,
  GuardedFetcherDeps,
  GuardedFetcherOptions,
  GuardedRequest,
  GuardedResponse,
  HostLookup,
  WebRequestToolOptions,
} from './web/index.ts';
export {
  CLIENT_CONTROLLED_HEADERS,
  createGuardedFetch,
  createGuardedFetcher,
  createWebRequestTool,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  WebRequestBlockedError,
} from './web/index.ts';
