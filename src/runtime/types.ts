import type { Guardrails } from '../guardrails/index.ts';
import type { AuditSink, Logger, Span, Telemetry } from '../observability/index.ts';
import type { ApprovalStore, SessionStore } from '../persistence/index.ts';
import type { ChatModel, Usage } from '../providers/index.ts';
import type { RateLimiter } from '../ratelimit/index.ts';
import type { Clock, RateSubject, Scope } from '../shared/index.ts';
import type { ToolRegistry } from '../tools/index.ts';
import type { ApprovalPolicy, ApprovalRequest } from './approval-gate.ts';

/** An agent as the runtime needs it: config already resolved to live parts. */
export interface AgentDefinition {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  /** Config name of the LLM (for error messages and metrics). */
  readonly llmName: string;
  readonly model: ChatModel;
  readonly instruction: string;
  /** Exactly the tools this agent may call, by name. */
  readonly toolNames: readonly string[];
  readonly streaming: boolean;
  readonly maxSteps: number;
  readonly historyLimit: number;
  /** Who may reach the agent over HTTP; the runtime itself does not use it. */
  readonly visibility: 'public' | 'internal' | 'private';
  /** Names of the agents this agent may call as tools. */
  readonly subAgents: readonly string[];
  /** The agent's guardrail policy (`agents.<a>.guardrails`); absent: none. */
  readonly guardrails?: Guardrails;
  /** The LLM's `max_tokens` (absent: the provider's default), the output cap a token reservation counts on. */
  readonly maxOutputTokens?: number;
}

/** The approval policy of a tool by the name the model calls it (undefined: no approval needed). */
export interface ApprovalPolicies {
  get(toolName: string): ApprovalPolicy | undefined;
}

export interface RuntimeDeps {
  sessions: SessionStore;
  tools: ToolRegistry;
  audit: AuditSink;
  logger: Logger;
  clock: Clock;
  /** Human approval: the policy of every tool that needs it, and where pauses are kept. */
  approvals: { store: ApprovalStore; policies: ApprovalPolicies };
  /** Token quotas: a reservation before every LLM call, settled to the provider's usage (absent: none). */
  limits?: RateLimiter;
  /** Metrics and spans of runs, LLM calls and tool calls (absent: none are recorded). */
  telemetry?: Telemetry;
}

export interface RunInput {
  scope: Scope;
  agent: AgentDefinition;
  contextId: string;
  taskId: string;
  requestId: string | null;
  /** The user's turn, already flattened to text by the protocol layer. */
  userText: string;
  /** Stream the model's output (text deltas are reported as they arrive). */
  stream: boolean;
  /** Aborting stops the LLM call in flight and any running tool. */
  signal: AbortSignal;
  /** Neither read nor store conversation history (sub-agent calls). */
  ephemeral?: boolean;
  /** Whose token quotas the run's LLM calls count against (absent: none are applied). */
  rateSubject?: RateSubject;
  /**
   * The span the run's span is a child of (the HTTP request's, or the tool call that started a sub-agent).
   * Inside the runtime, the run's own span (the parent of its LLM and tool spans).
   */
  trace?: Span;
}

export type RunEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; id: string; name: string; args: unknown }
  | { type: 'tool-result'; id: string; name: string; output: string; isError: boolean };

export interface RunResult {
  /** The answer ('' while paused). */
  text: string;
  usage: Usage;
  steps: number;
  /** Set when the run paused for human approval: what to show the user. The run continues with resumeAgent. */
  paused?: readonly ApprovalRequest[];
}

/** Continuing a paused run: the same as RunInput without a user turn (the paused turn is continued). */
export type ResumeInput = Omit<RunInput, 'userText' | 'ephemeral'>;
