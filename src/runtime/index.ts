export { createAgentTool } from './agent-tool.ts';
export { runAgent } from './run-agent.ts';
export type { AgentDefinition, RunEvent, RunInput, RunResult, RuntimeDeps } from './types.ts';
