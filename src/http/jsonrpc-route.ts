import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { type A2AService, type JsonRpcResponse, WORK_METHODS } from '../a2a/index.ts';
import type { Logger, Span } from '../observability/index.ts';
import { isPlainObject, type Principal, type RateSubject, safeJsonParse } from '../shared/index.ts';
import { JSON_RPC_INVALID_REQUEST, JSON_RPC_PARSE_ERROR, jsonRpcErrorBody, toWireError } from './errors.ts';

const JSON_TYPES = new Set(['application/json', 'application/a2a+json']);

export interface JsonRpcRouteDeps {
  a2a: A2AService;
  logger: Logger;
  /**
   * Counts a call of a method that starts or continues agent work; resolves to the 429 response when a limit
   * denies it (undefined: go on). Absent: rate limiting is off.
   */
  admit?: (method: string, id: string | number | null) => Promise<Response | undefined>;
}

function idOf(body: Record<string, unknown>): string | number | null {
  const id = body.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

/**
 * POST /agents/{name}: one JSON-RPC 2.0 request (no batches). Transport errors get an HTTP status and a
 * JSON-RPC error envelope with `id: null`: wrong Content-Type 415, malformed JSON 400 (-32700), not a request
 * object 400 (-32600). Protocol errors (unknown method, bad params, unknown task) are JSON-RPC errors with HTTP 200,
 * as JSON-RPC clients expect. Streaming methods answer with Server-Sent Events, one JSON-RPC response per event.
 */
export async function handleJsonRpc(
  c: Context,
  deps: JsonRpcRouteDeps,
  agent: string,
  principal: Principal,
  rateSubject?: RateSubject,
) {
  const requestId = c.get('requestId') as string;
  const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!JSON_TYPES.has(contentType)) {
    return c.json(
      jsonRpcErrorBody(null, -32005, 'Content-Type must be application/json (or application/a2a+json)'),
      415,
    );
  }
  const parsed = safeJsonParse(await c.req.text());
  if (!parsed.ok) {
    return c.json(jsonRpcErrorBody(null, JSON_RPC_PARSE_ERROR, 'Parse error: request body is not valid JSON'), 400);
  }
  const body = parsed.value;
  if (Array.isArray(body)) {
    return c.json(
      jsonRpcErrorBody(null, JSON_RPC_INVALID_REQUEST, 'Invalid Request: batch requests are not supported'),
      400,
    );
  }
  if (!isPlainObject(body) || body.jsonrpc !== '2.0' || typeof body.method !== 'string') {
    return c.json(
      jsonRpcErrorBody(
        isPlainObject(body) ? idOf(body) : null,
        JSON_RPC_INVALID_REQUEST,
        'Invalid Request: expected {"jsonrpc": "2.0", "method": string, "id": string|number, "params": object}',
      ),
      400,
    );
  }

  try {
    const refused = await deps.admit?.(body.method, idOf(body));
    if (refused) return refused;
  } catch (err) {
    // The limit store is down and on_store_error is deny: 503, not a JSON-RPC error with 200.
    const wire = toWireError(err, requestId);
    if (wire.code === 'internal')
      deps.logger.error({ component: 'http', request_id: requestId, err }, 'rate limit check failed');
    return c.json(jsonRpcErrorBody(idOf(body), wire.jsonRpc, wire.message), wire.status as 503);
  }

  let outcome: Awaited<ReturnType<A2AService['handle']>>;
  try {
    outcome = await deps.a2a.handle(agent, body, {
      principal,
      requestId,
      protocolVersion: c.req.header('a2a-version'),
      rateSubject,
      trace: c.get('span') as Span | undefined,
    });
  } catch (err) {
    const wire = toWireError(err, requestId);
    if (wire.code === 'internal') {
      deps.logger.error({ component: 'http', request_id: requestId, err }, 'JSON-RPC handler failed');
    }
    return c.json(jsonRpcErrorBody(idOf(body), wire.jsonRpc, wire.message), 200);
  }
  if (outcome.kind === 'single') return c.json(scrubInternalError(outcome.response, requestId, deps.logger), 200);

  const events = outcome.events;
  return streamSSE(c, async (stream) => {
    // A client that goes away from a message stream does not stop the run, and its events are still read to the
    // end: reading them is what saves the task's progress and final status (stopping would leave it `working`
    // until its lease ran out). They are just no longer written. Any other stream (a resubscription, which may
    // watch a task paused for days) is stopped.
    const drains = WORK_METHODS.has(String(body.method));
    let gone = false;
    stream.onAbort(() => {
      gone = true;
      if (!drains) void events.return(undefined);
    });
    try {
      for await (const event of events) {
        if (gone) continue;
        await stream.writeSSE({ data: JSON.stringify(scrubInternalError(event, requestId, deps.logger)) }).catch(() => {
          gone = true;
        });
      }
    } catch (err) {
      const wire = toWireError(err, requestId);
      if (wire.code === 'internal') {
        deps.logger.error({ component: 'http', request_id: requestId, err }, 'SSE stream failed');
      }
      if (!gone) {
        await stream
          .writeSSE({ data: JSON.stringify(jsonRpcErrorBody(idOf(body), wire.jsonRpc, wire.message)) })
          .catch(() => {});
      }
    }
  });
}

/**
 * The SDK turns unexpected exceptions into JSON-RPC -32603 errors carrying the exception's message. That message
 * may be an internal detail (a SQL error, a file path), so it is replaced with a generic one and logged.
 */
function scrubInternalError(response: JsonRpcResponse, requestId: string, logger: Logger): JsonRpcResponse {
  const error = response.error;
  if (!isPlainObject(error) || error.code !== -32603) return response;
  logger.error({ component: 'http', request_id: requestId, error: error.message }, 'internal error in A2A handler');
  return {
    jsonrpc: response.jsonrpc,
    id: response.id,
    error: { code: -32603, message: `internal server error; quote request id ${requestId} when reporting it` },
  };
}
