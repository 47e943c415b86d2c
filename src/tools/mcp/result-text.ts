/**
 * An MCP `tools/call` result as the text the model reads. Text content is passed through; images, audio and
 * binary resources are replaced by a one-line note (their bytes never reach the model as text); embedded text
 * resources are shown with their URI; `structuredContent` is shown as JSON when there is no content. The whole
 * text is capped at `maxBytes` (UTF-8) with a visible marker, before the tool core's own output cap.
 */
import { capUtf8 } from '../text.ts';

type Item = Record<string, unknown>;

function describeItem(item: Item): string {
  switch (item.type) {
    case 'text':
      return typeof item.text === 'string' ? item.text : '';
    case 'image':
    case 'audio': {
      const size = typeof item.data === 'string' ? Math.floor((item.data.length * 3) / 4) : 0;
      return `[${item.type} content (${String(item.mimeType ?? 'unknown type')}, about ${size} bytes) not shown]`;
    }
    case 'resource': {
      const r = (item.resource ?? {}) as Item;
      if (typeof r.text === 'string') return `[resource ${String(r.uri ?? '')}]\n${r.text}`;
      return `[binary resource ${String(r.uri ?? '')} (${String(r.mimeType ?? 'unknown type')}) not shown]`;
    }
    case 'resource_link':
      return `[resource link ${String(item.uri ?? '')}${typeof item.name === 'string' ? ` (${item.name})` : ''}]`;
    default:
      return `[${String(item.type)} content not shown]`;
  }
}

export function resultText(result: unknown, maxBytes: number): { text: string; isError: boolean } {
  const r = (typeof result === 'object' && result !== null ? result : {}) as Item;
  const isError = r.isError === true;
  const content = Array.isArray(r.content) ? (r.content as unknown[]) : [];
  let text = content
    .filter((c): c is Item => typeof c === 'object' && c !== null)
    .map(describeItem)
    .join('\n');
  if (text === '' && r.structuredContent !== undefined) text = JSON.stringify(r.structuredContent);
  if (text === '') text = '(no output)';
  return { text: capUtf8(text, maxBytes).text, isError };
}
