/**
 * `tools:` — name → tool, discriminated by `type`:
 * - `function`: a built-in handler. File handlers (`read_file`, `write_file`, `search_replace`, `list_directory`,
 *   `grep_search`) are jailed to `working_directory`; `web_request` is governed by its domain/range lists.
 * - `command`: programs run inside the OS sandbox (bubblewrap), filtered by allow/deny lists.
 *
 * `require_approval` defaults to true for command tools and the writing file handlers (`write_file`,
 * `search_replace`), false otherwise; see APPROVAL_BY_DEFAULT.
 */
import { isAbsolute, parse, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { isPlainObject } from '../../shared/index.ts';
import { boolean, duration, integer, nameKey, text } from '../fields.ts';
import type { RawIssue } from '../issue.ts';

export const TOOL_TYPES = ['function', 'command'] as const;
export const FILE_HANDLERS = ['read_file', 'write_file', 'search_replace', 'list_directory', 'grep_search'] as const;
export const FUNCTION_HANDLERS = [...FILE_HANDLERS, 'web_request'] as const;
export const SANDBOXES = ['bubblewrap', 'none'] as const;
export const DEFAULT_WORKING_DIRECTORY = './workspace';

const PROGRAM = /^[A-Za-z0-9._+-]{1,64}$/;
const DOMAIN = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const CIDR = /^[0-9A-Fa-f:.]+\/\d{1,3}$/;

/** Handlers that change files: they need approval unless the config says `require_approval: false`. */
export const APPROVAL_BY_DEFAULT: readonly string[] = ['write_file', 'search_replace'];
const ROLE = /^[A-Za-z0-9._:-]{1,64}$/;
export const DEFAULT_APPROVAL_TIMEOUT = '24h';

const common = {
  description: text().optional().describe("description shown to the LLM (default: the tool's own)"),
  enabled: boolean().prefault(true).describe('a disabled tool is not built and may not be listed by an agent'),
  require_approval: boolean()
    .optional()
    .describe(
      'pause for human approval before each call (default: true for command tools, write_file and search_replace)',
    ),
  approval_prompt: text()
    .max(2000)
    .optional()
    .describe('the approval question, with {argument} placeholders, e.g. "Allow writing to {path}?"'),
  approvers: z
    .array(text().regex(ROLE, 'must be a role name such as admin'))
    .prefault([])
    .describe("roles that may decide besides the task's owner, e.g. [admin]"),
  approval_timeout: duration(1000, 30 * 24 * 3_600_000)
    .prefault(DEFAULT_APPROVAL_TIMEOUT)
    .describe('a pending approval expires (as denied) after this long'),
};

const WORKING_DIRECTORY_DOC =
  "directory the tool is confined to (default ./workspace); relative paths resolve against the config file's directory";

const program = text().regex(PROGRAM, 'must be a bare program name such as git or ls (no path, no spaces)');

export const functionToolSchema = z
  .strictObject({
    type: z.literal('function'),
    handler: z.enum(FUNCTION_HANDLERS).describe('built-in handler'),
    ...common,
    working_directory: text().optional().describe(`file handlers: ${WORKING_DIRECTORY_DOC}`),
    max_read_bytes: integer(1, 16 * 1024 * 1024)
      .optional()
      .describe('file handlers: most bytes read per call'),
    max_write_bytes: integer(1, 64 * 1024 * 1024)
      .optional()
      .describe('file handlers: largest file written'),
    allowed_domains: z
      .array(text().regex(DOMAIN, 'must be a host name or *.domain'))
      .optional()
      .describe('web_request: only these hosts (exact, or *.example.com for subdomains)'),
    denied_domains: z
      .array(text().regex(DOMAIN, 'must be a host name or *.domain'))
      .optional()
      .describe('web_request: never these hosts (wins over allowed_domains)'),
    allowed_ranges: z
      .array(text().regex(CIDR, 'must be a CIDR such as 10.1.2.0/24'))
      .optional()
      .describe('web_request: private/loopback address ranges explicitly allowed'),
    max_response_bytes: integer(1, 64 * 1024 * 1024)
      .optional()
      .describe('web_request: response body cap'),
    timeout: duration(1, 600_000).optional().describe('web_request: whole-request deadline'),
  })
  .superRefine((tool, ctx) => {
    const web = tool.handler === 'web_request';
    const webOnly = ['allowed_domains', 'denied_domains', 'allowed_ranges', 'max_response_bytes', 'timeout'] as const;
    const fileOnly = ['working_directory', 'max_read_bytes', 'max_write_bytes'] as const;
    for (const key of web ? fileOnly : webOnly) {
      if (tool[key] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} does not apply to handler ${tool.handler}`,
        });
      }
    }
  })
  .describe('a built-in function tool');

export const commandToolSchema = z
  .strictObject({
    type: z.literal('command'),
    ...common,
    allowed_commands: z.array(program).prefault([]).describe('programs that may run'),
    denied_commands: z
      .array(program)
      .prefault([])
      .describe('programs that never run (added to the built-in list; wins over allowed_commands)'),
    deny_by_default: boolean().prefault(true).describe('only allowed_commands run (default true)'),
    working_directory: text().prefault(DEFAULT_WORKING_DIRECTORY).describe(WORKING_DIRECTORY_DOC),
    max_execution_time: duration(100, 3_600_000).prefault('60s').describe('kill the command after this long'),
    max_output_bytes: integer(1024, 16 * 1024 * 1024)
      .prefault(65_536)
      .describe('stdout+stderr returned'),
    network: boolean().prefault(false).describe('allow network access inside the sandbox'),
    sandbox: z
      .enum(SANDBOXES)
      .prefault('bubblewrap')
      .describe('bubblewrap (default; required unless you explicitly accept none)'),
  })
  .superRefine((tool, ctx) => {
    if (tool.deny_by_default && tool.allowed_commands.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowed_commands'],
        message: 'deny_by_default is true but no allowed_commands are listed: the tool could run nothing',
      });
    }
  })
  .describe('a command-execution tool');

export const toolSchema = z.discriminatedUnion('type', [functionToolSchema, commandToolSchema]);

export const toolsSchema = z.record(nameKey(), toolSchema).prefault({}).describe('tools by name');

function contains(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Working directories, resolved against `baseDir`, are refused (lexically; the tools re-check real paths) when
 * they are the filesystem root or contain the config file's directory: the tool could then read the config and
 * its `.env` (secrets). Runs on the raw document.
 */
export function checkTools(tools: unknown, baseDir: string, issues: RawIssue[]): void {
  if (!isPlainObject(tools)) return;
  for (const [name, tool] of Object.entries(tools)) {
    if (!isPlainObject(tool) || tool.handler === 'web_request') continue;
    const raw = tool.working_directory ?? DEFAULT_WORKING_DIRECTORY;
    if (typeof raw !== 'string' || raw === '') continue;
    const dir = resolve(baseDir, raw);
    const path = ['tools', name, 'working_directory'];
    if (dir === parse(dir).root) {
      issues.push({
        path,
        message: 'the working directory must not be the filesystem root',
        hint: 'use a dedicated directory',
      });
    } else if (contains(dir, baseDir)) {
      issues.push({
        path,
        message: `the working directory ${dir} contains the config file's directory (the tool could read the config and its .env)`,
        hint: 'point it at a dedicated directory such as ./workspace',
      });
    }
  }
}
