/**
 * Renders a GuardedResponse as the text the model reads: a status line, where the response came from when
 * there were redirects, a few selected headers, then the body as text. Text means: a textual (or missing)
 * content type and a body that decodes in its charset (UTF-8 strictly: invalid UTF-8 or a NUL byte makes it
 * binary). Binary bodies are summarised by type and size, never dumped. A cut body ends with a `[truncated: …]`
 * line. Set-Cookie and other headers are not shown: only what helps the model read the response.
 */
import { utf8SafeEnd } from '../text.ts';
import type { GuardedResponse } from './guarded-fetcher.ts';

const SHOWN_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-disposition',
  'location',
  'retry-after',
  'last-modified',
  'etag',
];

const TEXTUAL =
  /^(?:text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|javascript|ecmascript|x-www-form-urlencoded|yaml|x-yaml|toml|csv|graphql|ld\+json)\b|image\/svg\+xml)/i;

export function renderResponse(r: GuardedResponse, maxResponseBytes: number): string {
  const lines: string[] = [`HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}`];
  if (r.redirects.length > 0)
    lines.push(`url: ${r.url} (after ${r.redirects.length} redirect(s) from ${r.redirects[0]})`);
  for (const name of SHOWN_HEADERS) {
    const value = r.headers[name];
    if (value !== undefined) lines.push(`${name}: ${oneLine(value)}`);
  }
  if (r.redirectLimitReached) {
    lines.push('[redirect not followed: the redirect limit was reached; request the location yourself if needed]');
  }
  lines.push('');
  lines.push(renderBody(r, maxResponseBytes));
  return lines.join('\n');
}

function renderBody(r: GuardedResponse, maxResponseBytes: number): string {
  const type = r.headers['content-type'];
  const declared = r.headers['content-length'];
  const size = r.truncated
    ? `more than ${maxResponseBytes} bytes${declared ? ` (content-length ${oneLine(declared)})` : ''}`
    : `${r.body.length} bytes`;
  if (r.body.length === 0 && !r.truncated) return '[empty body]';
  const encoding = r.headers['content-encoding'];
  const binary = `[binary body not shown: ${size}${type ? ` of ${oneLine(type)}` : ''}; web_request only returns text]`;
  if (encoding && !/^identity$/i.test(encoding.trim())) return binary;
  if (type && !TEXTUAL.test(type.trim())) return binary;

  const text = decode(r.body, r.truncated, charsetOf(type));
  if (text === undefined) return binary;
  if (!r.truncated) return text;
  return `${text}\n[truncated: the response body is ${size}; only the first ${maxResponseBytes} bytes were read]`;
}

function decode(body: Buffer, truncated: boolean, charset: string): string | undefined {
  if (body.includes(0)) return undefined;
  if (charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii' || charset === 'ascii') {
    const end = truncated ? utf8SafeEnd(body, body.length) : body.length;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(0, end));
    } catch {
      return undefined;
    }
  }
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return undefined; // unknown charset label
  }
}

function charsetOf(type: string | undefined): string {
  const m = type ? /;\s*charset="?([\w.:-]+)"?/i.exec(type) : null;
  return m ? m[1]!.toLowerCase() : 'utf-8';
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}
