/**
 * Program policy of the command tool. SECURITY CONTRACT, in this order for every argv:
 *
 * 1. argv[0] must be a bare name: no `/`, not `.`/`..`, not starting with `-`. Paths (`/bin/cat`, `./x`,
 *    `../bin/cat`) are refused, so a program is only ever one the operator installed on the trusted PATH.
 * 2. The user's `denied_commands` are checked against the typed name (before lookup, so the answer does not
 *    depend on what is installed).
 * 3. The name is looked up in the trusted PATH directories in order (the process PATH is never used); the
 *    first regular file with an execute bit wins and its real path (all symlinks resolved) is what is checked
 *    and what runs. A real path inside the working directory is refused.
 * 4. `denied_commands` always wins: typed name and real-path basename, each also version-stripped.
 * 5. NEVER_ALLOWED programs (shells, busybox, loaders, privilege/namespace tools) are refused, always.
 * 6. DENIED_UNLESS_ALLOWED programs (interpreters, program runners, editors, pagers, network clients,
 *    destructive tools) are refused unless the typed name or the real-path basename is in `allowed_commands`
 *    (listing `awk` also admits its real program `mawk`).
 * 7. With `deny_by_default`, only programs whose typed name or real-path basename is in `allowed_commands` run.
 * 8. The argument rules (argument-rules.ts) apply, always.
 *
 * The argv that runs is `[realPath, ...arguments]`: the program sees its real path as argv[0].
 */
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { quote } from '../text.ts';
import { checkArguments } from './argument-rules.ts';
import { DENIED_UNLESS_ALLOWED, matchesAny, NEVER_ALLOWED, namesOf } from './deny-lists.ts';

export interface ProgramPolicy {
  /** Exact names from `allowed_commands`. */
  readonly allowed: ReadonlySet<string>;
  /** The user's `denied_commands`, with version-stripped forms added. */
  readonly denied: ReadonlySet<string>;
  readonly denyByDefault: boolean;
  /** Absolute directories, searched in order. */
  readonly trustedPath: readonly string[];
  /** Real path of the working directory. */
  readonly root: string;
}

export interface ResolvedProgram {
  /** The name the model typed. */
  readonly name: string;
  readonly realPath: string;
  /** What runs: argv[0] is the real path. */
  readonly argv: readonly string[];
}

export type ProgramDecision = { ok: true; program: ResolvedProgram } | { ok: false; reason: string };

const refuse = (reason: string): ProgramDecision => ({ ok: false, reason });

/** The real path of the first executable `name` in `trustedPath`, or undefined. */
export async function lookUp(name: string, trustedPath: readonly string[]): Promise<string | undefined> {
  for (const dir of trustedPath) {
    const candidate = join(dir, name);
    try {
      const st = await stat(candidate);
      if (!st.isFile() || (st.mode & 0o111) === 0) continue;
      await access(candidate, constants.X_OK);
      return await realpath(candidate);
    } catch {
      // not here: try the next directory
    }
  }
  return undefined;
}

/** Steps 4-7 for a set of names; `undefined` when the program may run. */
function listVerdict(policy: ProgramPolicy, shown: string, names: Set<string>, explicitlyAllowed: boolean) {
  if (matchesAny(policy.denied, names)) return `program ${shown} is denied by this tool's denied_commands`;
  if (matchesAny(NEVER_ALLOWED, names)) {
    return `program ${shown} is never allowed: shells, multi-call binaries, loaders and privilege or namespace tools would bypass the command policy`;
  }
  if (matchesAny(DENIED_UNLESS_ALLOWED, names) && !explicitlyAllowed) {
    return `program ${shown} is refused by default: interpreters, program runners, editors, pagers, network clients and destructive tools run only if listed in allowed_commands`;
  }
  if (policy.denyByDefault && !explicitlyAllowed) {
    return `program ${shown} is not in allowed_commands; allowed programs: ${[...policy.allowed].sort().join(', ')}`;
  }
  return undefined;
}

export async function checkProgram(policy: ProgramPolicy, argv: readonly string[]): Promise<ProgramDecision> {
  const name = argv[0];
  if (name === undefined || name === '') return refuse('the program name is empty');
  const shown = quote(name, 80);
  if (name.includes('/') || name === '.' || name === '..') {
    return refuse(
      `program ${shown} is a path; give a bare program name such as "ls" (programs are looked up on a fixed trusted PATH)`,
    );
  }
  if (name.startsWith('-')) return refuse(`program ${shown} starts with "-"; give a bare program name such as "ls"`);
  // The typed name first, so the answer does not depend on what is installed.
  const early = listVerdict(policy, shown, namesOf(name), policy.allowed.has(name));
  if (early) return refuse(early);

  const realPath = await lookUp(name, policy.trustedPath);
  if (realPath === undefined) {
    return refuse(`program ${shown} was not found on the trusted PATH (${policy.trustedPath.join(':')})`);
  }
  if (realPath === policy.root || realPath.startsWith(policy.root + sep)) {
    return refuse(`program ${shown} resolves into the working directory; only installed programs run`);
  }
  const realName = basename(realPath);
  const names = namesOf(name, realName);
  const via = realName === name ? shown : `${shown} (resolves to ${quote(realName, 80)})`;
  const verdict = listVerdict(policy, via, names, policy.allowed.has(name) || policy.allowed.has(realName));
  if (verdict) return refuse(verdict);
  const args = checkArguments(names, [realPath, ...argv.slice(1)]);
  if (!args.ok) return refuse(args.reason);
  return { ok: true, program: { name, realPath, argv: args.argv } };
}
