export type { McpEvent, McpServerOptions, McpToolsetOptions } from './create-mcp-toolset.ts';
export { createMcpToolset } from './create-mcp-toolset.ts';
export { exposedName, splitExposedName, splitReference, TOOLSET_SEPARATOR } from './naming.ts';
