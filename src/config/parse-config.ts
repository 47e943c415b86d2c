import { isAbsolute, resolve } from 'node:path';
import { ConfigError, isPlainObject } from '../shared/index.ts';
import { buildConfig } from './build-config.ts';
import { deepFreeze } from './deep-freeze.ts';
import { pathKey, type RawIssue, renderIssues } from './issue.ts';
import { CONFIG_VERSION, configSchema } from './schema.ts';
import { collectSecrets } from './secrets.ts';
import { checkAgents } from './sections/agents.ts';
import { checkGuardrailRefs } from './sections/guardrails.ts';
import { checkLlms } from './sections/llms.ts';
import { checkTools } from './sections/tools.ts';
import { envLookup } from './substitute.ts';
import type { Config } from './types.ts';
import { readYaml } from './yaml-tree.ts';
import { convertZodIssues, errorMap } from './zod-issues.ts';

/** Largest accepted config document. */
export const MAX_CONFIG_BYTES = 1_048_576;

export interface ParsedConfig {
  /** Validated, defaults applied, deep-frozen. */
  readonly config: Config;
  /** Directory relative paths were resolved against (absolute). */
  readonly baseDir: string;
  /** Values that must never be logged (see secrets.ts), longest first. */
  readonly secrets: readonly string[];
}

export interface ParseConfigOptions {
  /** Absolute directory that relative paths (tool workspaces, sqlite files) resolve against. */
  baseDir: string;
  /** The COMPLETE environment for `${VAR}` (no `.env` is read here; see loadEnvironment). Only own keys count. */
  env: Readonly<Record<string, string | undefined>>;
  /** File name shown in error messages. */
  source?: string;
}

function versionIssue(root: Record<string, unknown>): { issue?: RawIssue; fatal: boolean } {
  const v = root.version;
  const path = ['version'];
  if (v === CONFIG_VERSION) return { fatal: false };
  if (v === undefined) {
    return { issue: { path, message: 'required', hint: 'add version: "2" as the first line' }, fatal: false };
  }
  if (typeof v === 'number') {
    return {
      issue: { path, message: `must be the string "2", not the number ${v}`, hint: 'quote it: version: "2"' },
      fatal: false,
    };
  }
  if (typeof v === 'string') {
    // A different format version: the rest of the document would only produce noise.
    return {
      issue: {
        path,
        message: `unsupported config version ${JSON.stringify(v.slice(0, 20))}`,
        hint: 'this Hector reads version: "2"',
      },
      fatal: true,
    };
  }
  return { issue: { path, message: 'must be the string "2"', hint: 'write version: "2"' }, fatal: false };
}

function underFailed(path: readonly (string | number)[], failed: ReadonlySet<string>): boolean {
  for (let n = path.length; n >= 0; n--) if (failed.has(pathKey(path.slice(0, n)))) return true;
  return false;
}

/**
 * Parses and validates a config document (YAML text) against `env`, without touching the filesystem (the file
 * tools create their workspaces later, at construction).
 *
 * Reports EVERY problem of the document in one ConfigError (paths are dotted YAML paths, messages end with
 * `(line N)` where known): YAML syntax, `${VAR}` errors, unknown keys (with did-you-mean), types and ranges,
 * unknown references between sections, missing API keys. Exception: a `version` other than "2" (a string) is
 * reported alone. A numeric `version: 2` is an error (quote it), never accepted. Messages never contain a
 * secret (every collected secret is replaced by `***`).
 */
export function parseConfigText(text: string, options: ParseConfigOptions): ParsedConfig {
  if (typeof options.baseDir !== 'string' || !isAbsolute(options.baseDir)) {
    throw new TypeError('parseConfigText: options.baseDir must be an absolute path');
  }
  const baseDir = resolve(options.baseDir);
  const source = options.source === undefined ? undefined : { source: options.source };
  if (Buffer.byteLength(text, 'utf8') > MAX_CONFIG_BYTES) {
    throw new ConfigError([{ path: '', message: `the config is larger than ${MAX_CONFIG_BYTES} bytes` }], source);
  }
  const tree = readYaml(text, envLookup(options.env));
  const root = tree.value;
  const secrets = collectSecrets(root, tree.envValues);
  const fail: (issues: readonly RawIssue[]) => never = (issues) => {
    throw new ConfigError(renderIssues(issues, tree.lineOf, secrets), source);
  };
  if (!tree.parsed) fail(tree.issues);
  if (root === undefined || root === null) {
    fail([{ path: [], message: 'the config is empty', hint: 'start with version: "2" and define llms and agents' }]);
  }
  if (!isPlainObject(root)) {
    fail([
      ...tree.issues,
      { path: [], message: 'the config must be a mapping (key: value pairs)', hint: 'start with version: "2"' },
    ]);
  }

  const version = versionIssue(root);
  if (version.fatal) fail([version.issue!]);
  const issues: RawIssue[] = [...tree.issues];
  if (version.issue) issues.push(version.issue);

  const result = configSchema.safeParse(root, { reportInput: true, error: errorMap });
  if (!result.success) {
    issues.push(...convertZodIssues(result.error.issues, configSchema, root).filter((i) => i.path[0] !== 'version'));
  }
  checkLlms(root.llms, issues);
  checkAgents(root, issues);
  checkGuardrailRefs(root, issues);
  checkTools(root.tools, baseDir, issues);

  const relevant = issues.filter((i) => i.fromReader || !underFailed(i.path, tree.failed));
  if (relevant.length > 0) fail(relevant);
  if (!result.success) fail([{ path: [], message: 'invalid configuration' }]); // unreachable: zod issues are kept
  return Object.freeze({ config: deepFreeze(buildConfig(result.data, baseDir)), baseDir, secrets });
}
