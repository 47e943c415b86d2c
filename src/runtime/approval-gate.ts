/**
 * The human-approval gate of the agent loop. SECURITY CONTRACT:
 * - A call to a tool whose policy requires approval never runs when the model asks: its validated arguments
 *   are stored server-side with their hash (sha256 of the canonical JSON of tool name and arguments) and the
 *   run pauses. On approval exactly the stored arguments run; nothing the client sends reaches the tool.
 * - Decisions are applied by the persistence layer's `decide` (pending-only, hash-bound, all or nothing), so a
 *   decision is single-use. Who may decide is checked by the caller (a2a/http) before `decide`.
 * - A pending approval older than its policy's timeout counts as denied ("expired") when the run resumes.
 * - Prompts show argument values verbatim but escaped (control characters, quotes and backslashes as JSON
 *   escapes) and cut visibly at PROMPT_VALUE_CHARS.
 */
import type { ApprovalRecord } from '../persistence/index.ts';
import { isPlainObject, type JsonValue, sha256Hex } from '../shared/index.ts';

/** Longest argument value shown in a prompt, in characters. */
export const PROMPT_VALUE_CHARS = 200;

export interface ApprovalPolicy {
  /** Template with `{argument}` placeholders; default: the tool name and its arguments. */
  readonly prompt?: string;
  /** Roles that may decide besides the task's owner. */
  readonly approvers: readonly string[];
  /** How long a request stays pending, in milliseconds. */
  readonly timeoutMs: number;
}

/** What a client is shown for one held call. */
export interface ApprovalRequest {
  readonly toolCallId: string;
  readonly toolName: string;
  readonly arguments: JsonValue;
  readonly argsHash: string;
  readonly prompt: string;
  readonly expiresAt: string;
}

/** JSON with object keys sorted at every level: the same arguments always hash the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function argumentsHash(toolName: string, args: unknown): string {
  return sha256Hex(canonicalJson({ tool: toolName, arguments: args }));
}

function showValue(value: unknown): string {
  const raw = typeof value === 'string' ? value : canonicalJson(value);
  // JSON string escaping without the surrounding quotes: newlines, control characters, quotes, backslashes.
  const escaped = JSON.stringify(raw)
    .slice(1, -1)
    .replace(/[\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  if (escaped.length <= PROMPT_VALUE_CHARS) return escaped;
  return `${escaped.slice(0, PROMPT_VALUE_CHARS)}…[+${escaped.length - PROMPT_VALUE_CHARS} chars]`;
}

/**
 * Fills `{name}` placeholders from the arguments. A placeholder naming no argument stays as written, so a
 * typo is visible rather than silently empty. Without a template: `Allow <tool> with <arguments>?`.
 */
export function renderPrompt(template: string | undefined, toolName: string, args: Record<string, unknown>): string {
  if (template === undefined) return `Allow ${toolName} with ${showValue(args)}?`;
  return template.replace(/\{([A-Za-z0-9_]{1,64})\}/g, (whole, key: string) =>
    Object.hasOwn(args, key) ? showValue(args[key]) : whole,
  );
}

export function toRequest(record: ApprovalRecord): ApprovalRequest {
  return {
    toolCallId: record.toolCallId,
    toolName: record.toolName,
    arguments: record.arguments,
    argsHash: record.argsHash,
    prompt: record.prompt,
    expiresAt: record.expiresAt,
  };
}

/** The tool result the model gets for a call that did not run after a decision. */
export function refusalText(record: Pick<ApprovalRecord, 'status' | 'reason' | 'toolName'>): string {
  if (record.status === 'expired') {
    return `The approval request for ${record.toolName} expired without a decision; the tool did not run.`;
  }
  const why = record.reason ? ` Reason: ${record.reason}` : '';
  return `The user denied this call to ${record.toolName}; the tool did not run.${why}`;
}
