/**
 * The config of an app created over the Admin API (issue 9 groundwork, not wired yet). It is validated by the
 * same strict schema as the YAML file, and then held to what a tenant may do on a shared host:
 * - no `server:` or `logger:` section (deployment settings belong to the operator's file);
 * - no access to the server's environment: `${VAR}` has nothing to resolve against (a `:-default` still works),
 *   so an app cannot read HECTOR_AUTH_SECRET or a provider key into its own config — its secrets are literal,
 *   stored sealed and masked in every answer;
 * - every tool workspace lies under the app's own directory (`.hector/apps/<id>/`): relative paths resolve there
 *   and a path outside it (`/etc`, `../other-app`) is refused;
 * - command tools and MCP stdio servers only when the admin enabled host tools for the app.
 */
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type Config, parseConfigText } from '../config/index.ts';
import { ConfigError, type ConfigIssue, isPlainObject, safeJsonParse } from '../shared/index.ts';

export interface AppConfigContext {
  readonly appId: string;
  /** Absolute directory holding every app's files (`<state dir>/apps`). */
  readonly appsDir: string;
  /** The admin allowed command tools and MCP stdio servers for this app. */
  readonly hostTools: boolean;
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

const FORBIDDEN_SECTIONS = ['server', 'logger'] as const;

/** `config_json` (a JSON string) or `config` (an object) → a validated app config, or a ConfigError listing every problem. */
export function validateAppConfig(source: unknown, context: AppConfigContext): ValidatedAppConfig {
  let document: unknown = source;
  if (typeof source === 'string') {
    const parsed = safeJsonParse(source);
    if (!parsed.ok) throw new ConfigError([{ path: 'config_json', message: 'is not valid JSON' }]);
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
  if (issues.length > 0) throw new ConfigError(issues);
  const workspace = resolve(join(context.appsDir, context.appId));
  const { config, secrets } = parseConfigText(JSON.stringify({ version: '2', ...document }), {
    baseDir: workspace,
    env: {},
    source: 'config_json',
  });
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

/** An app's limits count within the app: `global` would name the whole server's traffic. */
export function globalScopeIssue(path: string): ConfigIssue {
  return {
    path,
    message: 'scope global counts the whole server; an app limits its own traffic',
    hint: 'use scope app (everyone in this app), user or address',
  };
}

/** A copy of `document` with every secret replaced by `***`, for Admin API answers. */
export function maskSecrets(document: unknown, secrets: readonly string[]): unknown {
  if (typeof document === 'string') {
    let out = document;
    for (const s of secrets) out = out.replaceAll(s, '***');
    return out;
  }
  if (Array.isArray(document)) return document.map((v) => maskSecrets(v, secrets));
  if (isPlainObject(document)) {
    return Object.fromEntries(Object.entries(document).map(([k, v]) => [k, maskSecrets(v, secrets)]));
  }
  return document;
}
