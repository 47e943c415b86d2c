import type { Logger } from '../observability/index.ts';
import type { McpEvent } from '../tools/index.ts';

/** One log line per MCP toolset event (component `mcp`); the server's stderr is logged at debug level. */
export function logToolsetEvent(logger: Logger, toolset: string, event: McpEvent): void {
  const fields = { component: 'mcp', toolset };
  switch (event.type) {
    case 'connected':
      logger.info({ ...fields, tools: event.tools }, `MCP toolset ${toolset} connected (${event.tools} tools offered)`);
      return;
    case 'tools_changed':
      logger.info(
        { ...fields, tools: event.tools },
        `MCP toolset ${toolset} changed its tools (${event.tools} offered)`,
      );
      return;
    case 'connect_failed':
      logger.warn(
        { ...fields, reason: event.reason, retry_in_ms: event.retryInMs },
        `MCP toolset ${toolset} is unavailable: ${event.reason}; retrying in ${event.retryInMs} ms`,
      );
      return;
    case 'disconnected':
      logger.warn(
        { ...fields, reason: event.reason, retry_in_ms: event.retryInMs },
        `MCP toolset ${toolset} disconnected: ${event.reason}; reconnecting in ${event.retryInMs} ms`,
      );
      return;
    case 'tool_skipped':
      logger.warn(
        { ...fields, tool: event.tool },
        `MCP toolset ${toolset}: tool ${event.tool} is not offered: ${event.reason}`,
      );
      return;
    case 'stderr':
      logger.debug({ ...fields, line: event.line }, `MCP server ${toolset}: ${event.line}`);
      return;
  }
}
