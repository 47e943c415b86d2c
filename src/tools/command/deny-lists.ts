/**
 * The built-in program lists of the command tool. They are ALWAYS in force; the user's `denied_commands` only
 * adds to them. Names are compared against both the name the model typed and the basename of the resolved real
 * path, each also with a trailing version stripped (`python3.11` → `python`, `lua5.4` → `lua`).
 *
 * - NEVER_ALLOWED: programs that would make the parser and the policy meaningless (shells, multi-call binaries
 *   that contain a shell, dynamic loaders) or that manage privileges, namespaces or the machine. They cannot be
 *   allowed at all: listing one in `allowed_commands` is a configuration error.
 * - DENIED_UNLESS_ALLOWED: interpreters, compilers and program runners (they run code or other programs given
 *   as arguments), editors and pagers (shell escapes), network clients, and destructive or administrative
 *   tools. Refused unless the operator lists the program by name in `allowed_commands`.
 *
 * The sandbox is the boundary; these lists keep the model inside the intent of the configuration.
 */

const SHELLS = ['sh', 'bash', 'rbash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'pdksh', 'csh', 'tcsh', 'fish', 'yash'];
const SHELL_CONTAINERS = ['busybox', 'toybox', 'ld.so', 'ld-linux.so', 'ld-linux-x86-64.so', 'ld-linux-aarch64.so'];
const PRIVILEGE_AND_NAMESPACES = [
  'sudo',
  'su',
  'doas',
  'pkexec',
  'runuser',
  'setpriv',
  'capsh',
  'chroot',
  'unshare',
  'nsenter',
  'newuidmap',
  'newgidmap',
  'bwrap',
  'firejail',
  'proot',
  'fakeroot',
  'newgrp',
  'sg',
  'mount',
  'umount',
  'losetup',
  'shutdown',
  'reboot',
  'halt',
  'poweroff',
  'init',
  'telinit',
  'systemctl',
  'systemd-run',
  'service',
  'insmod',
  'rmmod',
  'modprobe',
];

export const NEVER_ALLOWED: ReadonlySet<string> = new Set([
  ...SHELLS,
  ...SHELL_CONTAINERS,
  ...PRIVILEGE_AND_NAMESPACES,
]);

const PROGRAM_RUNNERS = [
  'env',
  'xargs',
  'timeout',
  'nice',
  'ionice',
  'chrt',
  'taskset',
  'nohup',
  'stdbuf',
  'setsid',
  'setarch',
  'linux32',
  'linux64',
  'prlimit',
  'flock',
  'chronic',
  'unbuffer',
  'faketime',
  'runcon',
  'run-parts',
  'start-stop-daemon',
  'strace',
  'ltrace',
  'gdb',
  'lldb',
  'valgrind',
  'perf',
  'script',
  'expect',
  'watch',
  'parallel',
  'entr',
  'time',
  'command',
  'builtin',
  'exec',
  'eval',
  'source',
  'tmux',
  'screen',
  'ldd',
  'crontab',
  'at',
  'batch',
  'make',
  'gmake',
  'cmake',
  'ninja',
  'patch',
];
const INTERPRETERS = [
  'python',
  'pypy',
  'perl',
  'ruby',
  'irb',
  'php',
  'node',
  'nodejs',
  'deno',
  'bun',
  'npm',
  'npx',
  'yarn',
  'pnpm',
  'pip',
  'gem',
  'bundle',
  'lua',
  'luajit',
  'tclsh',
  'wish',
  'guile',
  'racket',
  'sbcl',
  'clisp',
  'ghc',
  'ghci',
  'runghc',
  'erl',
  'escript',
  'elixir',
  'iex',
  'java',
  'jshell',
  'groovy',
  'scala',
  'kotlin',
  'Rscript',
  'R',
  'julia',
  'octave',
  'pwsh',
  'dotnet',
  'mono',
  'go',
  'cargo',
  'rustc',
  'gcc',
  'g++',
  'cc',
  'c++',
  'clang',
  'clang++',
  'tcc',
  'awk',
  'gawk',
  'mawk',
  'nawk',
  'busybox-awk',
  'm4',
  'dc',
  'sqlite3',
  'psql',
  'mysql',
  'mariadb',
  'gnuplot',
];
/** Test and build runners: they run code from files in the workspace (conftest.py, a Makefile, build.gradle). */
const TEST_AND_BUILD_RUNNERS = [
  'pytest',
  'py',
  'tox',
  'nox',
  'jest',
  'mocha',
  'vitest',
  'rake',
  'gradle',
  'gradlew',
  'mvn',
  'ant',
  'sbt',
  'bazel',
  'scons',
  'meson',
  'composer',
];
const EDITORS_AND_PAGERS = [
  'vi',
  'vim',
  'nvim',
  'view',
  'vimdiff',
  'rvim',
  'ex',
  'ed',
  'red',
  'emacs',
  'nano',
  'pico',
  'joe',
  'mcedit',
  'less',
  'more',
  'most',
  'pg',
  'pager',
  'man',
  'info',
  'mail',
  'mailx',
];
const NETWORK_CLIENTS = [
  'curl',
  'wget',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'ssh',
  'scp',
  'sftp',
  'rsync',
  'telnet',
  'ftp',
  'tftp',
  'openssl',
  'ip',
  'ifconfig',
  'iptables',
  'nft',
];
const DESTRUCTIVE_AND_ADMIN = [
  'rm',
  'rmdir',
  'shred',
  'dd',
  'mkfs',
  'mke2fs',
  'mkswap',
  'fdisk',
  'parted',
  'wipefs',
  'chmod',
  'chown',
  'chgrp',
  'chattr',
  'setfacl',
  'install',
  'ln',
  'link',
  'kill',
  'pkill',
  'killall',
  'skill',
  'dmesg',
  'journalctl',
  'sysctl',
  'passwd',
  'chpasswd',
  'chsh',
  'chfn',
  'gpasswd',
  'fusermount',
  'fusermount3',
  'useradd',
  'userdel',
  'usermod',
  'groupadd',
  'visudo',
  'dpkg',
  'apt',
  'apt-get',
];

export const DENIED_UNLESS_ALLOWED: ReadonlySet<string> = new Set([
  ...PROGRAM_RUNNERS,
  ...INTERPRETERS,
  ...TEST_AND_BUILD_RUNNERS,
  ...EDITORS_AND_PAGERS,
  ...NETWORK_CLIENTS,
  ...DESTRUCTIVE_AND_ADMIN,
]);

/** `python3.11` → `python`, `lua5.4` → `lua`, `g++-12` → `g++`, `ld-linux-x86-64.so.2` → `ld-linux-x86-64.so`. */
export function stripVersion(name: string): string {
  const stripped = name.replace(/(?:[-.]?\d+)+$/, '');
  return stripped === '' ? name : stripped;
}

const TRIPLET = /^[a-z0-9_]+-(?:[a-z0-9_]+-)?linux-gnu[a-z0-9_]*-/;

/**
 * The names a program is known by, for list matching: each given name, its version-stripped form, the part
 * before the first dot (`vim.basic` → `vim`, `nc.openbsd` → `nc`) and without a target triplet
 * (`x86_64-linux-gnu-gcc-12` → `gcc`), each also version-stripped.
 */
export function namesOf(...names: string[]): Set<string> {
  const out = new Set<string>();
  for (const n of names) {
    const dot = n.indexOf('.');
    const bases = [n, dot > 0 ? n.slice(0, dot) : n, n.replace(TRIPLET, '') || n];
    for (const b of bases) {
      out.add(b);
      out.add(stripVersion(b));
    }
  }
  return out;
}

/** The first of `names` that is in `list`, if any (pass names through `namesOf` first). */
export function matchesAny(list: ReadonlySet<string>, names: Iterable<string>): string | undefined {
  for (const n of names) if (list.has(n)) return n;
  return undefined;
}
