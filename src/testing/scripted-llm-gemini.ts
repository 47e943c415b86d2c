import type { ServerResponse } from 'node:http';
import { headerValue, type ScriptedProtocol } from './scripted-llm-protocol.ts';
import {
  asArray,
  asRecord,
  type ResolvedTurn,
  sendJson,
  sleep,
  startStream,
  type WireRequestInfo,
  writeChunk,
} from './scripted-llm-wire.ts';

const ROUTE = /^\/v1beta\/(.+):(generateContent|streamGenerateContent)$/;

/**
 * Gemini (Generative Language API v1beta): `POST /v1beta/models/{model}:generateContent` (JSON) and
 * `:streamGenerateContent?alt=sse` (SSE `data: {...}` chunks). Function calls are `functionCall` parts; usage is
 * `usageMetadata`. The key is expected in `x-goog-api-key` (or the `key` query parameter).
 */
export const geminiProtocol: ScriptedProtocol = {
  name: 'gemini',

  route(method, url) {
    if (method !== 'POST') return undefined;
    const m = ROUTE.exec(url.pathname);
    if (!m) return undefined;
    const model = decodeURIComponent(m[1]!).replace(/^models\//, '');
    return { model, stream: m[2] === 'streamGenerateContent' };
  },

  describe(body, route): WireRequestInfo {
    let lastUserText = '';
    for (const c of asArray(body.contents)) {
      const content = asRecord(c);
      if (content.role !== undefined && content.role !== 'user') continue;
      const text = asArray(content.parts)
        .map((p) => {
          const t = asRecord(p).text;
          return typeof t === 'string' ? t : '';
        })
        .join('');
      if (text !== '') lastUserText = text;
    }
    return {
      model: route.model ?? '',
      stream: route.stream === true,
      messages: body.contents,
      tools: body.tools,
      lastUserText,
      includeUsage: true,
    };
  },

  presentedKey: (req, url) => headerValue(req, 'x-goog-api-key') ?? url.searchParams.get('key') ?? undefined,

  errorBody(status, message) {
    return { error: { code: status, message, status: statusName(status) } };
  },

  async respond(res, turn, info, signal) {
    if (!info.stream) {
      sendJson(res, 200, {
        candidates: [{ content: { role: 'model', parts: parts(turn.text, turn) }, finishReason: 'STOP', index: 0 }],
        usageMetadata: usageMetadata(turn),
        modelVersion: info.model,
      });
      return;
    }
    await stream(res, turn, info, signal);
  },
};

function statusName(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return 'INTERNAL';
  }
}

function parts(text: string, turn: ResolvedTurn | undefined): unknown[] {
  const out: unknown[] = [];
  if (text !== '') out.push({ text });
  for (const c of turn?.toolCalls ?? []) out.push({ functionCall: { id: c.id, name: c.name, args: c.args } });
  return out;
}

function usageMetadata(turn: ResolvedTurn): unknown {
  return {
    promptTokenCount: turn.usage.inputTokens,
    candidatesTokenCount: turn.usage.outputTokens,
    totalTokenCount: turn.usage.inputTokens + turn.usage.outputTokens,
  };
}

async function stream(res: ServerResponse, turn: ResolvedTurn, info: WireRequestInfo, signal: AbortSignal) {
  startStream(res, 'text/event-stream');
  const send = async (payload: unknown) => {
    await writeChunk(res, `data: ${JSON.stringify(payload)}\n\n`, signal);
  };
  for (const chunk of turn.chunks) {
    await sleep(turn.chunkDelayMs, signal);
    await send({
      candidates: [{ content: { role: 'model', parts: [{ text: chunk }] }, index: 0 }],
      modelVersion: info.model,
    });
  }
  if (turn.midStreamError !== undefined) {
    await send({ error: { code: 503, message: turn.midStreamError, status: 'UNAVAILABLE' } });
    res.end();
    return;
  }
  await sleep(turn.chunkDelayMs, signal);
  await send({
    candidates: [{ content: { role: 'model', parts: parts('', turn) }, finishReason: 'STOP', index: 0 }],
    usageMetadata: usageMetadata(turn),
    modelVersion: info.model,
  });
  res.end();
}
