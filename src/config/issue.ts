import type { ConfigIssue } from '../shared/index.ts';

export type PathSegment = string | number;

/** An issue before rendering: a structured path and, optionally, whether it points at a key or at a value. */
export interface RawIssue {
  path: readonly PathSegment[];
  message: string;
  hint?: string;
  /** `key`: the line of the key itself (unknown keys); default: the line of the value. */
  at?: 'key' | 'value';
  /**
   * Issues found while reading the document (`${VAR}` substitution, bad keys, aliases): the value at their path is
   * unknown, so other issues at or under that path are dropped (they would be noise).
   */
  fromReader?: boolean;
}

export function dotted(path: readonly PathSegment[]): string {
  return path.join('.');
}

export function pathKey(path: readonly PathSegment[]): string {
  return JSON.stringify(path.map(String));
}

/** `a string`, `42`, `a list`… for "expected X, got Y" messages. Never includes a string's content. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'number') return String(v);
  return `a ${typeof v}`;
}

/** Quotes a short, non-secret value for a message (keys, names, enum values): at most 40 characters. */
export function quote(v: unknown): string {
  const s = String(v);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/**
 * Renders raw issues: dotted path, ` (line N)` appended when the location is known, sorted by line (stable), and
 * with every known secret replaced by `***` (a message must never leak a secret, even one echoed by accident).
 */
export function renderIssues(
  issues: readonly RawIssue[],
  lineOf: (path: readonly PathSegment[], at: 'key' | 'value') => number | undefined,
  secrets: readonly string[],
): ConfigIssue[] {
  const scrub = (s: string): string => {
    let out = s;
    for (const secret of secrets) out = out.replaceAll(secret, '***');
    return out;
  };
  const located = issues.map((issue, index) => ({ issue, index, line: lineOf(issue.path, issue.at ?? 'value') }));
  located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || a.index - b.index);
  const seen = new Set<string>();
  const out: ConfigIssue[] = [];
  for (const { issue, line } of located) {
    const rendered: ConfigIssue = {
      path: dotted(issue.path),
      message: scrub(line === undefined ? issue.message : `${issue.message} (line ${line})`),
      ...(issue.hint === undefined ? {} : { hint: scrub(issue.hint) }),
    };
    const key = JSON.stringify(rendered);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(rendered);
  }
  return out;
}
