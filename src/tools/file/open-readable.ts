import { relative } from 'node:path';
import { type JailHooks, type Kind, type Opened, openInside, type Refusal, resolveLexical } from './jail.ts';
import { type Protection, protectedRefusal } from './protection.ts';

/**
 * `openInside` (the jail, see jail.ts) plus the protection rules for reading (see protection.ts): the path the
 * model gave, and the real path that was opened, must not be a `.env*` file or under a protected path, and the
 * opened file or directory must not be (a hard link to / bind mount of) an existing protected path. The check
 * on the model's path runs before anything is opened; the others run on the opened descriptor.
 */
export async function openReadable(
  protection: Protection,
  input: string,
  kind: Kind,
  hooks?: JailHooks,
): Promise<Opened | Refusal> {
  const { root } = protection;
  const lex = resolveLexical(root, input);
  if (!lex.ok) return lex;
  const byName = protection.checkRelative(relative(root, lex.lexical) || '.', 'read', lex.display);
  if (byName) return byName;

  const opened = await openInside(root, input, kind, hooks);
  if (!opened.ok) return opened;
  const refusal =
    protection.checkReal(opened.real, opened.display) ??
    ((await protection.identities()).has(opened.stats) ? protectedRefusal(opened.display) : undefined);
  if (refusal) {
    await opened.handle.close().catch(() => undefined);
    return refusal;
  }
  return opened;
}
