/**
 * Atomic replacement of one file inside an opened, checked directory (see dir-fd.ts). SECURITY CONTRACT:
 *
 * - The existing target, if any, must be a regular file (a symbolic link, directory, FIFO, socket or device is
 *   refused, so nothing is ever written THROUGH a link); a read-only file (no owner write bit) is refused.
 * - The content goes to a fresh temporary file in the same directory, created with
 *   `O_CREAT | O_EXCL | O_NOFOLLOW` (it cannot be an existing file or link), flushed, then `rename(2)`d over the
 *   target. `rename` replaces the directory entry itself: if a symbolic link or a hard link to a file outside
 *   were swapped in at the last moment, the LINK is replaced and the file it pointed to is untouched.
 * - Modes: a new file gets 0644 (before umask); a replaced file keeps its permission bits (setuid, setgid and
 *   sticky bits are dropped). Ownership is the server's user.
 * - On any failure the temporary file is removed; the target is either the old or the new content, never a mix.
 */
import { type BigIntStats, constants } from 'node:fs';
import { type FileHandle, lstat, open, rename, unlink } from 'node:fs/promises';
import { newId } from '../../shared/index.ts';
import { quote } from '../text.ts';
import type { OpenedDir } from './dir-fd.ts';
import { at } from './dir-fd.ts';
import type { Refusal } from './jail.ts';
import { type Identities, protectedRefusal } from './protection.ts';
import { errnoCode } from './workspace.ts';

const NEW_FILE_MODE = 0o644;

/** Which file, and which version of it: inodes are reused at once, so the change time is compared too. */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
  ctimeNs: bigint;
}

/** Test seam: runs after the temporary file is written and before the rename. Not reachable from the tools. */
export interface WriteHooks {
  beforeRename?: () => void | Promise<void>;
}

const refuse = (message: string): Refusal => ({ ok: false, message });

/**
 * Checks what is at `name` in `dir` now, without following links: `undefined` if nothing, the stats of a regular
 * writable file, or a refusal.
 */
async function inspectTarget(
  dir: OpenedDir,
  name: string,
  display: string,
  identities: Identities,
): Promise<{ ok: true; existing?: FileIdentity & { mode: number } } | Refusal> {
  let st: BigIntStats;
  try {
    st = await lstat(at(dir.handle.fd, name), { bigint: true });
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { ok: true };
    throw e;
  }
  if (st.isSymbolicLink()) {
    return refuse(
      `${quote(display)} is a symbolic link; the file tools never write through symbolic links, write to the real file inside the workspace`,
    );
  }
  if (st.isDirectory()) return refuse(`${quote(display)} is a directory, not a file`);
  if (!st.isFile())
    return refuse(`${quote(display)} is not a regular file (FIFO, socket or device); it cannot be written`);
  if (identities.has(st)) return protectedRefusal(display);
  const mode = Number(st.mode & 0o777n);
  if ((mode & 0o200) === 0) return refuse(`${quote(display)} is read-only; it cannot be changed`);
  return { ok: true, existing: { mode, dev: st.dev, ino: st.ino, ctimeNs: st.ctimeNs } };
}

/**
 * Writes `content` to `name` in `dir` atomically (see above). With `expect`, the target must still be that very
 * file (device/inode) when it is replaced, else the write is refused as a concurrent change. Returns whether the
 * file was new.
 */
export async function replaceFileAtomically(
  dir: OpenedDir,
  name: string,
  display: string,
  content: Uint8Array,
  options: { identities: Identities; expect?: FileIdentity; hooks?: WriteHooks },
): Promise<{ ok: true; created: boolean } | Refusal> {
  const before = await inspectTarget(dir, name, display, options.identities);
  if (!before.ok) return before;
  const changed = refuse(
    `${quote(display)} was changed by someone else while it was being edited; read it and try again`,
  );
  if (options.expect && !sameFile(before.existing, options.expect)) return changed;

  const tmpName = `.hector-write-${newId()}.tmp`;
  const tmpPath = at(dir.handle.fd, tmpName);
  let tmp: FileHandle | undefined;
  let renamed = false;
  try {
    tmp = await open(
      tmpPath,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NOCTTY,
      NEW_FILE_MODE,
    );
    let written = 0;
    while (written < content.length) {
      const { bytesWritten } = await tmp.write(content, written, content.length - written);
      written += bytesWritten;
    }
    if (before.existing) await tmp.chmod(before.existing.mode);
    await tmp.datasync();
    const ours = await tmp.stat({ bigint: true });

    await options.hooks?.beforeRename?.();
    const now = await inspectTarget(dir, name, display, options.identities);
    if (!now.ok) return now;
    if (options.expect && !sameFile(now.existing, options.expect)) return changed;
    await rename(tmpPath, at(dir.handle.fd, name));
    renamed = true;

    const after = await lstat(at(dir.handle.fd, name), { bigint: true }).catch(() => undefined);
    if (!after || after.dev !== ours.dev || after.ino !== ours.ino) {
      return refuse(`${quote(display)} was replaced by someone else right after it was written; read it to check`);
    }
    return { ok: true, created: before.existing === undefined };
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') {
      return refuse(`${quote(display)} is a directory, not a file`);
    }
    if (code === 'ENOENT')
      return refuse(`the directory of ${quote(display)} was removed while it was being written; try again`);
    if (code === 'ENOSPC' || code === 'EDQUOT')
      return refuse('the workspace is out of space; the file was not written');
    if (code === 'EACCES' || code === 'EPERM') return refuse(`permission denied: ${display}`);
    if (code === 'EROFS') return refuse('the workspace is read-only');
    if (code === 'ENAMETOOLONG') return refuse(`path ${quote(display)} is too long`);
    throw e;
  } finally {
    await tmp?.close().catch(() => undefined);
    if (!renamed && tmp) await unlink(tmpPath).catch(() => undefined);
  }
}

function sameFile(a: FileIdentity | undefined, b: FileIdentity): boolean {
  return a !== undefined && a.dev === b.dev && a.ino === b.ino && a.ctimeNs === b.ctimeNs;
}
