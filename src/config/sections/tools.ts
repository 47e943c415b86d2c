/**
 * `tools:` — name → tool, discriminated by `type`:
 * - `function`: a built-in handler. File handlers (`read_file`, `write_file`, `search_replace`, `list_directory`,
 *   `grep_search`) are jailed to `working_directory`; `web_request` is governed by its domain/range lists.
 * - `command`: programs run inside the OS sandbox (bubblewrap), filtered by allow/deny lists.
 * - `mcp`: an MCP server (stdio `command`, sandboxed; or HTTP `url`), its tools filtered by `filter`/`deny`.
 *
 * `require_approval` defaults to true for command tools and the writing file handlers (`write_file`,
 * `search_replace`), and for MCP toolsets, false otherwise; see APPROVAL_BY_DEFAULT.
 */
import { isAbsolute, parse, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { isPlainObject, TOOL_PATTERN } from '../../shared/index.ts';
import { boolean, duration, HEADER_NAME, integer, nameKey, text } from '../fields.ts';
import type { RawIssue } from '../issue.ts';

export const TOOL_TYPES = ['function', 'command', 'mcp'] as const;
export const MCP_TRANSPORTS = ['streamable-http', 'sse'] as const;
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

/** MCP tool patterns (see shared/tool-pattern.ts); compiled, and re-checked, by the tools. */
const toolPattern = text().regex(TOOL_PATTERN, 'must be a tool name or a glob such as get_*');
const SECRET_REF = '$' + '{VAR}';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const STDIO_ONLY = ['command', 'args', 'env', 'working_directory', 'sandbox', 'network', 'read_only_paths'] as const;
const HTTP_ONLY = ['url', 'transport', 'headers', 'allowed_ranges'] as const;

export const mcpToolSchema = z
  .strictObject({
    type: z.literal('mcp'),
    enabled: common.enabled,
    command: text()
      .optional()
      .describe('stdio: program that starts the server (bare name on the trusted PATH, or absolute)'),
    args: z.array(z.string().max(4096)).optional().describe('stdio: arguments'),
    env: z
      .record(z.string().regex(ENV_NAME, 'must be an environment variable name'), z.string())
      .optional()
      .describe(
        `stdio: the ONLY environment variables the server gets (besides PATH, HOME, TMPDIR, LANG); use ${SECRET_REF} for secrets`,
      ),
    working_directory: text()
      .optional()
      .describe(`stdio: ${WORKING_DIRECTORY_DOC}; the only writable path in the sandbox`),
    sandbox: z.enum(SANDBOXES).optional().describe('stdio: bubblewrap (default) or none (unsafe)'),
    network: boolean().optional().describe('stdio: allow network access inside the sandbox (default false)'),
    read_only_paths: z
      .array(text())
      .optional()
      .describe("stdio: host paths visible read-only in the sandbox (the server's program and packages)"),
    url: text().optional().describe('HTTP: the server URL (http:// or https://)'),
    transport: z.enum(MCP_TRANSPORTS).optional().describe('HTTP: streamable-http (default) or sse'),
    headers: z
      .record(z.string().regex(HEADER_NAME, 'must be a header name'), z.string().max(8192))
      .optional()
      .describe(`HTTP: headers sent with every request; use ${SECRET_REF} for secrets`),
    allowed_ranges: z
      .array(text().regex(CIDR, 'must be a CIDR such as 127.0.0.1/32'))
      .optional()
      .describe('HTTP: private/loopback ranges explicitly allowed (a server on localhost needs 127.0.0.1/32)'),
    filter: z
      .array(toolPattern)
      .optional()
      .describe('only these tools are offered (names or globs such as get_*); default: all'),
    deny: z.array(toolPattern).prefault([]).describe('tools never offered (names or globs; wins over filter)'),
    require_approval: z
      .union([boolean(), z.array(toolPattern)])
      .prefault(true)
      .describe('true (default: every call), false, or the tools (names or globs) that need approval'),
    approval_prompt: common.approval_prompt,
    approvers: common.approvers,
    approval_timeout: common.approval_timeout,
    timeout: duration(100, 600_000).prefault('60s').describe('a tool call is cancelled after this long'),
    connect_timeout: duration(100, 600_000)
      .prefault('15s')
      .describe('how long starting the server and listing its tools may take'),
    max_result_bytes: integer(1024, 16 * 1024 * 1024)
      .prefault(262_144)
      .describe('tool result text returned to the model'),
  })
  .superRefine((tool, ctx) => {
    const stdio = tool.command !== undefined;
    if (stdio === (tool.url !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [stdio ? 'url' : 'command'],
        message: stdio
          ? 'give either command (stdio) or url (HTTP), not both'
          : 'required: command (stdio) or url (HTTP)',
      });
      return;
    }
    for (const key of stdio ? HTTP_ONLY : STDIO_ONLY) {
      if (tool[key] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} applies only to ${stdio ? 'HTTP (url)' : 'stdio (command)'} servers`,
        });
      }
    }
  })
  .describe('an MCP server whose tools agents may call');

export const toolSchema = z.discriminatedUnion('type', [functionToolSchema, commandToolSchema, mcpToolSchema]);

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
    if (name.includes('__')) {
      issues.push({
        path: ['tools', name],
        message: 'a tool name may not contain "__"',
        hint: '"__" separates an MCP toolset from its tools (github__get_issue); rename the tool',
      });
    }
    if (!isPlainObject(tool) || tool.handler === 'web_request') continue;
    if (tool.type === 'mcp' && tool.command === undefined) continue;
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
