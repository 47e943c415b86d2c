import type { PiiKind } from './pii.ts';
import type { RedactMode } from './redact.ts';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * Where a check ran: the user's message, a tool's result on its way to the model, the model's output, a tool
 * call, a tool's description in the list offered to the model.
 */
export type Stage = 'input' | 'tool_result' | 'output' | 'tool_call' | 'tool_description';
export type CheckName =
  | 'length'
  | 'sanitizer'
  | 'injection'
  | 'pattern'
  | 'pii'
  | 'content'
  | 'moderation'
  | 'authorization';
/** `modify`: the text was changed (sanitized, redacted); `wrap`: a flagged tool result was passed marked as untrusted. */
export type ViolationAction = 'block' | 'warn' | 'modify' | 'wrap';

/** One finding. Never carries the matched text: rule ids, kinds and counts only. */
export interface Violation {
  readonly guardrail: string;
  readonly stage: Stage;
  readonly check: CheckName;
  /** What matched: a rule id (`override.ignore_previous`), `blocked_patterns[2]`, `max_length`, a PII kind list. */
  readonly rule: string;
  readonly severity: Severity;
  readonly action: ViolationAction;
  /** Injection score (0–1). */
  readonly score?: number;
  /** PII: the kinds found and how many spans were redacted. */
  readonly kinds?: readonly string[];
  readonly count?: number;
  /** The tool whose call or result this is about. */
  readonly tool?: string;
}

export interface TextVerdict {
  /** The text to use: unchanged, sanitized or redacted. Meaningless when `blocked` is set. */
  readonly text: string;
  readonly violations: readonly Violation[];
  /** The first blocking violation: the text must not be used. */
  readonly blocked?: Violation;
}

/**
 * An external moderation service (`content.moderation`): given a text, says whether it is flagged. Throwing
 * (or timing out) is decided by `on_error`. Implementations must not log the text.
 */
export type ModerationHook = (
  text: string,
  stage: Stage,
  signal?: AbortSignal,
) => Promise<{ flagged: boolean; categories: readonly string[] }>;

export type BlockOrWarn = 'block' | 'warn';

export interface LengthOptions {
  readonly minLength: number;
  readonly maxLength: number;
  readonly action: BlockOrWarn;
  readonly severity: Severity;
}

export interface SanitizerOptions {
  readonly trimWhitespace: boolean;
  readonly normalizeUnicode: boolean;
  readonly stripHtml: boolean;
  /** Longer text is cut to this many characters. */
  readonly maxLength?: number;
}

export interface InjectionOptions {
  /** Extra regular expressions (added to the built-in rules). */
  readonly patterns: readonly string[];
  /** Score at or above which a text is an injection (default 0.5). */
  readonly threshold: number;
  readonly action: BlockOrWarn;
  readonly severity: Severity;
}

export interface PatternOptions {
  readonly patterns: readonly string[];
  readonly action: BlockOrWarn;
  readonly severity: Severity;
}

export interface PiiOptions {
  readonly kinds: readonly PiiKind[];
  /** Extra patterns redacted as `[NAME REDACTED]`. */
  readonly custom: readonly { readonly name: string; readonly pattern: string }[];
  readonly mode: RedactMode;
  /** `modify` redacts; `block` refuses a text containing PII; `warn` only reports it. */
  readonly action: 'modify' | BlockOrWarn;
  readonly severity: Severity;
  /** HMAC key for `mode: 'hash'` (at least 32 characters). */
  readonly hashKey?: string;
}

export interface ContentOptions {
  readonly keywords: readonly string[];
  readonly patterns: readonly string[];
  readonly action: BlockOrWarn;
  readonly severity: Severity;
  /** Also ask an external moderation service; `onError` decides when it fails or times out. */
  readonly moderation?: { readonly hook: ModerationHook; readonly onError: 'block' | 'allow' };
}

export interface InputChecks {
  readonly chainMode: 'fail_fast' | 'collect_all';
  readonly length?: LengthOptions;
  readonly sanitizer?: SanitizerOptions;
  readonly injection?: InjectionOptions;
  readonly pattern?: PatternOptions;
  readonly pii?: PiiOptions;
  readonly content?: ContentOptions;
}

export interface OutputChecks {
  readonly chainMode: 'fail_fast' | 'collect_all';
  readonly length?: LengthOptions;
  readonly pattern?: PatternOptions;
  readonly pii?: PiiOptions;
  readonly content?: ContentOptions;
}

export interface GuardrailsOptions {
  /** The policy's name (`guardrails.<name>`), reported in every violation. */
  readonly name: string;
  readonly input?: InputChecks;
  readonly output?: OutputChecks;
  readonly tool?: {
    readonly authorization?: { readonly allowed?: readonly string[]; readonly blocked: readonly string[] };
    /**
     * Tool results go through the input checks (except length). What happens to one they would block:
     * `block` (the model gets a notice instead), `wrap` (it gets the result inside explicit untrusted-content
     * markers) or `warn` (it gets it as is). Absent: tool results are not checked.
     */
    readonly results?: { readonly action: 'block' | 'wrap' | 'warn' };
  };
}
