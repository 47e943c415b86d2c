/**
 * The OS sandbox every command runs in (bubblewrap). SECURITY CONTRACT of `sandboxArgs`, per program:
 *
 * - New user, PID, IPC, UTS, cgroup and mount namespaces (`--unshare-all --unshare-user`); the network
 *   namespace is new too (no interfaces but a down loopback) unless `network: true` (`--share-net`).
 *   Inside, the program runs as uid/gid 1000 ("sandbox") with every capability dropped, in a new session
 *   (`--new-session`: no TIOCSTI into the server's terminal), killed when the server dies (`--die-with-parent`).
 * - Filesystem: an empty root (read-only after setup) with only
 *   - /usr (and /bin, /sbin, /lib* as the host has them: symlinks into /usr, or read-only binds), read-only;
 *   - trusted PATH directories outside /usr, read-only;
 *   - a synthetic /etc: passwd/group with the sandbox user only, hosts with localhost, nsswitch.conf, plus the
 *     host's ld.so.cache, alternatives and localtime (with `network: true` also resolv.conf, gai.conf, ssl and
 *     ca-certificates). The host's /etc/passwd, shadow, gitconfig, etc. are NOT visible;
 *   - /proc of the new PID namespace, a minimal /dev, an empty tmpfs /tmp;
 *   - the working directory, read-write, at its real host path: the ONLY writable host path;
 *   - for MCP servers only, the configured `read_only_paths`, read-only at their real host paths.
 *   No /root, /home, /var, /run, /srv, /opt, /work or server state directories exist inside.
 * - Environment: cleared, then PATH (the trusted PATH), HOME=/tmp, LANG=C.UTF-8, TMPDIR=/tmp. No variables of
 *   the server (API keys, LD_*, GIT_*) reach the program.
 * - Resource limits (`prlimitArgs`, applied before bwrap starts, inherited by everything inside): processes
 *   (RLIMIT_NPROC, not enforced by the kernel when the server runs as root), open files, file size, data
 *   segment, CPU seconds, no core dumps. Wall time is enforced by the runner (kills the whole sandbox).
 */
import { spawn } from 'node:child_process';
import { lstatSync, readlinkSync } from 'node:fs';
import { isAbsolute } from 'node:path';

export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
export const DEFAULT_TRUSTED_PATH: readonly string[] = Object.freeze(['/usr/local/bin', '/usr/bin', '/bin']);
export const DEFAULT_BWRAP_PATH = '/usr/bin/bwrap';
export const DEFAULT_PRLIMIT_PATH = '/usr/bin/prlimit';
export const INSTALL_HINT = 'install bubblewrap: apt-get install bubblewrap';

/** Resource limits per sandboxed command. */
export const LIMITS = Object.freeze({
  processes: 1024,
  openFiles: 1024,
  fileSizeBytes: 1024 * 1024 * 1024,
  dataBytes: 4 * 1024 * 1024 * 1024,
});

/** Host system directories reproduced read-only inside the sandbox. */
export const SYSTEM_DIRS: readonly string[] = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const HOST_ETC_ALWAYS = ['/etc/ld.so.cache', '/etc/alternatives', '/etc/localtime'];
const HOST_ETC_NETWORK = ['/etc/resolv.conf', '/etc/gai.conf', '/etc/ssl', '/etc/ca-certificates'];

const SYNTHETIC_ETC: ReadonlyArray<readonly [string, string]> = [
  [
    '/etc/passwd',
    `sandbox:x:${SANDBOX_UID}:${SANDBOX_GID}:sandbox:/tmp:/usr/sbin/nologin\nnobody:x:65534:65534:unmapped:/nonexistent:/usr/sbin/nologin\n`,
  ],
  ['/etc/group', `sandbox:x:${SANDBOX_GID}:\nnogroup:x:65534:\n`],
  ['/etc/hosts', '127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n'],
  ['/etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n'],
];

/** The data for the synthetic /etc files, in the order of the `--ro-bind-data` file descriptors (3, 4, ...). */
export const SYNTHETIC_ETC_DATA: readonly Buffer[] = SYNTHETIC_ETC.map(([, content]) => Buffer.from(content, 'utf8'));

/** bwrap arguments that reproduce the host's /usr, /bin, /lib... layout read-only. Computed once. */
function systemDirArgs(): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else if (st.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  return args;
}

let systemArgsCache: string[] | undefined;

export interface SandboxLayout {
  /** Real path of the working directory: bound read-write (`null`: none, for the availability check). */
  readonly root: string | null;
  readonly trustedPath: readonly string[];
  readonly network: boolean;
  /** Real paths bound read-only at the same path (MCP servers: the program and its packages). */
  readonly readOnly?: readonly string[];
}

/** Everything between `bwrap` and `--`, for a program running in `cwd` (a real path inside `layout.root`). */
export function sandboxArgs(layout: SandboxLayout, cwd: string): string[] {
  systemArgsCache ??= systemDirArgs();
  const args = [
    '--unshare-all',
    '--unshare-user',
    ...(layout.network ? ['--share-net'] : []),
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_GID),
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--hostname',
    'sandbox',
    '--clearenv',
    '--setenv',
    'PATH',
    layout.trustedPath.join(':'),
    '--setenv',
    'HOME',
    '/tmp',
    '--setenv',
    'TMPDIR',
    '/tmp',
    '--setenv',
    'LANG',
    'C.UTF-8',
    ...systemArgsCache,
  ];
  for (const dir of layout.trustedPath) {
    if (!SYSTEM_DIRS.some((s) => dir === s || dir.startsWith(`${s}/`))) args.push('--ro-bind-try', dir, dir);
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--dir', '/etc');
  SYNTHETIC_ETC.forEach(([path], i) => {
    args.push('--perms', '0644', '--ro-bind-data', String(3 + i), path);
  });
  for (const path of [...HOST_ETC_ALWAYS, ...(layout.network ? HOST_ETC_NETWORK : [])]) {
    args.push('--ro-bind-try', path, path);
  }
  // Parents before children, so a read-only directory inside the writable root (or the reverse) stays as asked.
  const binds = [
    ...(layout.readOnly ?? []).map((path) => ({ path, flag: '--ro-bind' })),
    ...(layout.root === null ? [] : [{ path: layout.root, flag: '--bind' }]),
  ].sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  for (const b of binds) args.push(b.flag, b.path, b.path);
  args.push('--remount-ro', '/', '--chdir', cwd);
  return args;
}

/** prlimit arguments (everything before `--`) for a command allowed to run `maxExecutionMs`. */
export function prlimitArgs(maxExecutionMs: number): string[] {
  const cpuSeconds = Math.ceil(maxExecutionMs / 1000) + 1;
  return [
    `--nproc=${LIMITS.processes}`,
    `--nofile=${LIMITS.openFiles}`,
    `--fsize=${LIMITS.fileSizeBytes}`,
    `--data=${LIMITS.dataBytes}`,
    `--cpu=${cpuSeconds}`,
    '--core=0',
  ];
}

export interface SandboxCheckOptions {
  /** Default /usr/bin/bwrap. */
  bwrapPath?: string;
  /** Where `true` is looked up (default /usr/local/bin, /usr/bin, /bin). */
  trustedPath?: readonly string[];
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
}

/**
 * Runs `true` inside a sandbox built like the real ones (network off; no working directory, /tmp instead). `ok: false` carries the reason and how to fix it; use it at
 * startup to fail closed.
 */
export function checkSandboxAvailable(
  options: SandboxCheckOptions = {},
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const bwrapPath = options.bwrapPath ?? DEFAULT_BWRAP_PATH;
  const trustedPath = options.trustedPath ?? DEFAULT_TRUSTED_PATH;
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!isAbsolute(bwrapPath)) {
    return Promise.resolve({ ok: false, reason: `bubblewrap path "${bwrapPath}" is not absolute; ${INSTALL_HINT}` });
  }
  const args = [...sandboxArgs({ root: null, trustedPath, network: false }, '/tmp'), '--', 'true'];
  return new Promise((resolve) => {
    let stderr = '';
    let settled = false;
    const done = (r: { ok: true } | { ok: false; reason: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const child = spawn(bwrapPath, args, {
      shell: false,
      stdio: ['ignore', 'ignore', 'pipe', ...SYNTHETIC_ETC_DATA.map(() => 'pipe' as const)],
      env: { PATH: trustedPath.join(':'), LANG: 'C.UTF-8' },
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done({ ok: false, reason: `bubblewrap did not finish a trivial command within ${timeoutMs} ms` });
    }, timeoutMs);
    writeEtcData(child.stdio);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      if (stderr.length < 2000) stderr += d;
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'ENOENT'
          ? `bubblewrap was not found at ${bwrapPath}`
          : `bubblewrap could not start (${e.code ?? e.message})`;
      done({ ok: false, reason: `${why}; ${INSTALL_HINT}` });
    });
    child.on('close', (code, signal) => {
      if (code === 0) return done({ ok: true });
      const detail = stderr.trim().split('\n').slice(-3).join(' ').slice(0, 500) || `exit ${code ?? signal}`;
      done({
        ok: false,
        reason: `bubblewrap cannot create a sandbox here (${detail}); ${INSTALL_HINT}, and allow user namespaces (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu kernel.apparmor_restrict_unprivileged_userns=0)`,
      });
    });
  });
}

/** Writes the synthetic /etc files into the extra descriptors 3, 4, ... of a freshly spawned bwrap. */
export function writeEtcData(stdio: readonly unknown[]): void {
  SYNTHETIC_ETC_DATA.forEach((data, i) => {
    const stream = stdio[3 + i];
    if (stream && typeof stream === 'object' && 'end' in stream && typeof stream.end === 'function') {
      const writable = stream as NodeJS.WritableStream & { on(event: 'error', cb: () => void): void };
      writable.on('error', () => {});
      writable.end(data);
    }
  });
}
