import type { Span } from '../observability/index.ts';
import type { RateSubject, Scope } from '../shared/index.ts';

/** JSON Schema of a tool's arguments; `type: "object"` at the top. */
export type ToolInputSchema = { type: 'object'; [key: string]: unknown };

export interface ToolContext {
  scope: Scope;
  agent: string;
  signal: AbortSignal;
  /** Whose rate limits the call counts against (sub-agent runs pass it on to their LLM calls). */
  rateSubject?: RateSubject;
  /** The span of this tool call, for the spans of work it starts (a sub-agent's run). */
  trace?: Span;
}

export interface ToolResult {
  /** Text handed back to the model. */
  output: string;
  /** The tool ran but failed (bad arguments, refused path, non-zero exit): the model sees the error text. */
  isError: boolean;
  /** What the audit event records beyond the arguments. Never shown to the model. */
  audit?: ToolAuditDetails;
}

/** Facts a tool reports for its `tool.execute` audit event. Must not contain secrets. */
export interface ToolAuditDetails {
  /** The tool's own policy refused the call (path outside the jail, program not allowed, address blocked) and
   * nothing ran: the reason. The call's verdict becomes `denied`. */
  readonly denied?: string;
  /** Command tools: the argv of every program that ran (argv[0] is the resolved real path). */
  readonly argv?: readonly (readonly string[])[];
  /** Command tools: the exit status of the command line (null when it was killed). */
  readonly exitCode?: number | null;
  /** Command tools: how the run ended. */
  readonly end?: 'exit' | 'timeout' | 'output_limit' | 'cancelled';
  /** MCP tools: the toolset (server) and the server's own name of the tool. */
  readonly server?: string;
  readonly remoteTool?: string;
}

/**
 * A tool the agent loop can call. `execute` receives arguments that have already been validated against
 * `inputSchema`; it returns a ToolResult for expected failures (refusals the model should read) and throws
 * only on bugs or infrastructure failure.
 */
export interface Tool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: ToolInputSchema;
  execute(args: Record<string, unknown>, context: ToolContext): Promise<ToolResult>;
}

export interface ToolsetHealth {
  /** `connecting` before the first connection, `unavailable` after a failure (reconnecting), `closed` at shutdown. */
  readonly status: 'connecting' | 'ready' | 'unavailable' | 'closed';
  /** Tools currently offered. */
  readonly tools: number;
  /** Why the toolset is not ready (for logs and authenticated health checks; never shown to the model verbatim). */
  readonly error?: string;
}

/**
 * A named, changing set of tools from one source (an MCP server). Its tools are named `<name>__<tool>`; the
 * registry resolves them at every lookup, so a tool that disappeared can no longer be called.
 */
export interface Toolset {
  readonly name: string;
  /** The tools offered right now (already filtered). */
  tools(): readonly Tool[];
  /** Whether a call to the exposed tool name needs human approval. */
  requiresApproval(exposedName: string): boolean;
  health(): ToolsetHealth;
  close(): Promise<void>;
}
