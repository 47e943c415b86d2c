/**
 * Long-running programs (stdio MCP servers) started in the same OS sandbox as the command tool. SECURITY
 * CONTRACT:
 * - The program is resolved once, at construction: a bare name on the trusted PATH, or an absolute path. Under
 *   bubblewrap its real path must be visible inside the sandbox (a system directory, a trusted PATH directory
 *   or one of `readOnlyPaths`), else ConfigError.
 * - Environment: nothing of the server's. PATH (the trusted PATH), HOME, TMPDIR and LANG, plus exactly the
 *   variables of `env` (the config resolves `${VAR}` secrets before they get here).
 * - `sandbox: 'bubblewrap'`: the layout of sandbox.ts (no network unless `network`, only `workingDirectory`
 *   writable) plus `readOnlyPaths` bound read-only. `workingDirectory` follows the command tool's rules (not
 *   `/`, `/tmp` or a system directory); `readOnlyPaths` may not be `/`, a top-level host location such as
 *   `/root`, `/home` or `/var`, or anything inside /proc, /sys, /dev or /etc; neither may contain or lie inside
 *   a protected path (the server's state directory, the config's .env).
 * - `sandbox: 'none'`: the program runs on the host with the scrubbed environment only; the caller warns.
 * - Every start is a new process group; `kill()` sends SIGKILL to the whole group (bubblewrap then takes the
 *   sandbox down: `--die-with-parent` and its PID namespace).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ConfigError, type ConfigIssue } from '../../shared/index.ts';
import { isInside } from '../paths.ts';
import { openWorkingDirectory, UNMOUNTABLE } from './options.ts';
import { lookUp } from './policy.ts';
import {
  checkSandboxAvailable,
  DEFAULT_BWRAP_PATH,
  DEFAULT_TRUSTED_PATH,
  SYNTHETIC_ETC_DATA,
  SYSTEM_DIRS,
  sandboxArgs,
  writeEtcData,
} from './sandbox.ts';

export interface ServerSpawnOptions {
  /** Config path prefix for errors, e.g. `tools.github`. */
  readonly configPath: string;
  /** A bare program name (looked up on the trusted PATH) or an absolute path. */
  readonly command: string;
  readonly args: readonly string[];
  /** The only variables the program gets besides PATH, HOME, TMPDIR and LANG. */
  readonly env: Readonly<Record<string, string>>;
  /** Absolute; created (0700) if missing. The program's cwd and, sandboxed, the only writable host path. */
  readonly workingDirectory: string;
  readonly sandbox: 'bubblewrap' | 'none';
  readonly network: boolean;
  /** Absolute host paths bound read-only inside the sandbox (the program, its packages). */
  readonly readOnlyPaths: readonly string[];
  /** Paths nothing may expose (the server's state directory, the config's .env). */
  readonly protectedPaths: readonly string[];
  readonly bwrapPath?: string;
  readonly trustedPath?: readonly string[];
}

export interface SpawnedServer {
  readonly pid: number | undefined;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves when the process has exited (or failed to start). */
  readonly exited: Promise<{ code: number | null; signal: string | null; error?: string }>;
  /** SIGKILL to the process group. */
  kill(): void;
}

export interface ServerLauncher {
  /** The resolved program and its arguments, for logs and audit. */
  readonly argv: readonly string[];
  spawn(): SpawnedServer;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** A bare program name, as the config's `command` allows it (looked up on the trusted PATH). */
const PROGRAM_NAME = /^[A-Za-z0-9._+-]{1,64}$/;
/** Host locations no read-only path may be inside: pseudo-filesystems and the host's configuration. */
const NEVER_READABLE = ['/proc', '/sys', '/dev', '/etc'];

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** Validates everything and checks the sandbox once; throws one ConfigError listing every problem. */
export async function prepareServerLauncher(o: ServerSpawnOptions): Promise<ServerLauncher> {
  const issues: ConfigIssue[] = [];
  const issue = (key: string, message: string, hint?: string) =>
    issues.push({ path: `${o.configPath}.${key}`, message, ...(hint ? { hint } : {}) });
  const trustedPath = o.trustedPath ?? DEFAULT_TRUSTED_PATH;
  const protectedReal = o.protectedPaths.map((p) => realOrUndefined(p) ?? p);
  const exposes = (real: string) => protectedReal.some((p) => isInside(real, p) || isInside(p, real));

  const readOnly: string[] = [];
  o.readOnlyPaths.forEach((p, i) => {
    const real = isAbsolute(p) ? realOrUndefined(p) : undefined;
    if (real === undefined) {
      issue(`read_only_paths.${i}`, `${p} does not exist`, 'list existing directories or files');
    } else if (UNMOUNTABLE.includes(real) || NEVER_READABLE.some((d) => isInside(d, real))) {
      issue(
        `read_only_paths.${i}`,
        real === '/' ? `${p} is the filesystem root` : `${p} is a host system location (${real})`,
        'list only the directories the server needs, e.g. its package directory',
      );
    } else if (exposes(real)) {
      issue(
        `read_only_paths.${i}`,
        `${p} overlaps the server's state directory or the config's .env`,
        'list only the directories the server needs, e.g. its package directory',
      );
    } else {
      readOnly.push(real);
    }
  });

  let program: string | undefined;
  if (isAbsolute(o.command)) {
    program = realOrUndefined(o.command);
    if (program === undefined || !statSync(program).isFile()) {
      issue('command', `${o.command} does not exist or is not a file`);
      program = undefined;
    }
  } else if (PROGRAM_NAME.test(o.command)) {
    program = await lookUp(o.command, trustedPath);
    if (program === undefined) {
      issue(
        'command',
        `"${o.command}" was not found on the trusted PATH (${trustedPath.join(':')})`,
        'install it there, or give an absolute path and list its directory in read_only_paths',
      );
    }
  } else {
    issue('command', `"${o.command}" must be a bare program name or an absolute path`);
  }
  const visible = (p: string) =>
    [...SYSTEM_DIRS, ...trustedPath, ...readOnly].some((dir) => isInside(realOrUndefined(dir) ?? dir, p));
  if (program !== undefined && o.sandbox === 'bubblewrap' && !visible(program)) {
    issue(
      'command',
      `${program} is not visible inside the sandbox`,
      'add its directory to read_only_paths, or install it under /usr',
    );
  }

  for (const name of Object.keys(o.env)) {
    if (!ENV_NAME.test(name)) issue(`env.${name}`, 'not a valid environment variable name');
    else if (o.env[name]?.includes('\0')) issue(`env.${name}`, 'the value contains a NUL character');
  }

  // The same rules as the command tool's (not /, /tmp or a system directory; created 0700), plus the protected paths.
  const cwd = openWorkingDirectory(o.workingDirectory, (m, h) => issue('working_directory', m, h));
  if (cwd !== undefined && exposes(cwd)) {
    issue(
      'working_directory',
      `${o.workingDirectory} overlaps the server's state directory or the config's .env`,
      'use a dedicated directory such as ./mcp/<name>',
    );
  }

  const bwrapPath = o.bwrapPath ?? DEFAULT_BWRAP_PATH;
  if (issues.length === 0 && o.sandbox === 'bubblewrap') {
    const check = await checkSandboxAvailable({ bwrapPath, trustedPath });
    if (!check.ok) issue('sandbox', check.reason, 'or set sandbox: none to run the server without isolation (unsafe)');
  }
  if (issues.length > 0 || program === undefined || cwd === undefined) throw new ConfigError(issues);

  const base = { PATH: trustedPath.join(':'), HOME: o.sandbox === 'bubblewrap' ? '/tmp' : cwd, LANG: 'C.UTF-8' };
  const argv = Object.freeze([program, ...o.args]);
  const root = cwd;
  const exe = program;
  return Object.freeze({
    argv,
    spawn(): SpawnedServer {
      if (o.sandbox === 'none') {
        return track(
          spawn(exe, [...o.args], {
            cwd: root,
            env: { ...base, TMPDIR: root, ...o.env },
            stdio: ['pipe', 'pipe', 'pipe'],
            detached: true,
            shell: false,
          }),
        );
      }
      const setenv = Object.entries(o.env).flatMap(([k, v]) => ['--setenv', k, v]);
      const args = [
        ...sandboxArgs({ root, trustedPath, network: o.network, readOnly }, root),
        ...setenv,
        '--',
        exe,
        ...o.args,
      ];
      const child = spawn(bwrapPath, args, {
        cwd: root,
        env: { PATH: base.PATH, LANG: base.LANG },
        stdio: ['pipe', 'pipe', 'pipe', ...SYNTHETIC_ETC_DATA.map(() => 'pipe' as const)],
        detached: true,
        shell: false,
      });
      writeEtcData(child.stdio);
      return track(child);
    },
  });
}

function track(child: ChildProcess): SpawnedServer {
  const exited = new Promise<{ code: number | null; signal: string | null; error?: string }>((resolve) => {
    child.once('error', (e: NodeJS.ErrnoException) =>
      resolve({ code: null, signal: null, error: e.code ?? e.message }),
    );
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  if (!child.stdin || !child.stdout || !child.stderr) throw new Error('spawned server has no stdio pipes');
  return {
    pid: child.pid,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    kill() {
      const pid = child.pid;
      try {
        if (pid !== undefined) process.kill(-pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    },
  };
}
