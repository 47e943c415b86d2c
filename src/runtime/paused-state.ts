import type { ChatMessage, Usage } from '../providers/index.ts';
import { isPlainObject, type JsonValue } from '../shared/index.ts';
import { fromStored, toStored } from './history.ts';

/** One tool call of the paused step: `result` is set for calls that already ran; the others await approval. */
export interface PausedCall {
  id: string;
  name: string;
  result?: { content: string; isError: boolean };
}

/** What a paused run needs to continue: the turn up to the step's assistant message, and that step's calls. */
export interface PausedState {
  turn: ChatMessage[];
  calls: PausedCall[];
  /** Steps taken, the paused one included. */
  step: number;
  usage: Usage;
}

const VERSION = 1;

export function encodePausedState(state: PausedState): JsonValue {
  return {
    v: VERSION,
    turn: state.turn.map(toStored),
    calls: state.calls.map((c) => ({
      id: c.id,
      name: c.name,
      ...(c.result ? { result: { content: c.result.content, isError: c.result.isError } } : {}),
    })),
    step: state.step,
    usage: { inputTokens: state.usage.inputTokens, outputTokens: state.usage.outputTokens },
  };
}

/** Reads a stored state back; anything malformed (another version, tampering) is an error, never guessed at. */
export function decodePausedState(value: JsonValue): PausedState {
  const bad = () => new Error('stored paused run is malformed (the database was modified outside Hector)');
  if (!isPlainObject(value) || value.v !== VERSION) throw bad();
  const { turn, calls, step, usage } = value;
  if (!Array.isArray(turn) || !Array.isArray(calls) || typeof step !== 'number' || !isPlainObject(usage)) throw bad();
  const messages = turn.map((m) => fromStored(m));
  if (messages.some((m) => m === undefined)) throw bad();
  const parsed: PausedCall[] = calls.map((c) => {
    if (!isPlainObject(c) || typeof c.id !== 'string' || typeof c.name !== 'string') throw bad();
    const r = c.result;
    if (r === undefined) return { id: c.id, name: c.name };
    if (!isPlainObject(r) || typeof r.content !== 'string' || typeof r.isError !== 'boolean') throw bad();
    return { id: c.id, name: c.name, result: { content: r.content, isError: r.isError } };
  });
  return {
    turn: messages as ChatMessage[],
    calls: parsed,
    step,
    usage: { inputTokens: Number(usage.inputTokens) || 0, outputTokens: Number(usage.outputTokens) || 0 },
  };
}
