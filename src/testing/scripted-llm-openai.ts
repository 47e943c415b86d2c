import type { ServerResponse } from 'node:http';
import { bearerToken, type ScriptedProtocol } from './scripted-llm-protocol.ts';
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

/** OpenAI Chat Completions: `POST /v1/chat/completions`, JSON or SSE (`data: {...}` chunks, then `data: [DONE]`). */
export const openaiProtocol: ScriptedProtocol = {
  name: 'openai',

  route(method, url) {
    return method === 'POST' && url.pathname === '/v1/chat/completions' ? {} : undefined;
  },

  describe(body): WireRequestInfo {
    const messages = asArray(body.messages);
    let lastUserText = '';
    for (const m of messages) {
      const msg = asRecord(m);
      if (msg.role === 'user') lastUserText = textOfContent(msg.content);
    }
    return {
      model: typeof body.model === 'string' ? body.model : '',
      stream: body.stream === true,
      messages: body.messages,
      tools: body.tools,
      lastUserText,
      includeUsage: asRecord(body.stream_options).include_usage === true,
    };
  },

  presentedKey: (req) => bearerToken(req),

  errorBody(status, message) {
    return {
      error: { message, type: status === 401 ? 'invalid_request_error' : 'scripted_error', param: null, code: null },
    };
  },

  async respond(res, turn, info, signal) {
    if (!info.stream) {
      sendJson(res, 200, completion(turn, info));
      return;
    }
    await stream(res, turn, info, signal);
  },
};

const CREATED = 1_700_000_000;

function completion(turn: ResolvedTurn, info: WireRequestInfo): unknown {
  return {
    id: 'chatcmpl-scripted',
    object: 'chat.completion',
    created: CREATED,
    model: info.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: turn.text === '' && turn.toolCalls.length > 0 ? null : turn.text,
          ...(turn.toolCalls.length > 0
            ? {
                tool_calls: turn.toolCalls.map((c) => ({
                  id: c.id,
                  type: 'function',
                  function: { name: c.name, arguments: JSON.stringify(c.args) },
                })),
              }
            : {}),
        },
        finish_reason: turn.toolCalls.length > 0 ? 'tool_calls' : 'stop',
      },
    ],
    usage: usage(turn),
  };
}

function usage(turn: ResolvedTurn): unknown {
  return {
    prompt_tokens: turn.usage.inputTokens,
    completion_tokens: turn.usage.outputTokens,
    total_tokens: turn.usage.inputTokens + turn.usage.outputTokens,
  };
}

async function stream(res: ServerResponse, turn: ResolvedTurn, info: WireRequestInfo, signal: AbortSignal) {
  startStream(res, 'text/event-stream');
  const base = { id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: CREATED, model: info.model };
  const send = async (payload: unknown) => {
    await writeChunk(res, `data: ${JSON.stringify(payload)}\n\n`, signal);
  };
  const delta = (d: Record<string, unknown>, finishReason: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta: d, finish_reason: finishReason }],
  });

  await send(delta({ role: 'assistant', content: '' }));
  for (const chunk of turn.chunks) {
    await sleep(turn.chunkDelayMs, signal);
    await send(delta({ content: chunk }));
  }
  if (turn.midStreamError !== undefined) {
    await send({ error: { message: turn.midStreamError, type: 'server_error', param: null, code: null } });
    res.end();
    return;
  }
  for (const [index, call] of turn.toolCalls.entries()) {
    await sleep(turn.chunkDelayMs, signal);
    await send(
      delta({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }),
    );
    for (const piece of splitInTwo(JSON.stringify(call.args))) {
      await send(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  }
  await send(delta({}, turn.toolCalls.length > 0 ? 'tool_calls' : 'stop'));
  if (info.includeUsage) await send({ ...base, choices: [], usage: usage(turn) });
  await writeChunk(res, 'data: [DONE]\n\n', signal);
  res.end();
}
