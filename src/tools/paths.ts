import { sep } from 'node:path';

/**
 * True when path `p` is `root` or lies below it. Lexical: both must already be normalized (or real) absolute
 * paths; `/a/bc` is not inside `/a/b`. A root of `/` contains every absolute path.
 */
export function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}
