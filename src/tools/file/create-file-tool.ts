import { z } from 'zod';
import { ConfigError } from '../../shared/index.ts';
import { defineTool } from '../define-tool.ts';
import type { Tool } from '../types.ts';
import { DEFAULT_MAX_ENTRIES, listDirectoryInWorkspace } from './list-directory.ts';
import { readFileInWorkspace } from './read-file.ts';
import { openWorkspace } from './workspace.ts';

/** Default cap on the bytes one read_file call returns: 256 KiB. */
export const DEFAULT_MAX_READ_BYTES = 256 * 1024;
const MAX_MAX_READ_BYTES = 16 * 1024 * 1024;

export interface FileToolOptions {
  /** The tool name the model sees. */
  name: string;
  handler: 'read_file' | 'list_directory';
  /** Replaces the built-in description. */
  description?: string;
  /** Absolute path of the directory the tool is jailed to. Created (mode 0700) if missing. */
  workspace: string;
  /** read_file: most bytes returned per call (default 256 KiB, at most 16 MiB). */
  maxReadBytes?: number;
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

/**
 * A read-only file tool jailed to `workspace` (see jail.ts: relative paths only, nothing whose real path is
 * outside the workspace is ever opened, FIFOs/devices/sockets are refused, hard links are not detected).
 *
 * At construction: validates the options (ConfigError on a bad name, handler, workspace or maxReadBytes), CREATES
 * the workspace with mode 0700 if it does not exist, and resolves its real path once; later changes to where
 * the workspace path points do not move the jail.
 */
export function createFileTool(options: FileToolOptions): Tool {
  const { name, handler } = options;
  const bad = (path: string, message: string): never => {
    throw new ConfigError([{ path: `tools.${name}.${path}`, message }]);
  };
  if (handler !== 'read_file' && handler !== 'list_directory') {
    bad('handler', `unknown file handler "${String(handler)}"; use read_file or list_directory`);
  }
  const maxReadBytes = options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;
  if (!Number.isSafeInteger(maxReadBytes) || maxReadBytes < 1 || maxReadBytes > MAX_MAX_READ_BYTES) {
    bad('max_read_bytes', `must be an integer from 1 to ${MAX_MAX_READ_BYTES}, got ${String(options.maxReadBytes)}`);
  }
  const root = openWorkspace(name, options.workspace);

  if (handler === 'read_file') {
    return defineTool({
      name,
      description:
        options.description ??
        `Read a UTF-8 text file in the workspace. "path" is relative to the workspace root; absolute paths and paths leading outside the workspace are refused. Returns at most ${maxReadBytes} bytes per call; a "[truncated: …]" line tells the offset to continue from.`,
      args: readFileArgs,
      execute: (args, context) => readFileInWorkspace(root, args, { maxReadBytes, signal: context.signal }),
    });
  }
  return defineTool({
    name,
    description:
      options.description ??
      `List a directory in the workspace: one entry per line, sorted by name; directories end with "/", symbolic links with "@". "path" is relative to the workspace root (default "."). At most ${DEFAULT_MAX_ENTRIES} entries are shown.`,
    args: listDirectoryArgs,
    execute: (args, context) =>
      listDirectoryInWorkspace(root, args, { maxEntries: DEFAULT_MAX_ENTRIES, signal: context.signal }),
  });
}
