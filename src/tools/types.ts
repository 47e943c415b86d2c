import type { Scope } from '../shared/index.ts';

/** JSON Schema of a tool's arguments; `type: "object"` at the top. */
export type ToolInputSchema = { type: 'object'; [key: string]: unknown };

export interface ToolContext {
  scope: Scope;
  agent: string;
  signal: AbortSignal;
}

export interface ToolResult {
  /** Text handed back to the model. */
  output: string;
  /** The tool ran but failed (bad arguments, refused path, non-zero exit): the model sees the error text. */
  isError: boolean;
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
