import { STATUS_CODES } from 'node:http';
import { APICallError } from 'ai';
import { UpstreamError } from '../shared/index.ts';

/**
 * Classifies one failed attempt and turns the final failure into an `UpstreamError`.
 *
 * Security contract: messages are built from fixed text, the HTTP status, an error code (`ECONNREFUSED`) and — only
 * for request errors the operator must fix (400/404/413/422) — the provider's own message, truncated and with the
 * API key redacted. They never contain the key, request headers, the endpoint URL or the prompt. The original
 * error is kept as `cause` for logs.
 */

export type FailureKind = 'http' | 'timeout' | 'network' | 'redirect' | 'interrupted' | 'invalid-response' | 'other';

export interface Failure {
  kind: FailureKind;
  retryable: boolean;
  status?: number;
  /** Safe, short provider detail (already redacted). */
  detail?: string;
  /** The provider's Retry-After, in milliseconds. */
  retryAfterMs?: number;
  /** A network error code such as ECONNREFUSED. */
  code?: string;
  cause?: unknown;
}

export interface FailureContext {
  provider: string;
  model: string;
  apiKey: string | undefined;
  timeoutMs: number;
}

/** 408, 409, 429 and 5xx are transient. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Provider-specific statuses Node does not name (Anthropic's "overloaded"). */
const EXTRA_STATUS_TEXT: Record<number, string> = { 529: 'Overloaded' };
const DETAIL_STATUSES = new Set([400, 404, 413, 422]);
const MAX_DETAIL = 200;

/** Thrown by the adapter when a stream ends without the provider's completion signal. */
export class StreamInterruptedError extends Error {
  constructor() {
    super('the response stream ended before the provider finished');
    this.name = 'StreamInterruptedError';
  }
}

export function classifyFailure(error: unknown, ctx: FailureContext): Failure {
  if (error instanceof StreamInterruptedError) return { kind: 'interrupted', retryable: true, cause: error };
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    // A 2xx whose body the SDK could not parse: base_url points at something that is not this provider's API.
    if (status !== undefined && status < 300) return { kind: 'invalid-response', retryable: false, cause: error };
    if (status !== undefined) {
      return {
        kind: 'http',
        retryable: isRetryableStatus(status),
        status,
        ...detailFor(status, error.message, ctx),
        ...retryAfter(error.responseHeaders),
        cause: error,
      };
    }
    const chain = causeChain(error);
    if (chain.some((e) => /redirect/i.test(e.message))) return { kind: 'redirect', retryable: false, cause: error };
    const code = chain.map((e) => (e as { code?: unknown }).code).find((c): c is string => typeof c === 'string');
    return { kind: 'network', retryable: error.isRetryable, ...(code ? { code } : {}), cause: error };
  }
  // Provider stream errors ({ message, statusCode?, isRetryable? }) and plain objects from in-stream error frames.
  if (typeof error === 'object' && error !== null) {
    const e = error as { name?: unknown; message?: unknown; statusCode?: unknown; isRetryable?: unknown };
    const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
    const retryable =
      typeof e.isRetryable === 'boolean' ? e.isRetryable : status !== undefined && isRetryableStatus(status);
    if (typeof e.name === 'string' && /TypeValidation|InvalidResponse|JSONParse|NoContentGenerated/.test(e.name)) {
      return { kind: 'invalid-response', retryable: false, cause: error };
    }
    return {
      kind: status !== undefined ? 'http' : 'other',
      retryable,
      ...(status !== undefined ? { status } : {}),
      ...(typeof e.message === 'string' ? { detail: sanitize(e.message, ctx.apiKey) } : {}),
      cause: error,
    };
  }
  return {
    kind: 'other',
    retryable: false,
    ...(typeof error === 'string' ? { detail: sanitize(error, ctx.apiKey) } : {}),
  };
}

export function timeoutFailure(): Failure {
  return { kind: 'timeout', retryable: true };
}

/** The error surfaced to the caller once retries are exhausted or the failure is not retryable. */
export function toUpstreamError(f: Failure, ctx: FailureContext, attempts: number, partial = false): UpstreamError {
  const who = `${ctx.provider} model "${ctx.model}"`;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  const midStream = partial ? ' (mid-stream, after output was sent; not retried)' : '';
  const status = f.status;
  const statusText =
    status === undefined ? '' : `${status} ${STATUS_CODES[status] ?? EXTRA_STATUS_TEXT[status] ?? 'Error'}`;
  let message: string;
  switch (f.kind) {
    case 'timeout':
      message = `${who}: timed out after ${ctx.timeoutMs} ms${tries}; raise timeout or check the provider's status`;
      break;
    case 'http':
      if (status === 401) message = `${who}: request failed: ${statusText} — the API key was rejected; check api_key`;
      else if (status === 403) {
        message = `${who}: request failed: ${statusText} — the API key is not allowed to use this model; check api_key and model`;
      } else if (status === 404) {
        message = `${who}: request failed: ${statusText} — check the model name and base_url${f.detail ? ` (${f.detail})` : ''}`;
      } else if (status === 429) message = `${who}: rate limited (429)${tries}${midStream}`;
      else message = `${who}: request failed: ${statusText}${tries}${midStream}${f.detail ? ` — ${f.detail}` : ''}`;
      break;
    case 'network':
      message = `${who}: cannot connect to the provider${f.code ? ` (${f.code})` : ''}${tries}; check base_url and that the provider is reachable`;
      break;
    case 'redirect':
      message = `${who}: the provider answered with a redirect, which is refused so the API key is not forwarded; set base_url to the final endpoint`;
      break;
    case 'interrupted':
      message = `${who}: the response stream ended before the provider finished${tries}${midStream}`;
      break;
    case 'invalid-response':
      message = `${who}: the provider's response could not be understood (is base_url an endpoint of this provider's API?)`;
      break;
    default:
      message = `${who}: request failed${tries}${midStream}${f.detail ? `: ${f.detail}` : ''}`;
  }
  return new UpstreamError(message, {
    retryable: f.retryable,
    ...(status === undefined ? {} : { status }),
    ...(f.cause === undefined ? {} : { cause: f.cause }),
  });
}

function detailFor(status: number, message: string, ctx: FailureContext): { detail?: string } {
  return DETAIL_STATUSES.has(status) ? { detail: sanitize(message, ctx.apiKey) } : {};
}

/** Collapses whitespace, redacts the key, truncates. */
export function sanitize(text: string, apiKey: string | undefined): string {
  let s = text.replace(/\s+/g, ' ').trim();
  if (apiKey !== undefined && apiKey.length > 0) s = s.split(apiKey).join('[redacted]');
  return s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL)}…` : s;
}

/** Retry-After (seconds or an HTTP date) or retry-after-ms, in milliseconds. */
export function retryAfter(headers: Record<string, string> | undefined): { retryAfterMs?: number } {
  if (!headers) return {};
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && Number.isFinite(Number.parseFloat(ms))) {
    return { retryAfterMs: Math.max(0, Number.parseFloat(ms)) };
  }
  const ra = headers['retry-after'];
  if (ra === undefined) return {};
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return { retryAfterMs: Math.max(0, Number.parseFloat(ra) * 1000) };
  const date = Date.parse(ra);
  return Number.isNaN(date) ? {} : { retryAfterMs: Math.max(0, date - Date.now()) };
}

function causeChain(error: unknown): Error[] {
  const out: Error[] = [];
  let cur: unknown = error;
  while (cur instanceof Error && !out.includes(cur) && out.length < 10) {
    out.push(cur);
    cur = cur.cause;
  }
  return out;
}
