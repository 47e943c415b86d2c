import { quote, utf8SafeEnd, utf8SkipContinuation } from '../text.ts';
import type { ToolResult } from '../types.ts';
import { type JailHooks, refusalResult } from './jail.ts';
import { openReadable } from './open-readable.ts';
import type { Protection } from './protection.ts';

export interface ReadFileArgs {
  path: string;
  offset?: number | undefined;
  limit?: number | undefined;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a UTF-8 text file inside the workspace (see jail.ts for the containment contract; `.env*` files and
 * protected paths are refused, see protection.ts). `offset` and `limit`
 * are in bytes; at most `maxReadBytes` bytes are returned per call, cut on a character boundary, followed by a
 * `[truncated: …]` marker that says which offset continues. A range containing a NUL byte or invalid UTF-8 is
 * refused as binary. A range starting mid-character starts at the next character.
 */
export async function readFileInWorkspace(
  protection: Protection,
  args: ReadFileArgs,
  options: { maxReadBytes: number; signal?: AbortSignal; hooks?: JailHooks },
): Promise<ToolResult> {
  const opened = await openReadable(protection, args.path, 'file', options.hooks);
  if (!opened.ok) return refusalResult(opened);
  const { handle, display } = opened;
  try {
    const size = Number(opened.stats.size);
    const offset = args.offset ?? 0;
    if (size === 0) return { output: `[empty file: ${display} has 0 bytes]`, isError: false };
    if (offset > size) {
      return {
        output: `offset ${offset} is past the end of ${quote(display)} (${size} bytes); use an offset below ${size}`,
        isError: true,
      };
    }
    if (offset === size) return { output: `[end of file: ${display} has ${size} bytes]`, isError: false };

    const want = Math.min(args.limit ?? options.maxReadBytes, options.maxReadBytes);
    const buf = Buffer.alloc(want);
    let filled = 0;
    while (filled < want) {
      options.signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buf, filled, want - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    let more = false;
    if (filled === want) {
      const probe = Buffer.alloc(1);
      more = (await handle.read(probe, 0, 1, offset + filled)).bytesRead > 0;
    }

    if (buf.subarray(0, filled).includes(0)) return binary(display);
    const start = offset > 0 ? utf8SkipContinuation(buf, filled) : 0;
    const end = more ? utf8SafeEnd(buf, filled) : filled;
    let text: string;
    try {
      text = fatalUtf8.decode(buf.subarray(start, Math.max(start, end)));
    } catch {
      return binary(display);
    }
    if (!more) return { output: text, isError: false };
    const from = offset + start;
    const to = offset + end;
    return {
      output: `${text}\n[truncated: showed bytes ${from}-${to} of ${size}; call read_file with offset=${to} to continue]`,
      isError: false,
    };
  } finally {
    await handle.close();
  }
}

function binary(display: string): ToolResult {
  return {
    output: `${quote(display)} is not UTF-8 text (it looks binary); read_file only returns text files`,
    isError: true,
  };
}
