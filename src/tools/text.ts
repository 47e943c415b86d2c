/** Small text helpers shared by the tool core and the file tools. */

/** True when `s` contains a NUL byte or another control character (C0, DEL or C1). */
export function hasControlCharacters(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/**
 * A value the model sent, quoted for an error message: JSON-escaped (so control characters and newlines cannot
 * forge extra lines) and cut to `max` characters.
 */
export function quote(value: unknown, max = 200): string {
  const s = typeof value === 'string' ? value : String(value);
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return JSON.stringify(cut);
}

/**
 * The longest prefix of `buf[0, end)` that does not end inside a multi-byte UTF-8 sequence. Used when cutting a
 * byte range so the cut never splits a character.
 */
export function utf8SafeEnd(buf: Uint8Array, end: number): number {
  let i = end - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 3 && ((buf[i] ?? 0) & 0xc0) === 0x80) {
    i--;
    continuation++;
  }
  if (i < 0) return end;
  const lead = buf[i] ?? 0;
  const need =
    lead < 0x80 ? 1 : (lead & 0xe0) === 0xc0 ? 2 : (lead & 0xf0) === 0xe0 ? 3 : (lead & 0xf8) === 0xf0 ? 4 : 1;
  return i + need > end ? i : end;
}

/** Number of leading UTF-8 continuation bytes (at most 3): where a range that starts mid-character really starts. */
export function utf8SkipContinuation(buf: Uint8Array, end: number): number {
  let i = 0;
  while (i < end && i < 3 && ((buf[i] ?? 0) & 0xc0) === 0x80) i++;
  return i;
}

/**
 * Caps `text` at `maxBytes` UTF-8 bytes, cutting on a character boundary and appending a visible marker that
 * says how much was dropped. Returns the text unchanged when it fits.
 */
export function capUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, truncated: false };
  const end = utf8SafeEnd(bytes, maxBytes);
  const kept = bytes.subarray(0, end).toString('utf8');
  return {
    text: `${kept}\n[truncated: the tool output was ${bytes.length} bytes; only the first ${end} bytes are shown]`,
    truncated: true,
  };
}
