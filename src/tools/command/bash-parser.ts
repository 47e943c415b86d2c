/**
 * Loads the tree-sitter bash grammar (WASM build of `tree-sitter-bash`, run by `web-tree-sitter`) once per
 * process. The native addon is never used: the WASM runtime has no access to the host besides the memory it is
 * given, and it needs no build step.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Language, Parser, type Tree } from 'web-tree-sitter';

let loading: Promise<Parser> | undefined;

/** The shared parser. Parsing is synchronous, so one instance is safe for the whole (single-threaded) process. */
export function loadBashParser(): Promise<Parser> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const grammarDir = dirname(require.resolve('tree-sitter-bash/package.json'));
    await Parser.init();
    const language = await Language.load(join(grammarDir, 'tree-sitter-bash.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  // A failed load is not cached: the next caller retries (and sees the error itself).
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/** Parses `source` and hands the tree to `use`; the tree's WASM memory is freed afterwards. */
export function withTree<T>(parser: Parser, source: string, use: (tree: Tree) => T): T {
  const tree = parser.parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    return use(tree);
  } finally {
    tree.delete();
  }
}
