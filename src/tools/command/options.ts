import { mkdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, normalize, parse } from 'node:path';
import { ConfigError, type ConfigIssue } from '../../shared/index.ts';
import { isInside } from '../paths.ts';
import { hasControlCharacters } from '../text.ts';
import { matchesAny, NEVER_ALLOWED, namesOf } from './deny-lists.ts';
import { DEFAULT_TRUSTED_PATH } from './sandbox.ts';

export interface CommandToolOptions {
  /** The tool name the model sees. */
  name: string;
  /** Replaces the built-in description. */
  description?: string;
  /** Bare program names. With `denyByDefault` only these run; they also admit built-in "refused unless allowed" programs. */
  allowedCommands: readonly string[];
  /** Bare program names that never run. ADDS to the built-in deny lists, never replaces them; always wins. */
  deniedCommands: readonly string[];
  /** true: only `allowedCommands` run. */
  denyByDefault: boolean;
  /** Absolute path; created (mode 0700) if missing. The only writable path inside the sandbox; the model's root. */
  workingDirectory: string;
  /** Wall-clock limit per call in milliseconds; the whole sandbox is killed after it (upstream default 60000). */
  maxExecutionMs: number;
  /** Cap on the captured stdout+stderr in bytes (upstream default 65536); the command is stopped past it. */
  maxOutputBytes: number;
  /** true: the sandbox shares the host network. Default false: no network at all. */
  network: boolean;
  /** 'none' runs programs WITHOUT isolation (unsafe; only when explicitly configured; the caller logs a warning). */
  sandbox: 'bubblewrap' | 'none';
  /**
   * Directories programs are looked up in, in order (default /usr/local/bin, /usr/bin, /bin). Entries outside
   * /usr, /bin, /sbin and /lib* are mounted read-only into the sandbox, so list only directories of programs.
   */
  trustedPath?: readonly string[];
  /** Path of the bubblewrap binary (default /usr/bin/bwrap). */
  bwrapPath?: string;
}

export interface NormalizedOptions {
  readonly name: string;
  readonly description: string | undefined;
  readonly allowed: ReadonlySet<string>;
  readonly denied: ReadonlySet<string>;
  readonly denyByDefault: boolean;
  /** Real path of the working directory. */
  readonly root: string;
  readonly maxExecutionMs: number;
  readonly maxOutputBytes: number;
  readonly network: boolean;
  readonly sandbox: 'bubblewrap' | 'none';
  readonly trustedPath: readonly string[];
  readonly bwrapPath: string | undefined;
}

export const MAX_EXECUTION_MS_LIMIT = 24 * 60 * 60 * 1000;
export const MAX_OUTPUT_BYTES_LIMIT = 64 * 1024 * 1024;
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Trusted PATH entries outside /usr are mounted read-only into the sandbox; these never are. */
export const UNMOUNTABLE: readonly string[] = [
  '/',
  '/etc',
  '/proc',
  '/dev',
  '/sys',
  '/tmp',
  '/root',
  '/home',
  '/var',
  '/run',
  '/srv',
  '/mnt',
  '/media',
];
/** Directories the working directory may not be in: they are mounted by the sandbox itself. */
const SYSTEM_PREFIXES = [
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/etc',
  '/proc',
  '/dev',
  '/sys',
];

/** Validates the options; every problem is reported at once in a ConfigError. */
export function normalizeOptions(options: CommandToolOptions): NormalizedOptions {
  const issues: ConfigIssue[] = [];
  const rawName: unknown = options?.name;
  const name = typeof rawName === 'string' ? rawName : '';
  const at = (key: string) => `tools.${name || '?'}.${key}`;
  const issue = (key: string, message: string, hint?: string) =>
    issues.push({ path: at(key), message, ...(hint ? { hint } : {}) });

  if (!TOOL_NAME.test(name)) issue('name', `tool name ${JSON.stringify(rawName)} must be 1-64 of A-Z a-z 0-9 _ -`);
  if (options.description !== undefined && typeof options.description !== 'string') {
    issue('description', 'must be a string');
  }

  const programList = (key: string, value: unknown): string[] => {
    if (!Array.isArray(value)) {
      issue(key, 'must be a list of program names');
      return [];
    }
    const out: string[] = [];
    for (const v of value) {
      if (typeof v !== 'string' || v === '' || v.length > 255 || hasControlCharacters(v) || /[\s/]/.test(v)) {
        issue(key, `${JSON.stringify(v)} is not a bare program name`, 'use names like "ls" or "git", not paths');
        continue;
      }
      out.push(v);
    }
    return out;
  };
  const allowedList = programList('allowed_commands', options.allowedCommands);
  const deniedList = programList('denied_commands', options.deniedCommands);
  for (const a of allowedList) {
    if (matchesAny(NEVER_ALLOWED, namesOf(a))) {
      issue(
        'allowed_commands',
        `"${a}" can never be allowed: shells, busybox, loaders and privilege/namespace tools would bypass the command policy`,
        'remove it; run scripts through an explicitly allowed interpreter instead',
      );
    }
  }
  if (typeof options.denyByDefault !== 'boolean') issue('deny_by_default', 'must be true or false');
  if (options.denyByDefault === true && allowedList.length === 0) {
    issue('allowed_commands', 'deny_by_default is true but allowed_commands is empty: nothing could run');
  }

  const intIn = (key: string, value: unknown, min: number, max: number): number => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      issue(key, `must be an integer from ${min} to ${max}, got ${String(value)}`);
      return min;
    }
    return value;
  };
  const maxExecutionMs = intIn('max_execution_time', options.maxExecutionMs, 1, MAX_EXECUTION_MS_LIMIT);
  const maxOutputBytes = intIn('max_output_bytes', options.maxOutputBytes, 1, MAX_OUTPUT_BYTES_LIMIT);
  if (typeof options.network !== 'boolean') issue('network', 'must be true or false');
  if (options.sandbox !== 'bubblewrap' && options.sandbox !== 'none') {
    issue('sandbox', `must be "bubblewrap" or "none", got ${JSON.stringify(options.sandbox)}`);
  }
  if (options.bwrapPath !== undefined && (typeof options.bwrapPath !== 'string' || !isAbsolute(options.bwrapPath))) {
    issue('bwrap_path', 'must be an absolute path');
  }

  const trustedPath: string[] = [];
  const rawTrusted: unknown = options.trustedPath ?? DEFAULT_TRUSTED_PATH;
  if (!Array.isArray(rawTrusted) || rawTrusted.length === 0) {
    issue('trusted_path', 'must be a non-empty list of absolute directories');
  } else {
    for (const d of rawTrusted) {
      if (typeof d !== 'string' || !isAbsolute(d) || hasControlCharacters(d) || d.includes(':')) {
        issue('trusted_path', `${JSON.stringify(d)} must be an absolute directory without ":" or control characters`);
        continue;
      }
      trustedPath.push(normalize(d).replace(/(.)\/+$/, '$1'));
    }
  }

  const root = openWorkingDirectory(options.workingDirectory, (m, h) => issue('working_directory', m, h));
  if (root !== undefined) {
    for (const d of trustedPath) {
      let real = d;
      try {
        real = realpathSync(d);
      } catch {
        // a missing directory is skipped at lookup time
      }
      if (isInside(root, real) || isInside(root, d)) {
        issue('trusted_path', `"${d}" is inside the working directory`, 'the model could install programs there');
      } else if (isInside(d, root) || isInside(real, root)) {
        issue('trusted_path', `"${d}" contains the working directory`, 'list only directories that hold programs');
      }
      if (UNMOUNTABLE.some((u) => d === u || real === u)) {
        issue(
          'trusted_path',
          `"${d}" cannot be a trusted directory: it would be mounted into the sandbox`,
          'list only directories that hold programs, such as /usr/local/bin',
        );
      }
    }
  }

  if (issues.length > 0 || root === undefined) throw new ConfigError(issues);
  return {
    name,
    description: options.description,
    allowed: new Set(allowedList),
    denied: namesOf(...deniedList),
    denyByDefault: options.denyByDefault,
    root,
    maxExecutionMs,
    maxOutputBytes,
    network: options.network,
    sandbox: options.sandbox,
    trustedPath,
    bwrapPath: options.bwrapPath,
  };
}

/** Creates (0700) the working directory if missing and returns its real path; refuses system locations. */
export function openWorkingDirectory(dir: unknown, fail: (message: string, hint?: string) => void): string | undefined {
  if (typeof dir !== 'string' || dir === '' || hasControlCharacters(dir)) {
    fail('must be a non-empty path without control characters');
    return undefined;
  }
  if (!isAbsolute(dir)) {
    fail(`"${dir}" is relative`, "resolve it to an absolute path (e.g. against the config file's directory)");
    return undefined;
  }
  const inSystemDir = (p: string) => SYSTEM_PREFIXES.some((s) => isInside(s, p));
  const lexical = normalize(dir);
  if (lexical === parse(lexical).root || lexical === '/tmp' || lexical === '/tmp/') {
    fail(`"${dir}" must be a dedicated directory, not ${lexical}`);
    return undefined;
  }
  if (inSystemDir(lexical)) {
    fail(`"${dir}" is inside a system directory`, 'use a dedicated directory such as ./workspace');
    return undefined;
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const root = realpathSync(dir);
    if (!statSync(root).isDirectory()) {
      fail(`"${dir}" is not a directory`);
      return undefined;
    }
    if (root === parse(root).root || root === '/tmp') {
      fail(`"${dir}" must be a dedicated directory, not ${root}`);
      return undefined;
    }
    if (inSystemDir(root)) {
      fail(`"${dir}" is inside a system directory (${root})`, 'use a dedicated directory such as ./workspace');
      return undefined;
    }
    return root;
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : 'error';
    fail(`"${dir}" cannot be created or opened (${code})`);
    return undefined;
  }
}
