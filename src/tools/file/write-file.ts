import { quote } from '../text.ts';
import type { ToolResult } from '../types.ts';
import { replaceFileAtomically, type WriteHooks } from './atomic-write.ts';
import { openParentForWrite } from './dir-fd.ts';
import { refusalResult } from './jail.ts';
import type { Protection } from './protection.ts';

/**
 * Creates or replaces a UTF-8 text file inside the workspace. Containment: dir-fd.ts (descriptor walk, no
 * symbolic link followed, missing parent directories created one by one and each re-checked). Protections:
 * protection.ts (`.env*`, `.git`, protected paths). Replacement: atomic-write.ts (temporary file + rename; the
 * target must be absent or a regular file). The content must be at most `maxWriteBytes` UTF-8 bytes; a larger
 * write is refused before anything is touched.
 */
export async function writeFileInWorkspace(
  protection: Protection,
  args: { path: string; content: string },
  options: { maxWriteBytes: number; signal?: AbortSignal; hooks?: WriteHooks },
): Promise<ToolResult> {
  const content = Buffer.from(args.content, 'utf8');
  if (content.length > options.maxWriteBytes) {
    return {
      output: `content is ${content.length} bytes; write_file writes at most ${options.maxWriteBytes} bytes per file. Nothing was written; write a smaller file or split it`,
      isError: true,
    };
  }
  options.signal?.throwIfAborted();
  const identities = await protection.identities();
  const parent = await openParentForWrite(protection, identities, args.path, true);
  if (!parent.ok) return refusalResult(parent);
  try {
    options.signal?.throwIfAborted();
    const done = await replaceFileAtomically(parent.dir, parent.name, parent.display, content, {
      identities,
      ...(options.hooks ? { hooks: options.hooks } : {}),
    });
    if (!done.ok) return refusalResult(done);
    const dirs = parent.created.length > 0 ? `; created ${parent.created.map((d) => quote(`${d}/`)).join(', ')}` : '';
    return {
      output: `${done.created ? 'created' : 'replaced'} ${parent.display} (${content.length} bytes)${dirs}`,
      isError: false,
    };
  } finally {
    await parent.dir.handle.close();
  }
}
