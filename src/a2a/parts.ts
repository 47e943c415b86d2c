import type { Message, Part } from '@a2a-js/sdk';
import { InvalidRequestError } from '../shared/index.ts';

/** Upper bound on the text a single user turn may carry into the model, in characters. */
export const MAX_USER_TEXT_CHARS = 200_000;

/**
 * Flattens a user message into the text the model sees: text parts verbatim, data parts as JSON. File parts
 * (inline bytes or URLs) are refused: the server never fetches a client-supplied URL.
 */
export function userTextOf(message: Message): string {
  if (message.parts.length === 0) throw new InvalidRequestError('message has no parts; send at least one text part');
  const pieces: string[] = [];
  for (const part of message.parts) pieces.push(partText(part));
  const text = pieces.join('\n');
  if (text.trim().length === 0) throw new InvalidRequestError('message text is empty');
  if (text.length > MAX_USER_TEXT_CHARS) {
    throw new InvalidRequestError(`message text exceeds ${MAX_USER_TEXT_CHARS} characters`);
  }
  return text;
}

function partText(part: Part): string {
  const content = part.content;
  switch (content?.$case) {
    case 'text':
      return content.value;
    case 'data':
      return JSON.stringify(content.value);
    case 'raw':
    case 'url':
      throw new InvalidRequestError('file parts are not supported; send text or data parts');
    default:
      throw new InvalidRequestError('message part has no content; send text or data parts');
  }
}
