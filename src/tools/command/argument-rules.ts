/**
 * Argument rules for programs that are allowed but can run other programs, write arbitrary files or change
 * their own configuration through options. They apply to every call of the program, whether it is allowed by
 * default or listed in `allowed_commands`, and cannot be switched off. Refused (argument as the program parses
 * it; long options also in every abbreviation GNU getopt and git accept, e.g. `--to-c` for `--to-command`):
 *
 * - find: -exec -execdir -ok -okdir -delete -fprint -fprint0 -fprintf -fls
 * - fd / fdfind: -x -X (also inside short clusters) --exec --exec-batch
 * - git: every global option before the subcommand except --no-pager -P --version -v --help -h
 *   --no-replace-objects --literal-pathspecs --glob-pathspecs --noglob-pathspecs --icase-pathspecs
 *   --no-optional-locks (so -c, -C, --config-env, --exec-path, --git-dir, --work-tree, --namespace are refused);
 *   the subcommands config, filter-branch, bisect, submodule, difftool, mergetool, daemon, instaweb, send-email,
 *   credential*, web--browse, help, maintenance, hook, shell, upload-pack, receive-pack, upload-archive,
 *   remote-ext, remote-fd, fsmonitor--daemon, archimport, cvsimport, cvsserver, cvsexportcommit, svn, p4;
 *   the options --upload-pack --receive-pack --exec --exec-path --ext-diff --extcmd --output
 *   --open-files-in-pager --config --config-env --template; -u on clone and ls-remote (upload-pack); -x on
 *   rebase (exec); -O on grep (pager command); remote-helper URLs such as `ext::...` and `fd::...`.
 * - sed: always run with `--sandbox` inserted as the first argument (GNU sed then rejects the e, r, R, w, W
 *   commands and the s///e and s///w flags), so a sed script cannot run programs or touch other files.
 * - tar: --to-command --use-compress-program --checkpoint-action --info-script --new-volume-script
 *   --rsh-command --rmt-command, and the short options I and F (also in old-style `tar xIf` clusters).
 * - zip: --unzip-command and the short option T (-T/-TT run an unzip command).
 * - rsync (refused by default; these apply when allowed): -e (also in clusters) --rsh --rsync-path.
 * - sort: --compress-program. split: --filter. rg: --pre.
 *
 * NOT covered: configuration files the program reads from the working directory (a `.git/config` written by
 * an earlier command can define aliases, hooks, pagers or filters). Those run inside the sandbox like any
 * other program; the sandbox, not this list, is the boundary.
 */

export type ArgumentCheck = { ok: true; argv: readonly string[] } | { ok: false; reason: string };

/** `--name` or `--name=value` → `name`; anything else → undefined. */
function longName(arg: string): string | undefined {
  if (!arg.startsWith('--') || arg === '--') return undefined;
  const eq = arg.indexOf('=');
  return eq === -1 ? arg.slice(2) : arg.slice(2, eq);
}

/** True when `arg` is one of `options` (long names without dashes) or an abbreviation of one. */
function isLongOption(arg: string, options: readonly string[]): string | undefined {
  const name = longName(arg);
  if (name === undefined || name === '') return undefined;
  return options.find((o) => o === name || o.startsWith(name));
}

/** True when `arg` is a short-option cluster (`-xvf`) containing one of `letters`. */
function shortCluster(arg: string, letters: string): boolean {
  if (!arg.startsWith('-') || arg.startsWith('--') || arg.length < 2) return false;
  for (const l of letters) if (arg.includes(l, 1)) return true;
  return false;
}

const refuse = (program: string, arg: string, why: string): ArgumentCheck => ({
  ok: false,
  reason: `${program} ${JSON.stringify(arg)} is not allowed: ${why}`,
});

function simpleRule(program: string, long: readonly string[], short: string, why: string) {
  return (argv: readonly string[]): ArgumentCheck => {
    for (const arg of argv.slice(1)) {
      if (isLongOption(arg, long) || (short !== '' && shortCluster(arg, short))) return refuse(program, arg, why);
    }
    return { ok: true, argv };
  };
}

const FIND_ACTIONS = new Set([
  '-exec',
  '-execdir',
  '-ok',
  '-okdir',
  '-delete',
  '-fprint',
  '-fprint0',
  '-fprintf',
  '-fls',
]);

function findRule(argv: readonly string[]): ArgumentCheck {
  for (const arg of argv.slice(1)) {
    if (FIND_ACTIONS.has(arg)) return refuse('find', arg, 'it runs programs, deletes files or writes files');
  }
  return { ok: true, argv };
}

const GIT_SAFE_GLOBAL = new Set([
  '--no-pager',
  '-P',
  '--version',
  '-v',
  '--help',
  '-h',
  '--no-replace-objects',
  '--literal-pathspecs',
  '--glob-pathspecs',
  '--noglob-pathspecs',
  '--icase-pathspecs',
  '--no-optional-locks',
]);
const GIT_DENIED_SUBCOMMANDS = new Set([
  'config',
  'filter-branch',
  'bisect',
  'submodule',
  'difftool',
  'mergetool',
  'daemon',
  'instaweb',
  'send-email',
  'credential',
  'credential-store',
  'credential-cache',
  'credential-cache--daemon',
  'web--browse',
  'help',
  'maintenance',
  'hook',
  'shell',
  'upload-pack',
  'receive-pack',
  'upload-archive',
  'remote-ext',
  'remote-fd',
  'fsmonitor--daemon',
  'archimport',
  'cvsimport',
  'cvsserver',
  'cvsexportcommit',
  'svn',
  'p4',
]);
const GIT_DENIED_LONG = [
  'upload-pack',
  'receive-pack',
  'exec',
  'exec-path',
  'ext-diff',
  'extcmd',
  'output',
  'open-files-in-pager',
  'config',
  'config-env',
  'template',
];
const REMOTE_HELPER_URL = /^[A-Za-z][A-Za-z0-9+.-]*::/;

function gitRule(argv: readonly string[]): ArgumentCheck {
  let i = 1;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-')) break;
    if (!GIT_SAFE_GLOBAL.has(arg)) {
      return refuse('git', arg, 'git options before the subcommand can change configuration, paths or programs run');
    }
  }
  const sub = argv[i];
  if (sub === undefined) return { ok: true, argv };
  if (GIT_DENIED_SUBCOMMANDS.has(sub)) {
    return refuse('git', sub, 'this subcommand changes configuration, runs programs or talks to other hosts');
  }
  for (const arg of argv.slice(i + 1)) {
    if (isLongOption(arg, GIT_DENIED_LONG)) return refuse('git', arg, 'this option runs programs or writes files');
    if (REMOTE_HELPER_URL.test(arg)) return refuse('git', arg, 'remote helper URLs (ext::, fd::) run programs');
    if ((sub === 'clone' || sub === 'ls-remote') && shortCluster(arg, 'u')) {
      return refuse('git', arg, '-u sets the upload-pack program');
    }
    if (sub === 'rebase' && shortCluster(arg, 'x')) return refuse('git', arg, '-x runs a command after each commit');
    if (sub === 'grep' && shortCluster(arg, 'O')) return refuse('git', arg, '-O runs a pager command');
  }
  return { ok: true, argv };
}

const TAR_DENIED_LONG = [
  'to-command',
  'use-compress-program',
  'checkpoint-action',
  'info-script',
  'new-volume-script',
  'rsh-command',
  'rmt-command',
];

function tarRule(argv: readonly string[]): ArgumentCheck {
  const why = 'it runs a program';
  const first = argv[1];
  if (first !== undefined && !first.startsWith('-') && /[IF]/.test(first)) return refuse('tar', first, why);
  for (const arg of argv.slice(1)) {
    if (isLongOption(arg, TAR_DENIED_LONG) || shortCluster(arg, 'IF')) return refuse('tar', arg, why);
  }
  return { ok: true, argv };
}

function sedRule(argv: readonly string[]): ArgumentCheck {
  return { ok: true, argv: [argv[0] as string, '--sandbox', ...argv.slice(1)] };
}

const RULES: ReadonlyMap<string, (argv: readonly string[]) => ArgumentCheck> = new Map(
  Object.entries({
    find: findRule,
    fd: simpleRule('fd', ['exec', 'exec-batch'], 'xX', 'it runs a command for each result'),
    fdfind: simpleRule('fdfind', ['exec', 'exec-batch'], 'xX', 'it runs a command for each result'),
    git: gitRule,
    sed: sedRule,
    tar: tarRule,
    zip: simpleRule('zip', ['unzip-command'], 'T', 'it runs an unzip command'),
    rsync: simpleRule('rsync', ['rsh', 'rsync-path'], 'e', 'it sets the remote shell or program'),
    sort: simpleRule('sort', ['compress-program'], '', 'it runs a compression program'),
    split: simpleRule('split', ['filter'], '', 'it runs a shell command for each piece'),
    rg: simpleRule('rg', ['pre'], '', 'it runs a preprocessor program on every file'),
  }),
);

/**
 * Applies the rules for every name the program is known by (typed name and real-path basename, version
 * stripped). Returns the argv to run (sed gains `--sandbox`) or a refusal.
 */
export function checkArguments(names: Iterable<string>, argv: readonly string[]): ArgumentCheck {
  let current = argv;
  const applied = new Set<string>();
  for (const name of names) {
    const rule = RULES.get(name);
    if (!rule || applied.has(name)) continue;
    applied.add(name);
    const result = rule(current);
    if (!result.ok) return result;
    current = result.argv;
  }
  return { ok: true, argv: current };
}
