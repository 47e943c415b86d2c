import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedTurn, WireRequestInfo } from './scripted-llm-wire.ts';

export type ProtocolName = 'openai' | 'anthropic' | 'gemini' | 'ollama';

/** What the URL alone says about a request (Gemini carries the model and streaming in the path). */
export interface ProtocolRoute {
  model?: string;
  stream?: boolean;
}

/** One wire protocol the scripted LLM speaks. Handlers are stateless; ids come from the resolved turn. */
export interface ScriptedProtocol {
  readonly name: ProtocolName;
  /** The route when `method url` is this protocol's endpoint, otherwise undefined. */
  route(method: string, url: URL): ProtocolRoute | undefined;
  describe(body: Record<string, unknown>, route: ProtocolRoute): WireRequestInfo;
  /** The API key the client presented, in this protocol's usual place. */
  presentedKey(req: IncomingMessage, url: URL): string | undefined;
  /** An error body in this protocol's shape. */
  errorBody(status: number, message: string): unknown;
  /** Writes the whole answer (JSON or a stream) for one turn. Stops writing when `signal` aborts. */
  respond(res: ServerResponse, turn: ResolvedTurn, info: WireRequestInfo, signal: AbortSignal): Promise<void>;
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1] : undefined;
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}
