import type { ServerResponse } from 'node:http';
import { bearerToken, type ScriptedProtocol } from './scripted-llm-protocol.ts';
import {
  asArray,
  asRecord,
  type ResolvedTurn,
  sendJson,
  sleep,
  startStream,
  textOfContent,
  type WireRequestInfo,
  writeChunk,
} from './scripted-llm-wire.ts';

const CREATED_AT = '2024-01-01T00:00:00.000Z';

/**
 * Ollama: `POST /api/chat`, JSON (`stream: false`) or NDJSON lines (the default, as in Ollama itself), with
 * `message.tool_calls` and `prompt_eval_count` / `eval_count` usage on the final (`done: true`) line. A key, when
 * required, is expected as `Authorization: Bearer` (as for Ollama behind a proxy or ollama.com).
 */
export const ollamaProtocol: ScriptedProtocol = {
  name: 'ollama',

  route(method, url) {
    return method === 'POST' && url.pathname === '/api/chat' ? {} : undefined;
  },

  describe(body): WireRequestInfo {
    let lastUserText = '';
    for (const m of asArray(body.messages)) {
      const msg = asRecord(m);
      if (msg.role === 'user') lastUserText = textOfContent(msg.content);
    }
    return {
      model: typeof body.model === 'string' ? body.model : '',
      stream: body.stream !== false,
      messages: body.messages,
      tools: body.tools,
      lastUserText,
      includeUsage: true,
    };
  },

  presentedKey: (req) => bearerToken(req),

  errorBody(_status, message) {
    return { error: message };
  },

  async respond(res, turn, info, signal) {
    if (!info.stream) {
      sendJson(res, 200, {
        ...line(info, turn.text, turn),
        done: true,
        done_reason: 'stop',
        ...usage(turn),
      });
      return;
    }
    await stream(res, turn, info, signal);
  },
};

function line(info: WireRequestInfo, content: string, turn: ResolvedTurn | undefined) {
  const toolCalls = turn?.toolCalls ?? [];
  return {
    model: info.model,
    created_at: CREATED_AT,
    message: {
      role: 'assistant',
      content,
      ...(toolCalls.length > 0
        ? { tool_calls: toolCalls.map((c) => ({ id: c.id, function: { name: c.name, arguments: c.args } })) }
        : {}),
    },
  };
}

function usage(turn: ResolvedTurn) {
  return {
    total_duration: 1,
    load_duration: 0,
    prompt_eval_count: turn.usage.inputTokens,
    prompt_eval_duration: 1,
    eval_count: turn.usage.outputTokens,
    eval_duration: 1,
  };
}

async function stream(res: ServerResponse, turn: ResolvedTurn, info: WireRequestInfo, signal: AbortSignal) {
  startStream(res, 'application/x-ndjson');
  const send = async (payload: unknown) => {
    await writeChunk(res, `${JSON.stringify(payload)}\n`, signal);
  };
  for (const chunk of turn.chunks) {
    await sleep(turn.chunkDelayMs, signal);
    await send({ ...line(info, chunk, undefined), done: false });
  }
  if (turn.midStreamError !== undefined) {
    await send({ error: turn.midStreamError });
    res.end();
    return;
  }
  if (turn.toolCalls.length > 0) {
    await sleep(turn.chunkDelayMs, signal);
    await send({ ...line(info, '', turn), done: false });
  }
  await send({ ...line(info, '', undefined), done: true, done_reason: 'stop', ...usage(turn) });
  res.end();
}
