/**
 * Matching and output of grep_search: texts are queued in walk order, matched in batches (one time-bounded
 * regex run per batch, see safe-regex.ts), and turned into `path:line: text` lines under the match and byte caps.
 * A matched line is cut to 300 characters and its control characters (other than tab) become U+FFFD, so file
 * content cannot forge result lines; a path with control characters is shown JSON-quoted.
 */
import { hasControlCharacters, quote } from '../text.ts';
import type { ToolResult } from '../types.ts';
import type { LineMatcher } from './safe-regex.ts';

export type Stop = 'matches' | 'output' | 'scan' | 'entries' | 'time' | 'regex-time';

export interface MatchLimits {
  maxMatches: number;
  maxOutputBytes: number;
  maxLineChars: number;
  /** Longest single regex run over one batch. */
  regexBatchMs: number;
}

const SHOWN_LINE_CHARS = 300;
/** A batch is matched once it holds this many characters or files. */
const BATCH_CHARS = 512 * 1024;
const BATCH_FILES = 512;

export class MatchCollector {
  readonly out: string[] = [];
  outBytes = 0;
  matches = 0;
  stop: Stop | undefined;
  private pending: { display: string; lines: string[] }[] = [];
  private pendingChars = 0;
  private readonly limits: MatchLimits;
  private readonly literal: string;
  private readonly matcher: LineMatcher | undefined;
  private readonly deadline: number;

  constructor(limits: MatchLimits, find: { literal: string } | { matcher: LineMatcher }, deadline: number) {
    this.limits = limits;
    this.literal = 'literal' in find ? find.literal : '';
    this.matcher = 'matcher' in find ? find.matcher : undefined;
    this.deadline = deadline;
  }

  /** Queues the UTF-8 text of one file; `display` is its path relative to the workspace. */
  add(display: string, text: string): void {
    const max = this.limits.maxLineChars;
    const lines = text.split('\n').map((l) => {
      const line = l.endsWith('\r') ? l.slice(0, -1) : l;
      return line.length > max ? line.slice(0, max) : line;
    });
    this.pending.push({ display, lines });
    this.pendingChars += text.length;
    if (this.pendingChars >= BATCH_CHARS || this.pending.length >= BATCH_FILES) this.flush();
  }

  /** Matches everything queued and records the results (unless a bound has already stopped the search). */
  flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    if (batch.length === 0 || this.stop === 'matches' || this.stop === 'output' || this.stop === 'regex-time') return;
    const all = batch.flatMap((f) => f.lines);
    let hits: number[];
    if (this.matcher) {
      const left = this.deadline - performance.now();
      if (left <= 0) {
        this.stop ??= 'time';
        return;
      }
      const found = this.matcher(all, Math.min(left, this.limits.regexBatchMs));
      if (found === 'timeout') {
        this.stop = left <= this.limits.regexBatchMs ? (this.stop ?? 'time') : 'regex-time';
        return;
      }
      hits = found;
    } else {
      hits = [];
      for (let i = 0; i < all.length; i++) if ((all[i] as string).includes(this.literal)) hits.push(i);
    }
    let file = 0;
    let start = 0;
    for (const hit of hits) {
      while (hit >= start + (batch[file] as { lines: string[] }).lines.length) {
        start += (batch[file] as { lines: string[] }).lines.length;
        file++;
      }
      const { display, lines } = batch[file] as { display: string; lines: string[] };
      if (!this.record(display, hit - start + 1, lines[hit - start] as string)) return;
    }
  }

  private record(display: string, lineNo: number, line: string): boolean {
    if (this.matches >= this.limits.maxMatches) {
      this.stop = 'matches';
      return false;
    }
    const path = hasControlCharacters(display) ? JSON.stringify(display) : display;
    const cut = line.length > SHOWN_LINE_CHARS ? `${line.slice(0, SHOWN_LINE_CHARS)}…` : line;
    const entry = `${path}:${lineNo}: ${withoutControls(cut)}`;
    const bytes = Buffer.byteLength(entry) + 1;
    if (this.outBytes + bytes > this.limits.maxOutputBytes) {
      this.stop = 'output';
      return false;
    }
    this.out.push(entry);
    this.outBytes += bytes;
    this.matches++;
    return true;
  }

  /** True while no bound that ends the walk has been hit. */
  get open(): boolean {
    return this.stop === undefined;
  }

  result(
    pattern: string,
    where: string,
    bounds: { maxScanBytes: number; maxEntries: number; budgetMs: number },
    skipped: string[],
  ): ToolResult {
    if (this.stop === 'regex-time') {
      return {
        output: `the regular expression ${quote(pattern, 80)} took longer than ${this.limits.regexBatchMs} ms on one batch of lines and was stopped; simplify it (avoid nested or overlapping repetition such as (a|aa)+) or use a literal search (regex: false)`,
        isError: true,
      };
    }
    const lines = this.out.length > 0 ? [...this.out] : [`no matches for ${quote(pattern, 80)} in ${where}`];
    const narrow = 'narrow the search with "path" or a more specific pattern';
    const stops: Record<Exclude<Stop, 'regex-time'>, string> = {
      matches: `[truncated: showing the first ${this.limits.maxMatches} matches; ${narrow}]`,
      output: `[truncated: the results reached ${this.limits.maxOutputBytes} bytes; ${narrow}]`,
      scan: `[stopped: the search read ${bounds.maxScanBytes} bytes; later files were not searched, ${narrow}]`,
      entries: `[stopped: the search visited ${bounds.maxEntries} directory entries; later files were not searched, ${narrow}]`,
      time: `[stopped: the search took longer than ${bounds.budgetMs} ms; later files were not searched, ${narrow}]`,
    };
    if (this.stop) lines.push(stops[this.stop]);
    if (skipped.length > 0) lines.push(`[skipped: ${skipped.join(', ')}]`);
    return { output: lines.join('\n'), isError: false };
  }
}

/** `s` with control characters other than tab replaced by U+FFFD. */
function withoutControls(s: string): string {
  if (!hasControlCharacters(s.replaceAll('\t', ' '))) return s;
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += c !== 0x09 && (c < 0x20 || (c >= 0x7f && c <= 0x9f)) ? '\uFFFD' : ch;
  }
  return out;
}
