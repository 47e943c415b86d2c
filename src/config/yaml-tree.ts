import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { dotted, type PathSegment, pathKey, quote, type RawIssue } from './issue.ts';
import { substitute } from './substitute.ts';

/** Upper bounds that keep a hostile document (alias bombs, deep nesting) from exhausting memory or the stack. */
const MAX_NODES = 100_000;
const MAX_DEPTH = 64;
const MAX_YAML_ERRORS = 5;
// biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${VAR} syntax
const QUOTE_HINT = 'inside {…} or […] a ${VAR} value must be quoted: {api_key: "${KEY}"}';

export interface YamlTree {
  /** Plain JS value of the document after `${VAR}` substitution (undefined when the document is empty). */
  value: unknown;
  issues: RawIssue[];
  /** Values that came from the environment during substitution (not from `:-` defaults). */
  envValues: string[];
  /** The raw text of every string value that held a `${…}` reference or `$${` escape, by dotted path. */
  references: Map<string, string>;
  /** Paths whose value could not be read or substituted (see RawIssue.fromReader). */
  failed: Set<string>;
  /** 1-based line of the key or value at `path`, or of its nearest existing ancestor (not the document root). */
  lineOf: (path: readonly PathSegment[], at: 'key' | 'value') => number | undefined;
  /** False when the YAML could not be parsed or exceeded a size limit (only `issues` is meaningful then). */
  parsed: boolean;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/:$/, '');
}

/**
 * Parses YAML 1.2 (core schema: no merge keys `<<`, no custom tags, duplicate keys are errors) and converts it to
 * plain JS, substituting `${VAR}` in every string VALUE (never in keys) as it goes, so the YAML is never re-parsed.
 * YAML errors AND warnings (e.g. an unknown tag) are issues. Rejects: non-scalar or empty keys, the key
 * `__proto__`, recursive aliases, more than 100,000 nodes after alias expansion, nesting deeper than 64.
 * Aliases are expanded into independent copies. Records the source location of every key and value.
 */
export function readYaml(text: string, lookup: (name: string) => string | undefined): YamlTree {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, merge: false, version: '1.2' });
  const keyOffsets = new Map<string, number>();
  const valueOffsets = new Map<string, number>();
  const lineOf = (path: readonly PathSegment[], at: 'key' | 'value'): number | undefined => {
    for (let n = path.length; n >= 1; n--) {
      const k = pathKey(path.slice(0, n));
      const offset = (n === path.length && at === 'key' ? keyOffsets.get(k) : undefined) ?? valueOffsets.get(k);
      if (offset !== undefined) return lineCounter.linePos(offset).line;
      if (n === path.length && at === 'value' && keyOffsets.has(k)) return lineCounter.linePos(keyOffsets.get(k)!).line;
    }
    return undefined;
  };
  const tree: YamlTree = {
    value: undefined,
    issues: [],
    envValues: [],
    references: new Map(),
    failed: new Set(),
    lineOf,
    parsed: false,
  };

  const yamlProblems = [...doc.errors, ...doc.warnings];
  if (yamlProblems.length > 0) {
    const lines = text.split('\n');
    // The first few only: after a syntax error the parser's later complaints are mostly consequences.
    for (const e of yamlProblems.slice(0, MAX_YAML_ERRORS)) {
      const line = e.linePos?.[0]?.line;
      const nearReference = line !== undefined && (lines[line - 1] ?? '').includes('${');
      tree.issues.push({
        path: [],
        message: `YAML ${e.name === 'YAMLWarning' ? 'problem' : 'syntax error'}: ${firstLine(e.message)}`,
        hint: nearReference ? QUOTE_HINT : 'fix the YAML syntax',
      });
    }
    if (yamlProblems.length > MAX_YAML_ERRORS) {
      tree.issues.push({ path: [], message: `… and ${yamlProblems.length - MAX_YAML_ERRORS} more YAML errors` });
    }
    return tree;
  }
  tree.parsed = true;

  let nodes = 0;
  let aborted = false;
  const ancestors = new Set<Node>();
  /** Records an issue; the value at `path` is unknown, so other issues at or under it are suppressed. */
  const fail = (path: readonly PathSegment[], message: string, hint?: string): undefined => {
    tree.issues.push({ path, message, ...(hint ? { hint } : {}), fromReader: true });
    tree.failed.add(pathKey(path));
    return undefined;
  };

  const walk = (node: unknown, path: PathSegment[]): unknown => {
    if (aborted) return undefined;
    if (++nodes > MAX_NODES) {
      aborted = true;
      return fail([], `the document expands to more than ${MAX_NODES} nodes (alias expansion?)`, 'simplify it');
    }
    if (path.length > MAX_DEPTH) {
      aborted = true;
      return fail(path, `nesting is deeper than ${MAX_DEPTH} levels`);
    }
    if (node === null || node === undefined) return null;
    const range = (node as { range?: [number, number, number] }).range;
    if (range && !valueOffsets.has(pathKey(path))) valueOffsets.set(pathKey(path), range[0]);
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) return fail(path, `unresolved alias *${node.source}`);
      if (ancestors.has(target))
        return fail(path, `recursive alias *${node.source}`, 'an alias may not refer to its own parent');
      return walk(target, path);
    }
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v !== 'string') {
        if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
        return fail(path, `unsupported YAML value of type ${typeof v}`);
      }
      const r = substitute(v, lookup, dotted(path));
      tree.envValues.push(...r.fromEnv);
      if (r.changed) tree.references.set(dotted(path), v);
      if (r.problems.length > 0) {
        tree.failed.add(pathKey(path));
        for (const p of r.problems) tree.issues.push({ path, ...p, fromReader: true });
      }
      return r.value;
    }
    if (isMap(node)) {
      ancestors.add(node);
      const obj: Record<string, unknown> = {};
      for (const pair of node.items) {
        const k = pair.key;
        if (!isScalar(k) || k.value === null || typeof k.value === 'object') {
          // Reported at the mapping, which stays checkable (the pair is skipped).
          tree.issues.push({
            path,
            message: 'a key must be a plain string',
            hint: 'complex and empty keys are not supported',
          });
          continue;
        }
        const key = String(k.value);
        const childPath = [...path, key];
        if (k.range) keyOffsets.set(pathKey(childPath), k.range[0]);
        if (key === '__proto__') {
          fail(childPath, `the key ${quote(key)} is not allowed`);
          continue;
        }
        obj[key] = walk(pair.value, childPath);
      }
      ancestors.delete(node);
      return obj;
    }
    if (isSeq(node)) {
      ancestors.add(node);
      const arr = node.items.map((item, i) => walk(item, [...path, i]));
      ancestors.delete(node);
      return arr;
    }
    return fail(path, 'unsupported YAML node');
  };

  tree.value = doc.contents === null ? undefined : walk(doc.contents, []);
  if (aborted) tree.parsed = false; // over a limit: nothing else about the document is trustworthy
  return tree;
}
