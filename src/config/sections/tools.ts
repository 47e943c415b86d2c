/**
 * `tools:` — name → tool, discriminated by `type`. Only `function` tools (the built-in file tools) exist for now;
 * new tool types are added as new members of the discriminated union.
 */
import { isAbsolute, parse, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { isPlainObject } from '../../shared/index.ts';
import { boolean, nameKey, text } from '../fields.ts';
import type { RawIssue } from '../issue.ts';

export const TOOL_TYPES = ['function'] as const;
export const FILE_HANDLERS = ['read_file', 'list_directory'] as const;
export const DEFAULT_WORKSPACE = './workspace';

export const functionToolSchema = z
  .strictObject({
    type: z.literal('function'),
    handler: z.enum(FILE_HANDLERS).describe('built-in handler'),
    description: text().optional().describe("description shown to the LLM (default: the handler's own)"),
    enabled: boolean().prefault(true).describe('a disabled tool is not built and may not be listed by an agent'),
    workspace: text()
      .prefault(DEFAULT_WORKSPACE)
      .describe("directory the tool is jailed to; relative paths resolve against the config file's directory"),
  })
  .describe('a built-in function tool');

export const toolSchema = z.discriminatedUnion('type', [functionToolSchema]);

export const toolsSchema = z.record(nameKey(), toolSchema).prefault({}).describe('tools by name');

function contains(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Workspaces, resolved against `baseDir`, are refused (lexically; the file tool re-checks real paths) when
 * they are the filesystem root or contain the config file's directory: the tool could then read the config and
 * its `.env` (secrets). Runs on the raw document.
 */
export function checkTools(tools: unknown, baseDir: string, issues: RawIssue[]): void {
  if (!isPlainObject(tools)) return;
  for (const [name, tool] of Object.entries(tools)) {
    if (!isPlainObject(tool)) continue;
    const raw = tool.workspace ?? DEFAULT_WORKSPACE;
    if (typeof raw !== 'string' || raw === '') continue;
    const workspace = resolve(baseDir, raw);
    const path = ['tools', name, 'workspace'];
    if (workspace === parse(workspace).root) {
      issues.push({
        path,
        message: 'the workspace must not be the filesystem root',
        hint: 'use a dedicated directory',
      });
    } else if (contains(workspace, baseDir)) {
      issues.push({
        path,
        message: `the workspace ${workspace} contains the config file's directory (the tool could read the config and its .env)`,
        hint: 'point it at a dedicated directory such as ./workspace',
      });
    }
  }
}
