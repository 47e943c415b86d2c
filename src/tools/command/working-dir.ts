import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { isInside } from '../paths.ts';
import { hasControlCharacters, quote } from '../text.ts';

export type WorkingDir = { ok: true; cwd: string } | { ok: false; message: string };

/**
 * The directory a command runs in. `input` (from the model, untrusted) must be relative to the working
 * directory root and its REAL path (symlinks resolved) must be the root or inside it, and be a directory.
 * Absolute paths, `..` leading out, symlinks leading out and control characters are refused; refusals quote
 * only the model's own input, never the host path of the root. The real path is what the program runs in, so a
 * symlink swapped in afterwards cannot move it (and inside the sandbox nothing outside the root exists anyway).
 */
export async function resolveWorkingDir(root: string, input: string | undefined): Promise<WorkingDir> {
  if (input === undefined || input === '' || input === '.') return { ok: true, cwd: root };
  const shown = quote(input);
  const refuse = (why: string): WorkingDir => ({ ok: false, message: `working_dir ${shown} ${why}` });
  if (hasControlCharacters(input)) return refuse('contains control characters; use a plain relative path');
  if (isAbsolute(input)) return refuse('is absolute; use a directory relative to the working directory, e.g. "src"');
  const lexical = resolve(root, input);
  if (!isInside(root, lexical)) return refuse('is outside the working directory');
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    return refuse('does not exist');
  }
  if (!isInside(root, real)) return refuse('leads outside the working directory (through a symbolic link)');
  try {
    if (!(await stat(real)).isDirectory()) return refuse('is not a directory');
  } catch {
    return refuse('does not exist');
  }
  return { ok: true, cwd: real };
}
