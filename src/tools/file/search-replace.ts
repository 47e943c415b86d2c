import { type BigIntStats, constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { quote } from '../text.ts';
import type { ToolResult } from '../types.ts';
import { replaceFileAtomically, type WriteHooks } from './atomic-write.ts';
import { at, openParentForWrite } from './dir-fd.ts';
import { refusalResult } from './jail.ts';
import { type Protection, protectedRefusal } from './protection.ts';
import { errnoCode } from './workspace.ts';

export interface SearchReplaceArgs {
  path: string;
  old: string;
  new: string;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
/** Occurrences are counted up to this many; more are reported as "more than". */
const MAX_COUNTED = 1000;

/**
 * Replaces the one occurrence of `old` in a UTF-8 text file inside the workspace with `new`. `old` must occur
 * exactly once (overlapping occurrences count): none or several is an error that changes nothing and asks for
 * more context. The replacement is literal (no `$&`-style patterns). Same containment and write protections as
 * write_file (dir-fd.ts, protection.ts, atomic-write.ts); the file is opened with O_NOFOLLOW, so a symbolic link
 * is refused, never edited through; the file and the result must each be at most `maxWriteBytes` bytes. If the
 * file is replaced by someone else between the read and the write, the edit is refused.
 */
export async function searchReplaceInWorkspace(
  protection: Protection,
  args: SearchReplaceArgs,
  options: { maxWriteBytes: number; signal?: AbortSignal; hooks?: WriteHooks },
): Promise<ToolResult> {
  const fail = (output: string): ToolResult => ({ output, isError: true });
  if (args.old === '') return fail('"old" is empty; give the exact text to replace, with enough context to be unique');
  if (args.old === args.new) return fail('"old" and "new" are identical; nothing to change');
  const identities = await protection.identities();
  const parent = await openParentForWrite(protection, identities, args.path, false);
  if (!parent.ok)
    return refusalResult({ ...parent, message: parent.message.replace(/^directory not found: /, 'file not found: ') });
  const { dir, name, display } = parent;
  try {
    let handle: FileHandle;
    try {
      handle = await open(
        at(dir.handle.fd, name),
        constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY,
      );
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT') return fail(`file not found: ${display}`);
      if (code === 'ELOOP') {
        return fail(
          `${quote(display)} is a symbolic link; search_replace never edits through symbolic links, use the real file inside the workspace`,
        );
      }
      if (code === 'EACCES' || code === 'EPERM') return fail(`permission denied: ${display}`);
      if (code === 'ENXIO' || code === 'ENODEV') return fail(`${quote(display)} is not a regular file`);
      throw e;
    }
    let stats: BigIntStats;
    let text: string;
    try {
      stats = await handle.stat({ bigint: true });
      if (stats.isDirectory()) return fail(`${quote(display)} is a directory, not a file`);
      if (!stats.isFile()) return fail(`${quote(display)} is not a regular file (FIFO, socket or device)`);
      if (identities.has(stats)) return refusalResult(protectedRefusal(display));
      if (stats.size > BigInt(options.maxWriteBytes)) {
        return fail(
          `${quote(display)} is ${stats.size} bytes; search_replace edits files of at most ${options.maxWriteBytes} bytes`,
        );
      }
      const buf = await readAll(handle, Number(stats.size) + 1);
      if (buf.length > options.maxWriteBytes) {
        return fail(`${quote(display)} grew past ${options.maxWriteBytes} bytes while it was being read; try again`);
      }
      const binary = `${quote(display)} is not UTF-8 text (it looks binary); search_replace only edits text files`;
      if (buf.includes(0)) return fail(binary);
      try {
        text = fatalUtf8.decode(buf);
      } catch {
        return fail(binary);
      }
    } finally {
      await handle.close();
    }

    const first = text.indexOf(args.old);
    if (first === -1) {
      return fail(
        `"old" was not found in ${quote(display)}; nothing was changed. Read the file and copy the exact text, including whitespace and line breaks`,
      );
    }
    const count = countOccurrences(text, args.old, first);
    if (count > 1) {
      const n = count > MAX_COUNTED ? `more than ${MAX_COUNTED}` : String(count);
      return fail(
        `"old" occurs ${n} times in ${quote(display)}; nothing was changed. Include more surrounding lines in "old" so it matches exactly once`,
      );
    }
    const result = Buffer.from(text.slice(0, first) + args.new + text.slice(first + args.old.length), 'utf8');
    if (result.length > options.maxWriteBytes) {
      return fail(
        `the edited file would be ${result.length} bytes; search_replace writes at most ${options.maxWriteBytes} bytes. Nothing was changed`,
      );
    }
    options.signal?.throwIfAborted();
    const done = await replaceFileAtomically(dir, name, display, result, {
      identities,
      expect: { dev: stats.dev, ino: stats.ino, ctimeNs: stats.ctimeNs },
      ...(options.hooks ? { hooks: options.hooks } : {}),
    });
    if (!done.ok) return refusalResult(done);
    const line = text.slice(0, first).split('\n').length;
    return {
      output: `replaced 1 occurrence in ${display} at line ${line} (now ${result.length} bytes)`,
      isError: false,
    };
  } finally {
    await dir.handle.close();
  }
}

async function readAll(handle: FileHandle, max: number): Promise<Buffer> {
  const buf = Buffer.alloc(max);
  let filled = 0;
  while (filled < max) {
    const { bytesRead } = await handle.read(buf, filled, max - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buf.subarray(0, filled);
}

/** Occurrences of `needle` in `text` (overlapping ones included), counting from `first`, up to MAX_COUNTED + 1. */
function countOccurrences(text: string, needle: string, first: number): number {
  let count = 0;
  for (let i = first; i !== -1 && count <= MAX_COUNTED; i = text.indexOf(needle, i + 1)) count++;
  return count;
}
