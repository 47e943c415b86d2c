import { isAppError } from '../shared/index.ts';
import { argsForAudit } from './audit-args.ts';
import type { ToolRegistry } from './registry.ts';
import { capUtf8, quote } from './text.ts';
import type { ToolAuditDetails, ToolContext, ToolResult } from './types.ts';
import { validateArgs } from './validate-args.ts';

/** Default cap on a tool's output handed to the model: 512 KiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 512 * 1024;

/** ToolAuditDetails in the audit event's snake_case field names. */
export interface AuditFields {
  readonly reason?: string;
  readonly argv?: unknown;
  readonly exit_code?: number | null;
  readonly end?: string;
  readonly server?: string;
  readonly remote_tool?: string;
}

function auditFields(d: ToolAuditDetails | undefined): AuditFields {
  if (!d) return {};
  return {
    ...(typeof d.denied === 'string' ? { reason: argsForAudit(d.denied) as string } : {}),
    ...(d.argv === undefined ? {} : { argv: argsForAudit(d.argv) }),
    ...(d.exitCode === undefined ? {} : { exit_code: d.exitCode }),
    ...(d.end === undefined ? {} : { end: d.end }),
    ...(d.server === undefined ? {} : { server: d.server }),
    ...(d.remoteTool === undefined ? {} : { remote_tool: d.remoteTool }),
  };
}

export interface ExecuteToolCallInput {
  tools: ToolRegistry;
  /** The names this agent may call. A registered tool that is not listed here is refused without running. */
  allowedNames: readonly string[];
  /** The tool name the model asked for (untrusted). */
  name: string;
  /** The arguments the model sent (untrusted). */
  args: unknown;
  context: ToolContext;
  /** Cap on `result.output` in UTF-8 bytes (default 512 KiB); longer output is cut with a visible marker. */
  maxOutputBytes?: number;
  /**
   * Called after the name and the arguments passed their checks, before the tool runs: true holds the call
   * (verdict `held`, nothing runs, `heldArgs` are the validated arguments), e.g. for human approval.
   */
  hold?: (toolName: string) => boolean;
}

export interface ToolOutcome {
  /** What goes back to the model. */
  result: ToolResult;
  /**
   * - `executed`: the tool ran and returned a result (which may itself be an error the model should read, such
   *   as a refused path or a missing file);
   * - `refused`: the tool is unknown or not in `allowedNames`; nothing ran;
   * - `denied`: the tool's own policy refused the call (see ToolAuditDetails.denied); nothing ran;
   * - `held`: `hold` asked to keep the call for later (approval); nothing ran, see `heldArgs`;
   * - `invalid_arguments`: the arguments failed validation; nothing ran;
   * - `failed`: the tool threw, returned something that is not a ToolResult, or the call was already cancelled.
   */
  verdict: 'executed' | 'denied' | 'held' | 'refused' | 'invalid_arguments' | 'failed';
  /** Wall time of the whole call in milliseconds (monotonic clock). */
  durationMs: number;
  /** UTF-8 size of `result.output` as returned (after the cap). */
  outputBytes: number;
  /** Bounded JSON-safe copy of the arguments for the audit log (validated arguments when they were valid). */
  argsForAudit: unknown;
  /** The tool's audit facts, bounded like the arguments (`{}` when it reported none). */
  details: AuditFields;
  /** For `held`: the validated arguments the call would run with. */
  heldArgs?: Record<string, unknown>;
  /** For `failed`: what was thrown, for the caller's log. Its message reaches the model only if it is an AppError. */
  error?: unknown;
}

/**
 * The one way the runtime runs a tool the model asked for. Order of checks: the name must be both in
 * `allowedNames` and in the registry (else `refused`), the arguments must validate (else `invalid_arguments`),
 * then the tool runs. Expected failures never throw; they come back as a result with `isError: true` and a
 * message the model can act on. An unexpected throw from a tool becomes `failed`; its message is shown only if
 * it is an AppError (whose messages are safe by contract), otherwise the model gets a generic message.
 */
export async function executeToolCall(input: ExecuteToolCallInput): Promise<ToolOutcome> {
  const maxOutputBytes = input.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  if (!Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 1) {
    throw new TypeError(`maxOutputBytes must be a positive integer, got ${String(input.maxOutputBytes)}`);
  }
  const started = performance.now();
  const { name, args, allowedNames } = input;

  const finish = (
    verdict: ToolOutcome['verdict'],
    result: ToolResult,
    audited: unknown,
    error?: unknown,
  ): ToolOutcome => {
    const capped = capUtf8(result.output, maxOutputBytes);
    const outcome: ToolOutcome = {
      result: { output: capped.text, isError: result.isError },
      verdict,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      outputBytes: Buffer.byteLength(capped.text, 'utf8'),
      argsForAudit: argsForAudit(audited),
      details: auditFields(result.audit),
    };
    if (error !== undefined) outcome.error = error;
    return outcome;
  };

  const allowed = typeof name === 'string' && allowedNames.includes(name);
  const tool = allowed ? input.tools.get(name) : undefined;
  if (!tool || tool.name !== name) {
    const available =
      allowedNames.length > 0 ? `available tools: ${allowedNames.join(', ')}` : 'this agent has no tools';
    return finish(
      'refused',
      { output: `tool ${quote(name)} is not available to this agent; ${available}`, isError: true },
      args,
    );
  }

  const validation = validateArgs(tool, args);
  if (!validation.ok) return finish('invalid_arguments', { output: validation.message, isError: true }, args);

  if (input.hold?.(name)) {
    return { ...finish('held', { output: '', isError: false }, validation.args), heldArgs: validation.args };
  }

  if (input.context.signal.aborted) {
    return finish(
      'failed',
      { output: `tool ${quote(name)} was cancelled before it ran`, isError: true },
      validation.args,
    );
  }

  let result: unknown;
  try {
    result = await tool.execute(validation.args, input.context);
  } catch (e) {
    const message = isAppError(e)
      ? `tool ${quote(name)} failed: ${e.message}`
      : input.context.signal.aborted
        ? `tool ${quote(name)} was cancelled`
        : `tool ${quote(name)} failed with an internal error`;
    return finish('failed', { output: message, isError: true }, validation.args, e);
  }
  if (!isToolResult(result)) {
    return finish(
      'failed',
      { output: `tool ${quote(name)} failed with an internal error`, isError: true },
      validation.args,
      new TypeError(`tool "${name}" returned something that is not a ToolResult`),
    );
  }
  return finish(typeof result.audit?.denied === 'string' ? 'denied' : 'executed', result, validation.args);
}

function isToolResult(v: unknown): v is ToolResult {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.output === 'string' &&
    typeof r.isError === 'boolean' &&
    (r.audit === undefined || (typeof r.audit === 'object' && r.audit !== null))
  );
}
