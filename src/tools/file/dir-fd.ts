/**
 * Descriptor-relative path walking for the writing and searching file tools. SECURITY CONTRACT: every component
 * of a path is opened relative to the descriptor of its parent through `/proc/self/fd/<fd>/<name>` (the Linux
 * "magic link" resolves to the directory the descriptor refers to, not to a path that could be re-resolved),
 * with `O_NOFOLLOW | O_DIRECTORY`, so:
 *
 * - no symbolic link is ever followed, whether it was there before or swapped in at any moment (the open fails);
 * - a directory renamed, or replaced with a symlink, after it was opened cannot redirect later steps: they work
 *   on the descriptor, i.e. the very directory that was checked (this is `openat(2)` without a native binding);
 * - each directory opened is checked: its real path (read back from the descriptor) must be inside the workspace
 *   and not protected, and its device/inode must not be a protected directory's.
 *
 * Requires Linux `/proc` (checked once when a writing tool is built). Messages name only the model's relative path.
 */
import { constants, existsSync } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isInside } from '../paths.ts';
import { quote } from '../text.ts';
import { deny, type Refusal, resolveLexical } from './jail.ts';
import { type Identities, type Protection, protectedRefusal } from './protection.ts';
import { errnoCode } from './workspace.ts';

/** `/proc/self/fd/<fd>` or `/proc/self/fd/<fd>/<name>`: `name` resolved inside the directory `fd` refers to. */
export function at(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

/** True when descriptor-relative walking is available (Linux with /proc mounted). */
export function hasProcFd(): boolean {
  return existsSync('/proc/self/fd');
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

const refuse = (message: string): Refusal => ({ ok: false, message });

export interface OpenedDir {
  ok: true;
  handle: FileHandle;
  /** The directory's real path as the kernel reports it for the descriptor (inside the workspace). */
  real: string;
}

/**
 * Opens the workspace root by descriptor. Refused when the workspace path no longer is the directory the tool was
 * built with (e.g. replaced with a symbolic link).
 */
export async function openRoot(protection: Protection, identities: Identities): Promise<OpenedDir | Refusal> {
  let handle: FileHandle;
  try {
    handle = await open(protection.root, DIR_FLAGS);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EACCES') {
      return refuse('the workspace directory is missing or was replaced; ask the operator to check it');
    }
    throw e;
  }
  return checkOpenedDir(protection, identities, handle, '.');
}

/**
 * Opens `name` inside the directory `parent` without following symbolic links and checks it (see above).
 * `display` is the model-facing relative path of `name`. With `create`, a missing directory is created
 * (mode 0755 before umask) and then opened the same way. Closes nothing: the caller owns both handles.
 */
export async function openChildDir(
  protection: Protection,
  identities: Identities,
  parent: OpenedDir,
  name: string,
  display: string,
  create: boolean,
): Promise<(OpenedDir & { created: boolean }) | Refusal> {
  const byReal = protection.checkReal(join(parent.real, name), display);
  if (byReal) return byReal;
  let created = false;
  let handle: FileHandle | undefined;
  for (let attempt = 0; handle === undefined; attempt++) {
    try {
      handle = await open(at(parent.handle.fd, name), DIR_FLAGS);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' && create && attempt === 0) {
        try {
          await mkdir(at(parent.handle.fd, name), { mode: 0o755 });
          created = true;
        } catch (e2) {
          if (errnoCode(e2) !== 'EEXIST') return mapDirError(e2, parent, name, display);
        }
        continue;
      }
      return mapDirError(e, parent, name, display);
    }
  }
  const checked = await checkOpenedDir(protection, identities, handle, display);
  return checked.ok ? { ...checked, created } : checked;
}

async function checkOpenedDir(
  protection: Protection,
  identities: Identities,
  handle: FileHandle,
  display: string,
): Promise<OpenedDir | Refusal> {
  try {
    const stats = await handle.stat({ bigint: true });
    const real = await readlink(at(handle.fd));
    let refusal: Refusal | undefined;
    if (!stats.isDirectory()) refusal = refuse(`${quote(display)} is not a directory`);
    else if (!isInside(protection.root, real)) {
      refusal = refuse(`${quote(display)} is no longer inside the workspace (it was moved); try again`);
    } else if (identities.has(stats)) refusal = protectedRefusal(display);
    else refusal = protection.checkReal(real, display);
    if (refusal) {
      await handle.close().catch(() => undefined);
      return refusal;
    }
    return { ok: true, handle, real };
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw e;
  }
}

/** Explains why `name` could not be opened as a directory, naming only the relative path. */
async function mapDirError(e: unknown, parent: OpenedDir, name: string, display: string): Promise<Refusal> {
  const code = errnoCode(e);
  if (code === 'ENOTDIR' || code === 'ELOOP') {
    const st = await lstat(at(parent.handle.fd, name)).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      return deny(
        `${quote(display)} is a symbolic link; the file tools do not write or search through symbolic links, use the real directory inside the workspace`,
      );
    }
    return refuse(`${quote(display)} is not a directory`);
  }
  if (code === 'ENOENT') return refuse(`directory not found: ${display}`);
  if (code === 'EACCES' || code === 'EPERM') return refuse(`permission denied: ${display}`);
  if (code === 'ENAMETOOLONG') return refuse(`path ${quote(display)} is too long`);
  if (code === 'ENOSPC' || code === 'EDQUOT') return refuse('the workspace is out of space');
  if (code === 'EROFS') return refuse('the workspace is read-only');
  throw e;
}

export interface ParentOfTarget {
  ok: true;
  /** The target's parent directory, opened and checked; the caller must close it. */
  dir: OpenedDir;
  /** The target's final component. */
  name: string;
  /** The target's path relative to the workspace, for messages. */
  display: string;
  /** Directories created on the way, relative to the workspace. */
  created: string[];
}

/**
 * Resolves a model-supplied file path for writing: the jail's lexical rules (relative, no control characters,
 * no `..` out), the write protections by name (protection.ts), then a descriptor walk from the workspace root to
 * the parent directory (creating missing directories when `create`), refusing any symbolic link on the way.
 * The final component is NOT opened here. A path naming the root or ending in "/" is refused: it is a directory.
 */
export async function openParentForWrite(
  protection: Protection,
  identities: Identities,
  input: string,
  create: boolean,
): Promise<ParentOfTarget | Refusal> {
  const { root } = protection;
  const lex = resolveLexical(root, input);
  if (!lex.ok) return lex;
  const rel = relative(root, lex.lexical);
  const last = input.split('/').pop();
  if (rel === '' || last === '' || last === '.' || last === '..') {
    return refuse(`path ${quote(input)} names a directory; give a file path such as "notes.txt" or "src/app.ts"`);
  }
  const byName = protection.checkRelative(rel, 'write', lex.display);
  if (byName) return byName;

  const parts = rel.split(sep);
  const name = parts.pop() as string;
  const rootDir = await openRoot(protection, identities);
  if (!rootDir.ok) return rootDir;
  let dir: OpenedDir = rootDir;
  const created: string[] = [];
  try {
    for (let i = 0; i < parts.length; i++) {
      const display = parts.slice(0, i + 1).join('/');
      const child = await openChildDir(protection, identities, dir, parts[i] as string, display, create);
      const parent = dir;
      if (!child.ok) {
        await parent.handle.close();
        return child;
      }
      dir = child;
      if (child.created) created.push(display);
      await parent.handle.close();
    }
  } catch (e) {
    await dir.handle.close().catch(() => undefined);
    throw e;
  }
  const byReal = protection.checkReal(join(dir.real, name), lex.display);
  if (byReal) {
    await dir.handle.close();
    return byReal;
  }
  return { ok: true, dir, name, display: lex.display, created };
}
