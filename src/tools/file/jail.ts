/**
 * The workspace jail for the file tools. SECURITY CONTRACT: a path from the model (untrusted, possibly fully
 * prompt-injected) can only reach files and directories whose real path (all symlinks resolved) is inside the
 * workspace's real path. Enforced by construction, not by pattern-matching the input:
 *
 * 1. The input must be relative (absolute paths are refused, even ones inside the workspace: the model never
 *    learns the host path) and free of NUL and other control characters. Nothing is decoded (`%2e%2e` is a name).
 * 2. It is resolved lexically against the workspace real path; a result outside (via `..`) is refused.
 * 3. The result is realpath'd; the real path must equal the workspace or start with workspace + "/". This refuses
 *    symlinks (final component, parent directories, chains, `/proc/self/root`-style magic links) leading out.
 * 4. The real path is opened with O_NOFOLLOW (a final component swapped for a symlink fails), O_NONBLOCK (a
 *    FIFO cannot hang the open) and O_NOCTTY; the opened descriptor is fstat'ed (must be a regular file, or a
 *    directory for listings); then the path is realpath'd AGAIN and must still be inside, and the stat of that
 *    real path must have the same device and inode as the descriptor. A parent directory swapped for a symlink
 *    between check and open is caught by this re-check (the descriptor would be a different inode).
 * 5. On Linux the descriptor's own path (`/proc/self/fd/N`, what the kernel actually opened) must be inside the
 *    workspace too. This closes the race that step 4 alone misses: a parent directory flipping between a
 *    directory and a symlink to outside while realpath and stat run can make both report the inside path and
 *    the outside file's inode (found by escape-attacks.test.ts's flipping test).
 * 6. Directory listings read the opened descriptor itself (`/proc/self/fd/N` on Linux), so a swap after the
 *    check cannot redirect the listing. Without /proc the listing reads the re-checked real path and checks
 *    device/inode again afterwards (best effort).
 *
 * NOT covered: hard links. A hard link inside the workspace to a file outside it is indistinguishable from a
 * regular file (same inode, no "outside"). The workspace must not contain hard links created by anyone else;
 * a process that can create them in the workspace must be trusted with their targets.
 *
 * Refusal messages use the model's own (relative) path and never contain the host path of the workspace.
 */
import { type BigIntStats, constants } from 'node:fs';
import { type FileHandle, lstat, open, readlink, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { isInside } from '../paths.ts';
import { hasControlCharacters, quote } from '../text.ts';
import type { ToolResult } from '../types.ts';
import { errnoCode } from './workspace.ts';

/** `denied`: a security refusal (escape attempt, protected path); the audit verdict becomes `denied`. */
export type Refusal = { ok: false; message: string; denied?: true };

/** A security refusal: the call tried to leave the workspace or touch a protected path. */
export const deny = (message: string): Refusal => ({ ok: false, message, denied: true });

/** The tool result for a refusal: the message for the model, and for security refusals the audit's reason. */
export function refusalResult(r: Refusal): ToolResult {
  return { output: r.message, isError: true, ...(r.denied ? { audit: { denied: r.message } } : {}) };
}

/** Test seams to simulate a concurrent attacker between the checks and the open. Not reachable from the tool. */
export interface JailHooks {
  beforeOpen?: () => void | Promise<void>;
  afterOpen?: () => void | Promise<void>;
}

export type Kind = 'file' | 'directory';

export interface Opened {
  ok: true;
  handle: FileHandle;
  stats: BigIntStats;
  /** The path relative to the workspace, for messages (`.` for the workspace itself). */
  display: string;
  /** The re-checked real path (inside the workspace). */
  real: string;
}

const refuse = (message: string): Refusal => ({ ok: false, message });

/** Steps 1 and 2: the input as an absolute, lexically normalised path inside the workspace. */
export function resolveLexical(root: string, input: string): { ok: true; lexical: string; display: string } | Refusal {
  if (hasControlCharacters(input)) {
    return deny(`path ${quote(input)} contains a NUL byte or control characters; use a plain relative path`);
  }
  if (isAbsolute(input)) {
    return deny(`path ${quote(input)} is absolute; use a path relative to the workspace (e.g. "notes.txt" or ".")`);
  }
  const lexical = resolve(root, input);
  if (!isInside(root, lexical)) {
    return deny(`path ${quote(input)} is outside the workspace; use a path relative to the workspace`);
  }
  return { ok: true, lexical, display: relative(root, lexical) || '.' };
}

/** Step 3: the real path, required to be inside the workspace. */
async function realInside(
  root: string,
  lexical: string,
  display: string,
  kind: Kind,
): Promise<{ ok: true; real: string } | Refusal> {
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (e) {
    return fsRefusal(e, display, kind);
  }
  if (!isInside(root, real)) {
    return deny(
      `path ${quote(display)} leads outside the workspace through a symbolic link; only files inside the workspace can be accessed`,
    );
  }
  return { ok: true, real };
}

function kindRefusal(
  stats: { isFile(): boolean; isDirectory(): boolean },
  display: string,
  kind: Kind,
): Refusal | undefined {
  if (kind === 'file') {
    if (stats.isFile()) return undefined;
    if (stats.isDirectory()) return refuse(`${quote(display)} is a directory, not a file; list it to see its entries`);
    return refuse(`${quote(display)} is not a regular file (FIFO, socket or device); only regular files can be read`);
  }
  if (stats.isDirectory()) return undefined;
  if (stats.isFile()) return refuse(`${quote(display)} is a file, not a directory; read it instead`);
  return refuse(`${quote(display)} is not a directory`);
}

/**
 * Resolves `input` inside the workspace and opens it read-only as a `kind` (steps 1-4). The caller owns the
 * returned handle and must close it. Expected failures (outside, missing, wrong type, permissions) come back as
 * a Refusal with a message for the model; unexpected filesystem errors are thrown.
 */
export async function openInside(
  root: string,
  input: string,
  kind: Kind,
  hooks?: JailHooks,
): Promise<Opened | Refusal> {
  const lex = resolveLexical(root, input);
  if (!lex.ok) return lex;
  const { lexical, display } = lex;

  const first = await realInside(root, lexical, display, kind);
  if (!first.ok) return first;
  let before: BigIntStats;
  try {
    before = await lstat(first.real, { bigint: true });
  } catch (e) {
    return fsRefusal(e, display, kind);
  }
  const wrongKind = kindRefusal(before, display, kind);
  if (wrongKind) return wrongKind;

  await hooks?.beforeOpen?.();
  const flags =
    constants.O_RDONLY |
    constants.O_NOFOLLOW |
    constants.O_NONBLOCK |
    constants.O_NOCTTY |
    (kind === 'directory' ? constants.O_DIRECTORY : 0);
  let handle: FileHandle;
  try {
    handle = await open(first.real, flags);
  } catch (e) {
    return fsRefusal(e, display, kind);
  }
  try {
    const stats = await handle.stat({ bigint: true });
    const opened = kindRefusal(stats, display, kind);
    if (opened) return await closeWith(handle, opened);
    await hooks?.afterOpen?.();
    const second = await realInside(root, lexical, display, kind);
    if (!second.ok) return await closeWith(handle, second);
    const now = await stat(second.real, { bigint: true }).catch(() => undefined);
    if (!now || now.dev !== stats.dev || now.ino !== stats.ino) {
      return await closeWith(handle, refuse(`${quote(display)} changed while it was being opened; try again`));
    }
    // Step 5: what the kernel says the descriptor is. The realpath/stat pair above can be fooled when a parent
    // directory flips between a directory and a symlink several times while they run (stat follows the symlink
    // to the very file that was opened outside); the descriptor's own path cannot be.
    const kernelPath = await descriptorPath(handle);
    if (kernelPath !== undefined && !isInside(root, kernelPath)) {
      return await closeWith(
        handle,
        deny(
          `path ${quote(display)} leads outside the workspace through a symbolic link; only files inside the workspace can be accessed`,
        ),
      );
    }
    return { ok: true, handle, stats, display, real: kernelPath ?? second.real };
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw e;
  }
}

const DELETED = ' (deleted)';

/**
 * The path the kernel reports for an open descriptor (`/proc/self/fd/N`), or undefined without /proc. For a file
 * deleted since it was opened the kernel appends " (deleted)"; it is stripped, which keeps the directory part
 * (what the containment check needs) right even for a file whose name really ends that way.
 */
async function descriptorPath(handle: FileHandle): Promise<string | undefined> {
  let p: string;
  try {
    p = await readlink(`/proc/self/fd/${handle.fd}`);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  return p.endsWith(DELETED) ? p.slice(0, -DELETED.length) : p;
}

async function closeWith(handle: FileHandle, refusal: Refusal): Promise<Refusal> {
  await handle.close().catch(() => undefined);
  return refusal;
}

/** Maps an expected filesystem error to a message naming only the relative path; anything else is rethrown. */
export function fsRefusal(e: unknown, display: string, kind: Kind): Refusal {
  const noun = kind === 'file' ? 'file' : 'directory';
  switch (errnoCode(e)) {
    case 'ENOENT':
    case 'ENOTDIR':
      return refuse(`${noun} not found: ${display}`);
    case 'ELOOP':
      return refuse(
        `path ${quote(display)} is or contains a symbolic link that cannot be followed; use the real path inside the workspace`,
      );
    case 'EACCES':
    case 'EPERM':
      return refuse(`permission denied: ${display}`);
    case 'ENAMETOOLONG':
      return refuse(`path ${quote(display)} is too long`);
    case 'EISDIR':
      return refuse(`${quote(display)} is a directory, not a file; list it to see its entries`);
    case 'ENXIO':
    case 'ENODEV':
      return refuse(`${quote(display)} is not a regular file (FIFO, socket or device); only regular files can be read`);
    default:
      throw e;
  }
}
