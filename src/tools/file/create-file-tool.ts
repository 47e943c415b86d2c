import { z } from 'zod';
import { ConfigError } from '../../shared/index.ts';
import { defineTool } from '../define-tool.ts';
import type { Tool } from '../types.ts';
import { hasProcFd } from './dir-fd.ts';
import { DEFAULT_GREP_LIMITS, grepInWorkspace } from './grep-search.ts';
import { DEFAULT_MAX_ENTRIES, listDirectoryInWorkspace } from './list-directory.ts';
import { createProtection } from './protection.ts';
import { readFileInWorkspace } from './read-file.ts';
import { MAX_REGEX_LENGTH } from './safe-regex.ts';
import { searchReplaceInWorkspace } from './search-replace.ts';
import { openWorkspace } from './workspace.ts';
import { writeFileInWorkspace } from './write-file.ts';

/** Default cap on the bytes one read_file call returns (and on the size of a file grep_search reads): 256 KiB. */
export const DEFAULT_MAX_READ_BYTES = 256 * 1024;
/** Default cap on the bytes write_file writes and on the size of a file search_replace edits: 1 MiB. */
export const DEFAULT_MAX_WRITE_BYTES = 1024 * 1024;
const MAX_MAX_READ_BYTES = 16 * 1024 * 1024;
const MAX_MAX_WRITE_BYTES = 64 * 1024 * 1024;

export type FileHandlerName = 'read_file' | 'list_directory' | 'write_file' | 'search_replace' | 'grep_search';
const HANDLERS: readonly FileHandlerName[] = [
  'read_file',
  'list_directory',
  'write_file',
  'search_replace',
  'grep_search',
];

export interface FileToolOptions {
  /** The tool name the model sees. */
  name: string;
  handler: FileHandlerName;
  /** Replaces the built-in description. */
  description?: string;
  /** Absolute path of the directory the tool is jailed to. Created (mode 0700) if missing. */
  workspace: string;
  /** read_file: most bytes returned per call; grep_search: larger files are skipped (default 256 KiB, at most 16 MiB). */
  maxReadBytes?: number;
  /** write_file: most bytes written; search_replace: largest file edited and largest result (default 1 MiB, at most 64 MiB). */
  maxWriteBytes?: number;
  /**
   * Absolute paths the tools must never read, list, search or write, at or below them (e.g. the server's state
   * directory, the config file and the `.env` next to it). They may be inside or outside the workspace and need
   * not exist yet; one that contains the workspace is a ConfigError.
   */
  protectedPaths?: readonly string[];
}

const pathArg = z.string().min(1).max(4096);

const readFileArgs = z.strictObject({
  path: pathArg.describe('File path relative to the workspace root, e.g. "notes.txt" or "src/app.ts"'),
  offset: z.number().int().min(0).optional().describe('Byte offset to start reading at (default 0)'),
  limit: z.number().int().min(1).optional().describe('Maximum number of bytes to return (capped by the tool)'),
});

const listDirectoryArgs = z.strictObject({
  path: pathArg.default('.').describe('Directory path relative to the workspace root (default ".", the root)'),
});

const writeFileArgs = z.strictObject({
  path: pathArg.describe('File path relative to the workspace root; missing parent directories are created'),
  content: z.string().describe('The complete new content of the file (UTF-8 text)'),
});

const searchReplaceArgs = z.strictObject({
  path: pathArg.describe('File path relative to the workspace root'),
  old: z.string().min(1).describe('The exact text to replace; it must occur exactly once in the file'),
  new: z.string().describe('The text to put in its place'),
});

const grepSearchArgs = z.strictObject({
  pattern: z.string().min(1).max(1000).describe('The text to search for (a literal unless "regex" is true)'),
  path: pathArg
    .default('.')
    .describe('File or directory to search, relative to the workspace root (default ".", everything)'),
  regex: z
    .boolean()
    .default(false)
    .describe(
      `Treat "pattern" as a regular expression (at most ${MAX_REGEX_LENGTH} characters; no backreferences or lookarounds)`,
    ),
});

/**
 * A file tool jailed to `workspace`. Reading (read_file, list_directory, grep_search's start path) goes through
 * jail.ts: relative paths only, nothing whose real path is outside the workspace is opened. Writing
 * (write_file, search_replace) and grep_search's recursion go through dir-fd.ts: descriptor-relative, no
 * symbolic link ever followed. protection.ts adds what is never touched inside the workspace (`.env*`, `.git`
 * for writes, `protectedPaths`). Hard links are not detected (see jail.ts), except hard links to protected paths
 * that exist.
 *
 * At construction: validates the options (ConfigError on a bad name, handler, workspace, size cap or protected
 * path; the writing tools and grep_search also need Linux `/proc`), CREATES the workspace with mode 0700 if it
 * does not exist, and resolves its real path once; later changes to where the workspace path points do not move
 * the jail.
 */
export function createFileTool(options: FileToolOptions): Tool {
  const { name, handler } = options;
  const bad = (path: string, message: string): never => {
    throw new ConfigError([{ path: `tools.${name}.${path}`, message }]);
  };
  if (!HANDLERS.includes(handler)) {
    bad('handler', `unknown file handler "${String(handler)}"; use one of ${HANDLERS.join(', ')}`);
  }
  const maxReadBytes = options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;
  if (!Number.isSafeInteger(maxReadBytes) || maxReadBytes < 1 || maxReadBytes > MAX_MAX_READ_BYTES) {
    bad('max_read_bytes', `must be an integer from 1 to ${MAX_MAX_READ_BYTES}, got ${String(options.maxReadBytes)}`);
  }
  const maxWriteBytes = options.maxWriteBytes ?? DEFAULT_MAX_WRITE_BYTES;
  if (!Number.isSafeInteger(maxWriteBytes) || maxWriteBytes < 1 || maxWriteBytes > MAX_MAX_WRITE_BYTES) {
    bad('max_write_bytes', `must be an integer from 1 to ${MAX_MAX_WRITE_BYTES}, got ${String(options.maxWriteBytes)}`);
  }
  if (handler !== 'read_file' && handler !== 'list_directory' && !hasProcFd()) {
    bad('handler', `${handler} needs Linux with /proc mounted (it opens paths relative to directory descriptors)`);
  }
  const root = openWorkspace(name, options.workspace);
  const protection = createProtection(name, root, options.protectedPaths ?? []);
  const describe = (builtIn: string) => options.description ?? builtIn;
  const refusals =
    'Absolute paths, paths leading outside the workspace, symbolic links leading outside, .env files and protected server paths are refused.';

  switch (handler) {
    case 'read_file':
      return defineTool({
        name,
        description: describe(
          `Read a UTF-8 text file in the workspace. "path" is relative to the workspace root. ${refusals} Returns at most ${maxReadBytes} bytes per call; a "[truncated: …]" line tells the offset to continue from.`,
        ),
        args: readFileArgs,
        execute: (args, context) => readFileInWorkspace(protection, args, { maxReadBytes, signal: context.signal }),
      });
    case 'list_directory':
      return defineTool({
        name,
        description: describe(
          `List a directory in the workspace: one entry per line, sorted by name; directories end with "/", symbolic links with "@". "path" is relative to the workspace root (default "."). At most ${DEFAULT_MAX_ENTRIES} entries are shown.`,
        ),
        args: listDirectoryArgs,
        execute: (args, context) =>
          listDirectoryInWorkspace(protection, args, { maxEntries: DEFAULT_MAX_ENTRIES, signal: context.signal }),
      });
    case 'write_file':
      return defineTool({
        name,
        description: describe(
          `Create or overwrite a UTF-8 text file in the workspace with "content" (at most ${maxWriteBytes} bytes). "path" is relative to the workspace root; missing parent directories are created. ${refusals} Symbolic links are never written through, and files under .git cannot be written.`,
        ),
        args: writeFileArgs,
        execute: (args, context) => writeFileInWorkspace(protection, args, { maxWriteBytes, signal: context.signal }),
      });
    case 'search_replace':
      return defineTool({
        name,
        description: describe(
          `Edit a text file in the workspace by replacing the exact text "old" with "new". "old" must occur exactly once in the file: include enough surrounding lines to make it unique. "path" is relative to the workspace root. ${refusals} Symbolic links are never edited through, and files under .git cannot be written.`,
        ),
        args: searchReplaceArgs,
        execute: (args, context) =>
          searchReplaceInWorkspace(protection, args, { maxWriteBytes, signal: context.signal }),
      });
    default: {
      const limits = { ...DEFAULT_GREP_LIMITS, maxReadBytes };
      return defineTool({
        name,
        description: describe(
          `Search the text files under "path" (default: the whole workspace) for "pattern", a literal string unless "regex" is true. Returns "path:line: text" lines, at most ${limits.maxMatches} matches. Symbolic links, .git directories, .env files, binary files and files over ${maxReadBytes} bytes are skipped.`,
        ),
        args: grepSearchArgs,
        execute: (args, context) => grepInWorkspace(protection, args, { limits, signal: context.signal }),
      });
    }
  }
}
