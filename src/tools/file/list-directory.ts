import type { Dirent } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import { hasControlCharacters, quote } from '../text.ts';
import type { ToolResult } from '../types.ts';
import { type JailHooks, refusalResult } from './jail.ts';
import { openReadable } from './open-readable.ts';
import type { Protection } from './protection.ts';
import { errnoCode } from './workspace.ts';

/** Default cap on the entries of one listing. */
export const DEFAULT_MAX_ENTRIES = 1000;

/**
 * Lists a directory inside the workspace (see jail.ts for the containment contract; `.env*` directories and
 * protected paths are refused, see protection.ts): one entry per line, sorted
 * by name (code-unit order), directories with a trailing `/`, symbolic links with a trailing `@` (their targets
 * are neither followed nor shown). Names with control characters are shown JSON-quoted so a file name cannot
 * forge extra lines. At most `maxEntries` entries, followed by a `[truncated: …]` marker; memory stays bounded
 * however large the directory is.
 */
export async function listDirectoryInWorkspace(
  protection: Protection,
  args: { path: string },
  options: { maxEntries: number; signal?: AbortSignal; hooks?: JailHooks },
): Promise<ToolResult> {
  const opened = await openReadable(protection, args.path, 'directory', options.hooks);
  if (!opened.ok) return refusalResult(opened);
  const { handle } = opened;
  try {
    let entries: string[];
    let total: number;
    try {
      ({ entries, total } = await collect(`/proc/self/fd/${handle.fd}`, options));
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      // No /proc: read the re-checked real path, then make sure it is still the directory we opened.
      ({ entries, total } = await collect(opened.real, options));
      const now = await stat(opened.real, { bigint: true });
      if (now.dev !== opened.stats.dev || now.ino !== opened.stats.ino) {
        return {
          output: `${quote(opened.display)} changed while it was being listed; try again`,
          isError: true,
        };
      }
    }
    if (total === 0) return { output: '[empty directory]', isError: false };
    const lines = entries.join('\n');
    if (total <= options.maxEntries) return { output: lines, isError: false };
    return {
      output: `${lines}\n[truncated: showing the first ${entries.length} of ${total} entries, sorted by name]`,
      isError: false,
    };
  } finally {
    await handle.close();
  }
}

async function collect(
  dirPath: string,
  options: { maxEntries: number; signal?: AbortSignal },
): Promise<{ entries: string[]; total: number }> {
  const dir = await opendir(dirPath, { bufferSize: 256 });
  const kept: { name: string; line: string }[] = [];
  let total = 0;
  const trim = () => {
    kept.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    kept.length = Math.min(kept.length, options.maxEntries);
  };
  for await (const entry of dir) {
    if (total % 1024 === 0) options.signal?.throwIfAborted();
    total++;
    kept.push({ name: entry.name, line: render(entry) });
    if (kept.length >= options.maxEntries * 2) trim();
  }
  trim();
  return { entries: kept.map((k) => k.line), total };
}

function render(entry: Dirent): string {
  const name = hasControlCharacters(entry.name) ? JSON.stringify(entry.name) : entry.name;
  if (entry.isDirectory()) return `${name}/`;
  if (entry.isSymbolicLink()) return `${name}@`;
  return name;
}
