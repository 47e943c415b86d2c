import { mkdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, parse } from 'node:path';
import { ConfigError } from '../../shared/index.ts';
import { hasControlCharacters } from '../text.ts';

/**
 * Opens the workspace directory of a file tool at construction and returns its real path (symlinks resolved,
 * once). The path must be absolute. A missing workspace is CREATED (with its missing parents) with mode 0700;
 * an existing one must be a directory. The filesystem root is refused: it would jail nothing.
 */
export function openWorkspace(toolName: string, workspace: string): string {
  const fail = (message: string, hint?: string): never => {
    throw new ConfigError([{ path: `tools.${toolName}.workspace`, message, ...(hint ? { hint } : {}) }]);
  };
  if (typeof workspace !== 'string' || workspace === '') fail('the workspace path is empty');
  if (hasControlCharacters(workspace)) fail('the workspace path contains control characters');
  if (!isAbsolute(workspace)) {
    fail(
      `the workspace path "${workspace}" is relative`,
      "resolve it to an absolute path (e.g. against the config file's directory)",
    );
  }
  try {
    statSync(workspace);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') fail(`the workspace "${workspace}" cannot be accessed (${errnoCode(e) ?? 'error'})`);
    try {
      mkdirSync(workspace, { recursive: true, mode: 0o700 });
    } catch (e2) {
      fail(`the workspace "${workspace}" does not exist and cannot be created (${errnoCode(e2) ?? 'error'})`);
    }
  }
  const root = realpathSync(workspace);
  if (!statSync(root).isDirectory()) fail(`the workspace "${workspace}" is not a directory`);
  if (root === parse(root).root) fail('the workspace must not be the filesystem root', 'use a dedicated directory');
  return root;
}

export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}
