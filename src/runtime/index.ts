export { createAgentTool } from './agent-tool.ts';
export type { ApprovalPolicy, ApprovalRequest } from './approval-gate.ts';
export { argumentsHash } from './approval-gate.ts';
export { resumeAgent, runAgent } from './run-agent.ts';
export type {
  AgentDefinition,
  ApprovalPolicies,
  ResumeInput,
  RunEvent,
  RunInput,
  RunResult,
  RuntimeDeps,
} from './types.ts';
