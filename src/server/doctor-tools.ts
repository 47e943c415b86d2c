/**
 * Doctor checks of tools and of which agents may use them: command allowlists and sandbox, approval of tools that
 * write or execute, network reach, least privilege of public agents. Disabled tools are not graded (they cannot
 * be built or listed). See doctor.ts for the contract and docs/doctor.md for each id.
 */
import type { Config, ToolConfig } from '../config/index.ts';
import { DENIED_UNLESS_ALLOWED, matchesAny, namesOf } from '../tools/index.ts';
import { type Finding, isLoopbackHost, finding as make } from './doctor-finding.ts';

/** Whether calling the tool can change files, run programs or act through an MCP server. */
export function writesOrExecutes(tool: ToolConfig): boolean {
  if (tool.type === 'command' || tool.type === 'mcp') return true;
  return tool.handler === 'write_file' || tool.handler === 'search_replace';
}

function noApproval(name: string, tool: ToolConfig): Finding | undefined {
  const path = `tools.${name}.require_approval`;
  if (tool.type === 'mcp') {
    if (tool.require_approval === false) {
      return make(
        'tool-no-approval',
        'high',
        path,
        `MCP toolset ${name} runs every tool call without human approval, whatever the server's tools do`,
        'remove require_approval: false (default: every call), or list the tools that write: require_approval: [create_*, delete_*]',
      );
    }
    if (Array.isArray(tool.require_approval)) {
      return make(
        'mcp-partial-approval',
        'low',
        path,
        `only the MCP tools matching ${tool.require_approval.join(', ')} need approval; any other tool of ${name} runs unattended`,
        `check that every tool of ${name} that writes or deletes matches, or narrow tools.${name}.filter`,
      );
    }
    return undefined;
  }
  if (!writesOrExecutes(tool) || tool.require_approval) return undefined;
  const what = tool.type === 'command' ? 'runs programs' : 'changes files';
  return make(
    'tool-no-approval',
    'high',
    path,
    `tool ${name} ${what} without human approval: a prompt-injected model can act at once`,
    `remove require_approval: false (approval is the default for this tool) and set approvers: [admin] if others decide`,
  );
}

function commandFindings(name: string, tool: Extract<ToolConfig, { type: 'command' }>): Finding[] {
  const out: Finding[] = [];
  const at = `tools.${name}`;
  if (!tool.deny_by_default) {
    out.push(
      make(
        'command-denylist-mode',
        'high',
        `${at}.deny_by_default`,
        `command tool ${name} runs any program not on a deny list; a deny list is never complete`,
        `set deny_by_default: true and list the programs it needs in allowed_commands`,
      ),
    );
  }
  if (tool.sandbox === 'none') {
    out.push(
      make(
        'command-no-sandbox',
        'high',
        `${at}.sandbox`,
        `command tool ${name} runs programs directly on the host, with the server's files, secrets and network`,
        'remove sandbox: none (bubblewrap is the default) and install bubblewrap',
      ),
    );
  }
  if (tool.network) {
    out.push(
      make(
        'command-network',
        'medium',
        `${at}.network`,
        `command tool ${name} has network access inside the sandbox: output and workspace files can be sent anywhere`,
        'remove network: true unless the allowed programs need it',
      ),
    );
  }
  tool.allowed_commands.forEach((program, i) => {
    // The names the command tool matches (python3.11 → python, node20 → node, vim.basic → vim).
    if (matchesAny(DENIED_UNLESS_ALLOWED, namesOf(program)) === undefined) return;
    out.push(
      make(
        'command-runs-code',
        'medium',
        `${at}.allowed_commands.${i}`,
        `${program} runs code or other programs given as arguments: allowing it allows anything inside the sandbox`,
        `keep require_approval on for ${name}, or allow narrower programs`,
      ),
    );
  });
  return out;
}

function mcpFindings(name: string, tool: Extract<ToolConfig, { type: 'mcp' }>): Finding[] {
  const at = `tools.${name}`;
  if (tool.transport === 'stdio') {
    const out: Finding[] = [];
    if (tool.sandbox === 'none') {
      out.push(
        make(
          'mcp-no-sandbox',
          'high',
          `${at}.sandbox`,
          `MCP server ${name} runs directly on the host with the server's files and network`,
          'remove sandbox: none (bubblewrap is the default)',
        ),
      );
    }
    if (tool.network) {
      out.push(
        make(
          'mcp-network',
          'low',
          `${at}.network`,
          `MCP server ${name} has network access inside its sandbox`,
          'remove network: true unless the server needs it',
        ),
      );
    }
    return out;
  }
  const url = URL.canParse(tool.url) ? new URL(tool.url) : undefined;
  if (url?.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return [
      make(
        'mcp-plain-http',
        'medium',
        `${at}.url`,
        `MCP server ${name} is reached over plain http: its headers (credentials) and tool results can be read or changed on the way`,
        'use an https:// URL',
      ),
    ];
  }
  return [];
}

/** `*.com`, `*.io`, `*.`: a wildcard over a single label (a top-level domain) allows most of the internet. */
const TLD_WILDCARD = /^\*\.[^.]*\.?$/;

/**
 * Domains under which anyone can get a host of their own in a minute: tunnels, request catchers and shared
 * hosting. A wildcard over one of them lets a prompt-injected model send data to an attacker's host.
 */
const OPEN_SUBDOMAINS = [
  'ngrok.io',
  'ngrok.app',
  'ngrok-free.app',
  'ngrok.dev',
  'trycloudflare.com',
  'loca.lt',
  'localtunnel.me',
  'serveo.net',
  'pagekite.me',
  'webhook.site',
  'requestcatcher.com',
  'pipedream.net',
  'beeceptor.com',
  'burpcollaborator.net',
  'oast.fun',
  'interact.sh',
  'github.io',
  'githubusercontent.com',
  'gitlab.io',
  'herokuapp.com',
  'vercel.app',
  'netlify.app',
  'pages.dev',
  'workers.dev',
  'appspot.com',
  'web.app',
  'firebaseapp.com',
  'azurewebsites.net',
  'blob.core.windows.net',
  'cloudfront.net',
  's3.amazonaws.com',
  'amazonaws.com',
  'glitch.me',
  'repl.co',
  'onrender.com',
  'fly.dev',
  'deno.dev',
  'surge.sh',
];

/** The open-subdomain service a wildcard entry (`*.x.ngrok.io`, `*.ngrok.io.`) falls under, if any. */
function openSubdomainOf(domain: string): string | undefined {
  if (!domain.startsWith('*.')) return undefined;
  const host = domain.slice(2).replace(/\.$/, '').toLowerCase();
  return OPEN_SUBDOMAINS.find((d) => host === d || host.endsWith(`.${d}`));
}

function webFindings(name: string, tool: ToolConfig): Finding[] {
  if (tool.type !== 'function' || tool.handler !== 'web_request') return [];
  if (tool.allowed_domains === undefined) {
    return [
      make(
        'web-any-domain',
        'medium',
        `tools.${name}.allowed_domains`,
        `web tool ${name} may fetch any public host: a prompt-injected model can send conversation data anywhere`,
        'list the hosts it needs in allowed_domains',
      ),
    ];
  }
  return tool.allowed_domains.flatMap((domain, i) => {
    if (TLD_WILDCARD.test(domain)) {
      return [
        make(
          'web-any-domain',
          'medium',
          `tools.${name}.allowed_domains.${i}`,
          `web tool ${name} allows ${domain}, every host under a top-level domain: a prompt-injected model can send conversation data to any site there`,
          'list the exact hosts it needs (api.example.com), or *.<your domain> (*.example.com)',
        ),
      ];
    }
    const open = openSubdomainOf(domain);
    if (open === undefined) return [];
    return [
      make(
        'web-open-subdomains',
        'medium',
        `tools.${name}.allowed_domains.${i}`,
        `web tool ${name} allows ${domain}: anyone can get a host under ${open} (a tunnel, request catcher or shared hosting), so a prompt-injected model can send conversation data to an attacker's host there`,
        `list the exact host you use (myapp.${open}), never a wildcard over ${open}`,
      ),
    ];
  });
}

/** The tool of an agent reference: a tool name, or `<toolset>.<tool>` of an MCP toolset. */
function toolOf(config: Config, ref: string): ToolConfig | undefined {
  if (Object.hasOwn(config.tools, ref)) return config.tools[ref];
  const dot = ref.indexOf('.');
  return dot > 0 ? config.tools[ref.slice(0, dot)] : undefined;
}

/** Whether some call of the tool runs without approval (an MCP toolset: unless every call needs it). */
function runsUnapproved(tool: ToolConfig): boolean {
  return tool.type === 'mcp' ? tool.require_approval !== true : !tool.require_approval;
}

/**
 * Tools that write or execute WITHOUT approval, reachable from sub-agent `agent` and its own sub-agents (each
 * agent visited once). Approval-gated calls do not count: a sub-agent cannot ask for approval, they are refused.
 */
function privilegedToolsOf(config: Config, agent: string, seen: Set<string>): string[] {
  if (seen.has(agent)) return [];
  seen.add(agent);
  const a = config.agents[agent];
  if (a === undefined) return [];
  const own = a.tools.filter((ref) => {
    const tool = toolOf(config, ref);
    return tool !== undefined && writesOrExecutes(tool) && runsUnapproved(tool);
  });
  return [...own, ...a.sub_agents.flatMap((sub) => privilegedToolsOf(config, sub, seen))];
}

function agentFindings(config: Config): Finding[] {
  const out: Finding[] = [];
  for (const [name, agent] of Object.entries(config.agents)) {
    if (agent.visibility !== 'public') continue;
    agent.tools.forEach((ref, i) => {
      const tool = toolOf(config, ref);
      if (tool === undefined || !writesOrExecutes(tool)) return;
      out.push(
        make(
          'public-agent-privileged-tool',
          'medium',
          `agents.${name}.tools.${i}`,
          `public agent ${name} may call ${ref}, which writes or executes: every authenticated caller (anyone, with auth off) can drive it`,
          `give ${name} read-only tools and move ${ref} to an internal agent (visibility: internal)`,
        ),
      );
    });
    agent.sub_agents.forEach((sub, i) => {
      const reached = privilegedToolsOf(config, sub, new Set([name]));
      if (reached.length === 0) return;
      out.push(
        make(
          'public-agent-privileged-tool',
          'medium',
          `agents.${name}.sub_agents.${i}`,
          `public agent ${name} can drive sub-agent ${sub}, which may call ${reached.join(', ')} (tools that write or execute, without approval)`,
          `give ${sub} read-only tools, or call it only from internal agents`,
        ),
      );
    });
    if (agent.guardrails === undefined) {
      out.push(
        make(
          'agent-no-guardrails',
          'low',
          `agents.${name}.guardrails`,
          `public agent ${name} has no guardrails (prompt injection, PII, tool authorization)`,
          'define a policy under guardrails: and name it here (docs/guardrails.md)',
        ),
      );
    }
  }
  return out;
}

/**
 * Host directories no tool should be confined to: the directory itself (it holds the system's or every user's
 * files), or anything under the ones that hold configuration and kernel interfaces.
 * `/var/lib/hector/workspace` is fine; `/var` is not.
 */
const SYSTEM_EXACT = new Set(['/root', '/home', '/Users', '/var', '/usr', '/opt', '/tmp', '/srv', '/mnt', '/media']);
const SYSTEM_TREES = ['/etc', '/proc', '/sys', '/dev', '/boot'];
/**
 * Trees that hold credentials: users' homes (SSH keys, cloud and git credentials, shell history), runtime state
 * (`/run`, `/var/run`: sockets such as docker.sock, secrets mounted at /run/secrets) and services' state
 * (`/var/lib`: databases, keys), except a dedicated `/var/lib/hector…`.
 */
const CREDENTIAL_TREES = ['/root', '/run', '/var/run', '/var/lib'];
const HOME_TREE = /^\/(?:home|Users)\/[^/]+(?:\/|$)/;
const HECTOR_STATE = /^\/var\/lib\/hector[^/]*(?:\/|$)/;

function under(dir: string, tree: string): boolean {
  return dir === tree || dir.startsWith(`${tree}/`);
}

/** What makes `dir` a bad working directory, or undefined. */
function directoryProblem(dir: string): string | undefined {
  if (SYSTEM_EXACT.has(dir) || SYSTEM_TREES.some((d) => under(dir, d))) return 'a system directory';
  if (HOME_TREE.test(dir) || under(dir, '/root')) return "in a user's home directory (SSH keys, cloud credentials)";
  if (CREDENTIAL_TREES.some((d) => under(dir, d)) && !HECTOR_STATE.test(dir)) {
    return 'in a directory of runtime or service state (sockets, mounted secrets, databases)';
  }
  return undefined;
}

/** The server's own files (SQLite database, audit file, log file) by the YAML path that names them. */
function serverFiles(config: Config): [path: string, file: string][] {
  const out: [string, string][] = [];
  const db = config.server.database;
  if (db?.startsWith('sqlite:') && db !== 'sqlite::memory:') out.push(['server.database', db.slice('sqlite:'.length)]);
  if (config.audit?.path !== undefined) out.push(['audit.path', config.audit.path]);
  if (config.logger.file !== undefined) out.push(['logger.file', config.logger.file]);
  return out;
}

function directoryFindings(config: Config, name: string, tool: ToolConfig): Finding[] {
  if (!('working_directory' in tool)) return [];
  if (tool.type === 'mcp' && tool.transport !== 'stdio') return [];
  const dir = tool.working_directory;
  const at = `tools.${name}.working_directory`;
  const out: Finding[] = [];
  const problem = directoryProblem(dir);
  if (problem !== undefined) {
    out.push(
      make(
        'tool-system-directory',
        'medium',
        at,
        `tool ${name} is confined to ${dir}, ${problem}: it can read (or change) files that belong to the host or hold credentials`,
        'point working_directory at a dedicated directory such as ./workspace (or /var/lib/hector/workspace)',
      ),
    );
  }
  const holds = serverFiles(config).filter(([, file]) => under(file, dir) || under(dir, file));
  if (holds.length > 0) {
    out.push(
      make(
        'tool-directory-server-files',
        'high',
        at,
        `tool ${name}'s working directory ${dir} holds the server's own files (${holds.map(([p]) => p).join(', ')}): the tool can read sessions, app signing keys and the audit trail, or tamper with them`,
        `keep ${holds.map(([p]) => p).join(', ')} outside every tool's working directory (e.g. .hector/ next to the config, and ./workspace for tools)`,
      ),
    );
  }
  return out;
}

/** Findings about tools and the agents that use them. */
export function toolFindings(config: Config): Finding[] {
  const out: Finding[] = [];
  for (const [name, tool] of Object.entries(config.tools)) {
    if (!tool.enabled) continue;
    const approval = noApproval(name, tool);
    if (approval) out.push(approval);
    out.push(...directoryFindings(config, name, tool));
    if (tool.type === 'command') out.push(...commandFindings(name, tool));
    else if (tool.type === 'mcp') out.push(...mcpFindings(name, tool));
    else out.push(...webFindings(name, tool));
  }
  out.push(...agentFindings(config));
  return out;
}
