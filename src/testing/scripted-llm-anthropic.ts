import type { ServerResponse } from 'node:http';
import { headerValue, type ScriptedProtocol } from './scripted-llm-protocol.ts';
import {
  asArray,
  asRecord,
  type ResolvedTurn,
  sendJson,
  sleep,
  splitInTwo,
  startStream,
  textOfContent,
  type WireRequestInfo,
  writeChunk,
} from './scripted-llm-wire.ts';

/**
 * Anthropic Messages: `POST /v1/messages`, JSON or an SSE event stream (message_start, content_block_start /
 * delta / stop, message_delta with usage, message_stop). The key is expected in `x-api-key`.
 */
export const anthropicProtocol: ScriptedProtocol = {
  name: 'anthropic',

  route(method, url) {
    return method === 'POST' && url.pathname === '/v1/messages' ? {} : undefined;
  },

  describe(body): WireRequestInfo {
    let lastUserText = '';
    for (const m of asArray(body.messages)) {
      const msg = asRecord(m);
      if (msg.role !== 'user') continue;
      const text = textOfContent(msg.content);
      if (text !== '') lastUserText = text;
    }
    return {
      model: typeof body.model === 'string' ? body.model : '',
      stream: body.stream === true,
      messages: body.messages,
      tools: body.tools,
      lastUserText,
      includeUsage: true,
    };
  },

  presentedKey: (req) => headerValue(req, 'x-api-key'),

  errorBody(status, message) {
    return { type: 'error', error: { type: errorType(status), message } };
  },

  async respond(res, turn, info, signal) {
    if (!info.stream) {
      sendJson(res, 200, message(turn, info));
      return;
    }
    await stream(res, turn, info, signal);
  },
};

function errorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

const stopReason = (turn: ResolvedTurn) => (turn.toolCalls.length > 0 ? 'tool_use' : 'end_turn');

function message(turn: ResolvedTurn, info: WireRequestInfo): unknown {
  const content: unknown[] = [];
  if (turn.text !== '') content.push({ type: 'text', text: turn.text });
  for (const c of turn.toolCalls) content.push({ type: 'tool_use', id: c.id, name: c.name, input: c.args });
  return {
    id: 'msg_scripted',
    type: 'message',
    role: 'assistant',
    model: info.model,
    content,
    stop_reason: stopReason(turn),
    stop_sequence: null,
    usage: { input_tokens: turn.usage.inputTokens, output_tokens: turn.usage.outputTokens },
  };
}

async function stream(res: ServerResponse, turn: ResolvedTurn, info: WireRequestInfo, signal: AbortSignal) {
  startStream(res, 'text/event-stream');
  const send = async (event: string, payload: Record<string, unknown>) => {
    await writeChunk(res, `event: ${event}\ndata: ${JSON.stringify({ type: event, ...payload })}\n\n`, signal);
  };
  await send('message_start', {
    message: {
      id: 'msg_scripted',
      type: 'message',
      role: 'assistant',
      model: info.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: turn.usage.inputTokens, output_tokens: 1 },
    },
  });
  let index = 0;
  if (turn.chunks.length > 0) {
    await send('content_block_start', { index, content_block: { type: 'text', text: '' } });
    for (const chunk of turn.chunks) {
      await sleep(turn.chunkDelayMs, signal);
      await send('content_block_delta', { index, delta: { type: 'text_delta', text: chunk } });
    }
    await send('content_block_stop', { index });
    index++;
  }
  if (turn.midStreamError !== undefined) {
    await send('error', { error: { type: 'overloaded_error', message: turn.midStreamError } });
    res.end();
    return;
  }
  for (const call of turn.toolCalls) {
    await sleep(turn.chunkDelayMs, signal);
    await send('content_block_start', {
      index,
      content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
    });
    for (const piece of splitInTwo(JSON.stringify(call.args))) {
      await send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
    }
    await send('content_block_stop', { index });
    index++;
  }
  await send('message_delta', {
    delta: { stop_reason: stopReason(turn), stop_sequence: null },
    usage: { output_tokens: turn.usage.outputTokens },
  });
  await send('message_stop', {});
  res.end();
}
