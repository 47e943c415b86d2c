import { type AppError, type ErrorCode, isAppError } from '../shared/index.ts';

/**
 * The one table that maps error codes to the wire. Typed so that a new ErrorCode without a mapping does not
 * compile. JSON-RPC codes follow JSON-RPC 2.0 (-32600…-32603) and A2A (-32001 task not found, -32005 content
 * type not supported); Hector's own codes use the server range -32040…-32069.
 */
export const ERROR_WIRE = {
  config_invalid: { http: 500, jsonRpc: -32603 },
  invalid_request: { http: 400, jsonRpc: -32602 },
  authentication_required: { http: 401, jsonRpc: -32040 },
  permission_denied: { http: 403, jsonRpc: -32043 },
  not_found: { http: 404, jsonRpc: -32001 },
  conflict: { http: 409, jsonRpc: -32049 },
  payload_too_large: { http: 413, jsonRpc: -32600 },
  unsupported_media_type: { http: 415, jsonRpc: -32005 },
  method_not_found: { http: 404, jsonRpc: -32601 },
  rate_limited: { http: 429, jsonRpc: -32029 },
  guardrail_blocked: { http: 400, jsonRpc: -32050 },
  tool_error: { http: 500, jsonRpc: -32060 },
  upstream_error: { http: 502, jsonRpc: -32062 },
  unavailable: { http: 503, jsonRpc: -32063 },
  internal: { http: 500, jsonRpc: -32603 },
} as const satisfies Record<ErrorCode, { http: number; jsonRpc: number }>;

export const JSON_RPC_PARSE_ERROR = -32700;
export const JSON_RPC_INVALID_REQUEST = -32600;

export interface WireError {
  status: number;
  code: ErrorCode;
  jsonRpc: number;
  /** Safe for the client: AppError messages are written to be; anything else becomes a generic message. */
  message: string;
  details?: Readonly<Record<string, unknown>> | undefined;
}

export function toWireError(err: unknown, requestId: string): WireError {
  if (isAppError(err)) {
    const e = err as AppError;
    const wire = ERROR_WIRE[e.code];
    return { status: wire.http, code: e.code, jsonRpc: wire.jsonRpc, message: e.message, details: e.details };
  }
  return {
    status: 500,
    code: 'internal',
    jsonRpc: ERROR_WIRE.internal.jsonRpc,
    message: `internal server error; quote request id ${requestId} when reporting it`,
  };
}

/** The JSON body of a REST error. The request id travels in the X-Request-Id header (and in internal errors' text). */
export function restErrorBody(wire: WireError): Record<string, unknown> {
  return { error: { code: wire.code, message: wire.message, ...(wire.details ? { details: wire.details } : {}) } };
}

export function jsonRpcErrorBody(
  id: string | number | null,
  code: number,
  message: string,
  data?: Record<string, unknown>,
): Record<string, unknown> {
  return { jsonrpc: '2.0', id, error: { code, message, ...(data ? { data } : {}) } };
}
