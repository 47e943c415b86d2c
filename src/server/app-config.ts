/**
 * The config of an app created over the Admin API (issue 9 groundwork, not wired yet). It is validated by the
 * same strict schema as the YAML file, and then held to what a tenant may do on a shared host:
 * - no `server:`, `logger:` or `audit:` section (deployment settings belong to the operator's file);
 * - no access to the server's environment: `${VAR}` has nothing to resolve against (a `:-default` still works),
 *   so an app cannot read HECTOR_AUTH_SECRET or a provider key into its own config — its secrets are literal,
 *   stored sealed and masked in every answer;
 * - every tool workspace lies under the app's own directory (`.hector/apps/<id>/`): relative paths resolve there
 *   and a path outside it (`/etc`, `../other-app`) is refused;
 * - command tools and MCP stdio servers only when the admin enabled host tools for the app.
 */
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type Config, isSecretKey, parseConfigText } from '../config/index.ts';
import { ConfigError, type ConfigIssue, hasProtoKey, isPlainObject, safeJsonParse } from '../shared/index.ts';
import { isInside } from '../tools/index.ts';

export interface AppConfigContext {
  readonly appId: string;
  /** Absolute directory holding every app's files (`<state dir>/apps`). */
  readonly appsDir: string;
  /** The admin allowed command tools and MCP stdio servers for this app. */
  readonly hostTools: boolean;
  /**
   * Private or loopback ranges the admin lets this app's outbound requests reach (web tools, MCP over HTTP,
   * moderation, its LLMs' `base_url`). An app config cannot widen them itself. Default: none.
   */
  readonly allowedRanges?: readonly string[];
}

export interface ValidatedAppConfig {
  readonly config: Config;
  /** Literal secrets of the config (API keys…), to scrub from logs and mask in answers. */
  readonly secrets: readonly string[];
  /** The app's own directory; every tool workspace is inside it. */
  readonly workspace: string;
  /** The document as given (plain JSON), for sealing. */
  readonly document: Record<string, unknown>;
}

const FORBIDDEN_SECTIONS = ['server', 'logger', 'audit'] as const;

/** `config_json` (a JSON string) or `config` (an object) → a validated app config, or a ConfigError listing every problem. */
export function validateAppConfig(source: unknown, context: AppConfigContext): ValidatedAppConfig {
  let document: unknown = source;
  if (typeof source === 'string') {
    if (hasProtoKey(source)) {
      throw new ConfigError([{ path: 'config_json', message: 'has a "__proto__" key, which no config field is' }]);
    }
    const parsed = safeJsonParse(source);
    if (!parsed.ok) {
      const deep = /call stack|too much recursion/i.test(parsed.error);
      throw new ConfigError([
        { path: 'config_json', message: deep ? 'is nested too deeply to be a config' : 'is not valid JSON' },
      ]);
    }
    document = parsed.value;
  }
  if (!isPlainObject(document)) {
    throw new ConfigError([{ path: 'config_json', message: 'must be a JSON object: a whole Hector config' }]);
  }
  const issues: ConfigIssue[] = [];
  for (const section of FORBIDDEN_SECTIONS) {
    if (Object.hasOwn(document, section)) {
      issues.push({
        path: section,
        message: 'is not allowed in an app config',
        hint: "deployment settings belong to the server's own config file",
      });
    }
  }
  issues.push(...rangeIssues(document));
  if (issues.length > 0) throw new ConfigError(issues);
  const workspace = resolve(join(context.appsDir, context.appId));
  const granted = context.allowedRanges ?? [];
  // The admin's grant is what every outbound part of the app may reach; it is written in before parsing.
  const { config, secrets } = parseAppDocument(withRanges(document, granted), workspace);
  const inside = (path: string) => {
    const rel = relative(workspace, path);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  for (const [name, tool] of Object.entries(config.tools)) {
    const hostTool = tool.type === 'command' || (tool.type === 'mcp' && tool.transport === 'stdio');
    if (hostTool && !context.hostTools) {
      issues.push({
        path: `tools.${name}`,
        message: `${tool.type === 'command' ? 'command tools' : 'MCP stdio servers'} run programs on the host and are not enabled for this app`,
        hint: 'an admin can enable host tools for the app; otherwise use an MCP server over HTTP',
      });
    }
    if (hostTool && 'sandbox' in tool && tool.sandbox === 'none') {
      issues.push({ path: `tools.${name}.sandbox`, message: 'an app cannot run tools outside the sandbox' });
    }
    if (hostTool && 'network' in tool && tool.network === true) {
      issues.push({
        path: `tools.${name}.network`,
        message: "an app's sandboxed programs get no network: it would reach the host's private network unchecked",
        hint: 'use a web_request tool or an MCP server over HTTP; both go through the SSRF guard',
      });
    }
    if (tool.type === 'mcp' && tool.transport === 'stdio') {
      (tool.read_only_paths ?? []).forEach((path, i) => {
        if (!inside(path) && !SYSTEM_READ_ONLY.some((dir) => isInside(dir, path))) {
          issues.push({
            path: `tools.${name}.read_only_paths[${i}]`,
            message: `must be inside the app's own directory or a system directory (${SYSTEM_READ_ONLY.join(', ')})`,
            hint: "other host paths may hold other apps' data; run such a server over HTTP instead",
          });
        }
      });
    }
    if ('working_directory' in tool && !inside(tool.working_directory)) {
      issues.push({
        path: `tools.${name}.working_directory`,
        message: `must be inside the app's own directory (${workspace}); host paths are not allowed`,
      });
    }
  }
  for (const [name, agent] of Object.entries(config.agents)) {
    (agent.rate_limits ?? []).forEach((rule, i) => {
      if (rule.scope === 'global') issues.push(globalScopeIssue(`agents.${name}.rate_limits[${i}].scope`));
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { config, secrets, workspace, document };
}

/**
 * Host directories an app's sandboxed MCP servers may be shown read-only: the system's programs and libraries,
 * never state, homes or other apps' directories.
 */
const SYSTEM_READ_ONLY = [
  '/usr',
  '/lib',
  '/lib32',
  '/lib64',
  '/bin',
  '/sbin',
  '/opt',
  '/etc/ssl',
  '/etc/ca-certificates',
];

/** Where an app config could name private ranges of its own (refused: the admin grants them on the app). */
function rangeIssues(document: Record<string, unknown>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const refuse = (path: string) =>
    issues.push({
      path,
      message: 'an app config cannot open private or loopback ranges to itself',
      hint: 'an admin grants them on the app: "allowed_ranges" in the Admin API request',
    });
  const tools = document.tools;
  if (isPlainObject(tools)) {
    for (const [name, tool] of Object.entries(tools)) {
      if (isPlainObject(tool) && Object.hasOwn(tool, 'allowed_ranges')) refuse(`tools.${name}.allowed_ranges`);
    }
  }
  const guardrails = document.guardrails;
  if (isPlainObject(guardrails)) {
    for (const [name, policy] of Object.entries(guardrails)) {
      for (const stage of ['input', 'output'] as const) {
        const moderation = isPlainObject(policy) && isPlainObject(policy[stage]) ? policy[stage].content : undefined;
        const remote = isPlainObject(moderation) ? moderation.moderation : undefined;
        if (isPlainObject(remote) && Object.hasOwn(remote, 'allowed_ranges')) {
          refuse(`guardrails.${name}.${stage}.content.moderation.allowed_ranges`);
        }
      }
    }
  }
  return issues;
}

/** A copy of the document with the admin's granted ranges on every web tool, MCP HTTP server and moderation. */
function withRanges(document: Record<string, unknown>, ranges: readonly string[]): Record<string, unknown> {
  if (ranges.length === 0) return document;
  const copy = structuredClone(document);
  if (isPlainObject(copy.tools)) {
    for (const tool of Object.values(copy.tools)) {
      if (!isPlainObject(tool)) continue;
      const web = tool.type === 'function' && tool.handler === 'web_request';
      const http = tool.type === 'mcp' && typeof tool.url === 'string';
      if (web || http) tool.allowed_ranges = [...ranges];
    }
  }
  if (isPlainObject(copy.guardrails)) {
    for (const policy of Object.values(copy.guardrails)) {
      for (const stage of ['input', 'output'] as const) {
        const content = isPlainObject(policy) && isPlainObject(policy[stage]) ? policy[stage].content : undefined;
        if (isPlainObject(content) && isPlainObject(content.moderation))
          content.moderation.allowed_ranges = [...ranges];
      }
    }
  }
  return copy;
}

/**
 * Parses an app document with the file's schema, against an empty environment; a `${VAR}` reference gets an
 * app's message (app configs never read the server's environment), not the file's ("set it or add it to .env").
 */
function parseAppDocument(document: Record<string, unknown>, workspace: string) {
  try {
    return parseConfigText(JSON.stringify({ version: '2', ...document }), {
      baseDir: workspace,
      env: {},
      source: 'config_json',
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(
      err.issues.map((issue) => {
        const variable = /environment variable (\S+) is not set/.exec(issue.message);
        if (!variable) return { ...issue, message: issue.message.replace(/ \(line \d+\)$/, '') };
        return {
          path: issue.path,
          message: `names the environment variable ${variable[1]}, but an app config cannot read the server's environment`,
          hint: 'write the value itself; it is stored encrypted and masked in every answer',
        };
      }),
    );
  }
}

/** An app's limits count within the app: `global` would name the whole server's traffic. */
export function globalScopeIssue(path: string): ConfigIssue {
  return {
    path,
    message: 'scope global counts the whole server; an app limits its own traffic',
    hint: 'use scope app (everyone in this app), user or address',
  };
}

/** Fields whose every value is a credential in an app config, whatever it is called and however short. */
const ALWAYS_SECRET = new Set(['api_key', 'headers', 'env', 'hash_key']);
/** Maps keyed by user-chosen names (`llms.<name>`): a name is never a secret marker. */
const NAME_MAPS = new Set(['llms', 'agents', 'tools', 'guardrails']);

/**
 * A copy of `document` for Admin API answers: every string under a secret field (`api_key`, any `headers` or
 * `env` value, a field whose name marks a secret) becomes `***`, and any other occurrence of a known secret
 * value (a URL password, say) is replaced within its string.
 */
export function maskSecrets(document: unknown, secrets: readonly string[]): unknown {
  return mask(document, secrets, false, false, true);
}

/**
 * `names`: the keys here are user-chosen names (the maps directly under the document root), never secret
 * markers. Only the root's `llms`, `agents`, `tools` and `guardrails` are such maps: a tool called `tools` is a
 * tool, and its `headers` are still masked.
 */
function mask(document: unknown, secrets: readonly string[], hidden: boolean, names: boolean, root: boolean): unknown {
  if (typeof document === 'string') {
    if (hidden) return '***';
    let out = document;
    for (const s of secrets) if (s.length > 0) out = out.replaceAll(s, '***');
    return out;
  }
  if (Array.isArray(document)) return document.map((v) => mask(v, secrets, hidden, false, false));
  if (isPlainObject(document)) {
    return Object.fromEntries(
      Object.entries(document).map(([k, v]) => [
        k,
        mask(
          v,
          secrets,
          hidden || (!names && (ALWAYS_SECRET.has(k) || isSecretKey(k))),
          root && NAME_MAPS.has(k),
          false,
        ),
      ]),
    );
  }
  return document;
}
