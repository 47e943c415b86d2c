/**
 * One error base with stable string codes. The wire mapping (HTTP status, JSON-RPC code) lives in `http/`
 * in a table typed `satisfies Record<ErrorCode, ...>`, so adding a code without a mapping does not compile.
 *
 * `message` is always safe to show to the client that caused the error: it must never contain secrets or
 * internals. Errors that are not AppError are treated as internal and their message never leaves the process.
 */
export type ErrorCode =
  | 'config_invalid'
  | 'invalid_request'
  | 'authentication_required'
  | 'permission_denied'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'method_not_found'
  | 'rate_limited'
  | 'guardrail_blocked'
  | 'tool_error'
  | 'upstream_error'
  | 'unavailable'
  | 'internal';

export interface ConfigIssue {
  /** Dotted path into the config document, e.g. `agents.assistant.llm`. Empty for the document itself. */
  path: string;
  message: string;
  /** A "did you mean" or "how to fix" hint. */
  hint?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details;
  }
}

export class ConfigError extends AppError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown; source?: string }) {
    const where = options?.source ? `${options.source}: ` : '';
    const lines = issues.map((i) => `  - ${i.path || '(document)'}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
    super('config_invalid', `${where}invalid configuration:\n${lines.join('\n')}`, { cause: options?.cause });
    this.issues = issues;
  }
}

/**
 * A guardrail policy refused a text: the user's message (`stage: input`) or the model's output (`output`).
 * The message names the policy and the kind of check, never the text that matched.
 */
export class GuardrailBlockedError extends AppError {
  readonly stage: 'input' | 'output';
  constructor(stage: 'input' | 'output', message: string) {
    super('guardrail_blocked', message);
    this.stage = stage;
  }
}

export class InvalidRequestError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('invalid_request', message, details ? { details } : undefined);
  }
}

export class AuthenticationError extends AppError {
  constructor(message = 'authentication required: send Authorization: Bearer <token>') {
    super('authentication_required', message);
  }
}

export class PermissionDeniedError extends AppError {
  constructor(message: string) {
    super('permission_denied', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('not_found', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('conflict', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super('payload_too_large', `request body exceeds the limit of ${limitBytes} bytes (server.max_body_bytes)`, {
      details: { limit_bytes: limitBytes },
    });
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message = 'Content-Type must be application/json') {
    super('unsupported_media_type', message);
  }
}

export class MethodNotFoundError extends AppError {
  constructor(method: string) {
    super('method_not_found', `method not found: ${method}`, { details: { method } });
  }
}

export class ToolError extends AppError {
  constructor(message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super('tool_error', message, options);
  }
}

/** A failure of something we call (an LLM provider, an MCP server). `retryable` marks transient failures. */
export class UpstreamError extends AppError {
  readonly retryable: boolean;
  readonly status: number | undefined;
  constructor(message: string, options: { retryable: boolean; status?: number; cause?: unknown }) {
    super('upstream_error', message, { cause: options.cause });
    this.retryable = options.retryable;
    this.status = options.status;
  }
}

/**
 * A rate limit or token quota denied the request. `details` carry what the client needs to back off:
 * `{type, window, limit, scope, retry_after}` (seconds); the message says the same in words.
 */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(
    message: string,
    details: {
      type: string;
      window: string;
      limit: number;
      scope: string;
      retry_after: number;
      agent?: string;
    },
  ) {
    super('rate_limited', message, { details });
    this.retryAfterSeconds = details.retry_after;
  }
}

export class UnavailableError extends AppError {
  constructor(message: string) {
    super('unavailable', message);
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
