/**
 * What the file tools must never touch inside an otherwise reachable workspace. SECURITY CONTRACT:
 *
 * - Secrets: a path with a component named `.env` or `.env.<anything>` (any depth, ASCII case-insensitive) is
 *   never read, listed, searched or written. `.env.example` is included: the rule is by name, not by content.
 * - Git internals: a path with a component named `.git` (any depth, case-insensitive) is never written. This is
 *   broader than `.git/config` and `.git/hooks/`: a writable `.git/` also allows `commondir`, `config.worktree`,
 *   `modules/<m>/config` or a `.git` *file* (`gitdir: …`) that redirects git to a config the model wrote, any of
 *   which runs programs through `core.fsmonitor`, `core.hooksPath`, filters or aliases. Reading `.git/` is allowed.
 * - Protected paths: absolute paths given by the server (its state directory, the config file, the `.env` next to
 *   it, a database file). Nothing at or under them is read, listed, searched or written, whether it is reached
 *   by its name, through a symbolic link inside the workspace (real-path check), or, for a path that exists when
 *   the call starts, through a hard link or bind mount (device/inode check). Files created *inside* a protected
 *   directory and hard-linked into the workspace are not detected (see jail.ts on hard links).
 *
 * NOT covered: a bare repository the model assembles from ordinary files (`HEAD`, `config`, `objects/` in a
 * normal directory) is just files to the file tools; git run by the command tool meets it inside the OS sandbox,
 * which is the boundary there.
 */
import type { BigIntStats } from 'node:fs';
import { realpathSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../../shared/index.ts';
import { isInside } from '../paths.ts';
import { hasControlCharacters, quote } from '../text.ts';
import type { Refusal } from './jail.ts';
import { errnoCode } from './workspace.ts';

export type Access = 'read' | 'write';

/** True for `.env` and `.env.<anything>`, ASCII case-insensitively. */
export function isSecretName(name: string): boolean {
  const n = name.toLowerCase();
  return n === '.env' || n.startsWith('.env.');
}

/** True for `.git`, ASCII case-insensitively. */
export function isGitName(name: string): boolean {
  return name.toLowerCase() === '.git';
}

export interface Protection {
  /** The workspace real path. */
  readonly root: string;
  /**
   * Refusal for a path relative to the workspace (`.` for the root) by its names alone: `.env*` for any access,
   * `.git` for writes, and protected paths by name. `display` is what the model sees in the message.
   */
  checkRelative(rel: string, access: Access, display: string): Refusal | undefined;
  /** Refusal when the absolute real path `real` is at or under a protected path. */
  checkReal(real: string, display: string): Refusal | undefined;
  /** Device/inode identities of the protected paths that exist now (read once per tool call). */
  identities(): Promise<Identities>;
}

export interface Identities {
  has(stats: Pick<BigIntStats, 'dev' | 'ino'>): boolean;
}

export const protectedRefusal = (display: string): Refusal => ({
  ok: false,
  denied: true,
  message: `path ${quote(display)} is protected (server state or secrets); the file tools cannot read or change it`,
});

/**
 * Builds the protection for a workspace. `protectedPaths` must be absolute; each is canonicalised at
 * construction (the real path of its longest existing prefix plus the rest), so a protected path that does not
 * exist yet is still matched once created. A protected path that contains the workspace is a ConfigError: the
 * tool could not access anything.
 */
export function createProtection(toolName: string, root: string, protectedPaths: readonly string[] = []): Protection {
  const fail = (message: string): never => {
    throw new ConfigError([{ path: `tools.${toolName}.protected_paths`, message }]);
  };
  if (!Array.isArray(protectedPaths)) fail('must be a list of absolute paths');
  const canonical: string[] = [];
  for (const p of protectedPaths) {
    if (typeof p !== 'string' || p === '' || hasControlCharacters(p)) fail(`invalid protected path ${quote(p)}`);
    if (!isAbsolute(p)) fail(`protected path ${quote(p)} is relative; give an absolute path`);
    const lexical = resolve(p);
    for (const c of new Set([lexical, canonicalize(lexical)])) {
      if (isInside(c, root)) {
        fail(`protected path ${quote(p)} contains the workspace; the tool could not access anything`);
      }
      canonical.push(c);
    }
  }

  const underProtected = (real: string) => canonical.some((c) => isInside(c, real));

  return Object.freeze({
    root,
    checkRelative(rel: string, access: Access, display: string): Refusal | undefined {
      const parts = rel === '.' || rel === '' ? [] : rel.split(sep);
      if (parts.some(isSecretName)) {
        return {
          ok: false,
          denied: true,
          message: `path ${quote(display)} is a .env file (or inside one); secrets files cannot be ${access === 'read' ? 'read or searched' : 'written'} by the file tools`,
        };
      }
      if (access === 'write' && parts.some(isGitName)) {
        return {
          ok: false,
          denied: true,
          message: `path ${quote(display)} is inside a .git directory; git internals (config, hooks, …) cannot be written by the file tools`,
        };
      }
      if (underProtected(join(root, rel))) return protectedRefusal(display);
      return undefined;
    },
    checkReal(real: string, display: string): Refusal | undefined {
      if (underProtected(real)) return protectedRefusal(display);
      if (isInside(root, real)) {
        const rel = relative(root, real);
        if (rel !== '' && rel.split(sep).some(isSecretName)) {
          return {
            ok: false,
            denied: true,
            message: `path ${quote(display)} leads to a .env file; secrets files cannot be accessed by the file tools`,
          };
        }
      }
      return undefined;
    },
    async identities(): Promise<Identities> {
      const ids = new Set<string>();
      for (const c of canonical) {
        try {
          const st = await stat(c, { bigint: true });
          ids.add(`${st.dev}:${st.ino}`);
        } catch (e) {
          if (errnoCode(e) !== 'ENOENT' && errnoCode(e) !== 'ENOTDIR') throw e;
        }
      }
      return { has: (st) => ids.has(`${st.dev}:${st.ino}`) };
    },
  });
}

/** The real path of the longest existing prefix of `p`, plus the remaining (not yet existing) components. */
function canonicalize(p: string): string {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    try {
      statSync(cur);
      return rest.length === 0 ? realpathSync(cur) : join(realpathSync(cur), ...rest.reverse());
    } catch {
      const parent = dirname(cur);
      if (parent === cur) return p;
      rest.push(basename(cur));
      cur = parent;
    }
  }
}
