/**
 * grep_search: finds a literal string (default) or a safe regular expression (safe-regex.ts) in the text files
 * under a path in the workspace. SECURITY CONTRACT:
 *
 * - The start path goes through the read jail (open-readable.ts: jail.ts + protections). Below it, every
 *   directory and file is opened relative to its parent's descriptor with O_NOFOLLOW (dir-fd.ts): symbolic links
 *   are skipped entirely (never followed, not even to targets inside), as are FIFOs, sockets and devices.
 * - Never searched: `.git` directories, `.env` / `.env.*` files and directories, protected paths (by real path
 *   and by device/inode), files larger than `maxReadBytes`, binary files (a NUL byte or invalid UTF-8).
 * - Bounds (each visible in the output when hit): at most `maxMatches` (200) matches and `maxOutputBytes`
 *   (64 KiB) of output; only the first `maxLineChars` (4096) characters of a line are searched, 300 are shown;
 *   at most `maxScanBytes` (32 MiB) searched, `maxEntries` (20,000) directory entries visited, `maxDepth` (64)
 *   levels; a wall-clock budget of `budgetMs` (5 s), checked before every directory and every batch of (at
 *   most 16) files read together, and passed to the regex matcher, whose single runs are also capped at
 *   `regexBatchMs` (1 s): a regular expression blocks the event loop for at most that long and is then
 *   reported as too slow.
 *
 * Results are `path:line: text`, paths relative to the workspace root; within a directory its files come first
 * (by name), then its subdirectories (by name).
 */
import { constants, type Dirent } from 'node:fs';
import { type FileHandle, lstat, open, opendir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { hasControlCharacters } from '../text.ts';
import type { ToolResult } from '../types.ts';
import { at, type OpenedDir, openChildDir } from './dir-fd.ts';
import { MatchCollector } from './grep-matches.ts';
import { refusalResult, resolveLexical } from './jail.ts';
import { openReadable } from './open-readable.ts';
import { type Identities, isGitName, isSecretName, type Protection } from './protection.ts';
import { compileSafeRegex, createLineMatcher } from './safe-regex.ts';
import { errnoCode } from './workspace.ts';

export interface GrepArgs {
  pattern: string;
  path: string;
  regex: boolean;
}

export interface GrepLimits {
  maxReadBytes: number;
  maxMatches: number;
  maxOutputBytes: number;
  maxLineChars: number;
  maxScanBytes: number;
  maxEntries: number;
  maxDepth: number;
  budgetMs: number;
  regexBatchMs: number;
}

export const DEFAULT_GREP_LIMITS: Omit<GrepLimits, 'maxReadBytes'> = Object.freeze({
  maxMatches: 200,
  maxOutputBytes: 64 * 1024,
  maxLineChars: 4096,
  maxScanBytes: 32 * 1024 * 1024,
  maxEntries: 20_000,
  maxDepth: 64,
  budgetMs: 5000,
  regexBatchMs: 1000,
});

/** Files read at the same time: bounded so that concurrency × maxReadBytes stays around 8 MiB. */
const READ_MEMORY = 8 * 1024 * 1024;
const MAX_CONCURRENT_READS = 16;
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

type Kind = 'file' | 'dir' | 'link' | 'special';

class Walk {
  scanned = 0;
  entries = 0;
  skippedLarge = 0;
  skippedBinary = 0;
  skippedLinks = 0;
  skippedDeep = 0;
  readonly protection: Protection;
  readonly identities: Identities;
  readonly limits: GrepLimits;
  readonly collector: MatchCollector;
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  readonly concurrency: number;

  constructor(
    protection: Protection,
    identities: Identities,
    limits: GrepLimits,
    collector: MatchCollector,
    deadline: number,
    signal: AbortSignal | undefined,
  ) {
    this.protection = protection;
    this.identities = identities;
    this.limits = limits;
    this.collector = collector;
    this.deadline = deadline;
    this.signal = signal;
    this.concurrency = Math.max(1, Math.min(MAX_CONCURRENT_READS, Math.floor(READ_MEMORY / limits.maxReadBytes)));
  }

  /** False once a bound is hit; also checks cancellation and the time budget. */
  go(): boolean {
    this.signal?.throwIfAborted();
    if (this.collector.open && performance.now() > this.deadline) this.collector.stop = 'time';
    return this.collector.open;
  }

  /** Reads an opened regular file of `size` bytes (at most maxReadBytes); undefined when it is binary. */
  async readText(handle: FileHandle, size: number): Promise<string | undefined> {
    const buf = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buf, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const data = buf.subarray(0, filled);
    if (data.includes(0)) {
      this.skippedBinary++;
      return undefined;
    }
    try {
      return fatalUtf8.decode(data);
    } catch {
      this.skippedBinary++;
      return undefined;
    }
  }

  /**
   * Counts `size` bytes against maxScanBytes, in walk order; false (and the search stops) when they do not fit.
   * Concurrent reads can run at most one chunk (about 8 MiB) past the cap; what is searched never does.
   */
  fits(size: number): boolean {
    if (this.scanned + size > this.limits.maxScanBytes) {
      this.collector.stop ??= 'scan';
      return false;
    }
    this.scanned += size;
    return true;
  }

  /** Opens `name` in `dir` as a regular file without following links and returns its text, if searchable. */
  async loadChildFile(
    dir: OpenedDir,
    name: string,
    display: string,
  ): Promise<{ size: number; text: string | undefined } | undefined> {
    if (this.protection.checkReal(join(dir.real, name), display)) return undefined;
    let handle: FileHandle;
    try {
      handle = await open(at(dir.handle.fd, name), FILE_FLAGS);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ELOOP') this.skippedLinks++;
      if (code === 'ELOOP' || code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'ENXIO') {
        return undefined;
      }
      throw e;
    }
    try {
      const st = await handle.stat({ bigint: true });
      if (!st.isFile() || this.identities.has(st)) return undefined;
      if (st.size > BigInt(this.limits.maxReadBytes)) {
        this.skippedLarge++;
        return undefined;
      }
      const size = Number(st.size);
      return { size, text: await this.readText(handle, size) };
    } finally {
      await handle.close();
    }
  }

  /** Searches the directory `dir` (opened and checked): its files, then its subdirectories, each by name. */
  async searchDir(dir: OpenedDir, display: string, depth: number): Promise<void> {
    const files: string[] = [];
    const dirs: string[] = [];
    for (const entry of await this.readEntries(dir)) {
      const kind = await this.kindOf(dir, entry);
      if (kind === 'link') this.skippedLinks++;
      else if (kind === 'special' || isSecretName(entry.name)) continue;
      else if (kind === 'file') files.push(entry.name);
      else if (!isGitName(entry.name)) dirs.push(entry.name);
    }
    const child = (name: string) => (display === '' ? name : `${display}/${name}`);
    for (let i = 0; i < files.length && this.go(); i += this.concurrency) {
      const chunk = files.slice(i, i + this.concurrency);
      const loaded = await Promise.all(chunk.map((name) => this.loadChildFile(dir, name, child(name))));
      for (let j = 0; j < chunk.length; j++) {
        const file = loaded[j];
        if (!file) continue;
        if (!this.fits(file.size)) return;
        if (file.text !== undefined) this.collector.add(child(chunk[j] as string), file.text);
      }
    }
    for (const name of dirs) {
      if (!this.go()) return;
      if (depth + 1 > this.limits.maxDepth) {
        this.skippedDeep++;
        continue;
      }
      const sub = await openChildDir(this.protection, this.identities, dir, name, child(name), false);
      if (!sub.ok) continue;
      try {
        await this.searchDir(sub, child(name), depth + 1);
      } finally {
        await sub.handle.close();
      }
    }
  }

  private async kindOf(dir: OpenedDir, entry: Dirent): Promise<Kind> {
    if (entry.isSymbolicLink()) return 'link';
    if (entry.isDirectory()) return 'dir';
    if (entry.isFile()) return 'file';
    if (entry.isFIFO() || entry.isSocket() || entry.isBlockDevice() || entry.isCharacterDevice()) return 'special';
    // The filesystem did not say (DT_UNKNOWN): ask without following links.
    const st = await lstat(at(dir.handle.fd, entry.name)).catch(() => undefined);
    if (!st) return 'special';
    return st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'special';
  }

  private async readEntries(dir: OpenedDir): Promise<Dirent[]> {
    const list: Dirent[] = [];
    const handle = await opendir(at(dir.handle.fd), { bufferSize: 256 });
    try {
      for (;;) {
        const entry = await handle.read();
        if (entry === null) break;
        if (++this.entries > this.limits.maxEntries) {
          this.collector.stop ??= 'entries';
          break;
        }
        list.push(entry);
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
    return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  skipped(): string[] {
    const s: string[] = [];
    if (this.skippedLarge) s.push(`${this.skippedLarge} files larger than ${this.limits.maxReadBytes} bytes`);
    if (this.skippedBinary) s.push(`${this.skippedBinary} binary files`);
    if (this.skippedLinks) s.push(`${this.skippedLinks} symbolic links (never followed)`);
    if (this.skippedDeep) s.push(`${this.skippedDeep} directories deeper than ${this.limits.maxDepth} levels`);
    return s;
  }
}

export async function grepInWorkspace(
  protection: Protection,
  args: GrepArgs,
  options: { limits: GrepLimits; signal?: AbortSignal },
): Promise<ToolResult> {
  const { pattern } = args;
  const { limits } = options;
  const fail = (output: string): ToolResult => ({ output, isError: true });
  if (pattern === '') return fail('"pattern" is empty; give the text to search for');
  if (hasControlCharacters(pattern.replaceAll('\t', ' '))) {
    return fail('"pattern" contains a line break or control character; grep_search matches within one line');
  }
  let find: { literal: string } | { matcher: ReturnType<typeof createLineMatcher> } = { literal: pattern };
  if (args.regex) {
    const compiled = compileSafeRegex(pattern);
    if (!compiled.ok) return fail(compiled.message);
    find = { matcher: createLineMatcher(compiled.regex) };
  }

  // Decide whether the start path is a file or a directory; the jail re-checks the kind when it opens it.
  const lex = resolveLexical(protection.root, args.path);
  if (!lex.ok) return refusalResult(lex);
  const kindStat = await stat(lex.lexical).catch(() => undefined);
  const opened = await openReadable(protection, args.path, kindStat?.isFile() ? 'file' : 'directory');
  if (!opened.ok) return refusalResult(opened);

  const deadline = performance.now() + limits.budgetMs;
  const collector = new MatchCollector(limits, find, deadline);
  const walk = new Walk(protection, await protection.identities(), limits, collector, deadline, options.signal);
  const display = relative(protection.root, opened.real).split(sep).join('/');
  try {
    if (opened.stats.isFile()) {
      if (opened.stats.size > BigInt(limits.maxReadBytes)) walk.skippedLarge++;
      else if (walk.fits(Number(opened.stats.size))) {
        const text = await walk.readText(opened.handle, Number(opened.stats.size));
        if (text !== undefined) collector.add(display, text);
      }
    } else {
      await walk.searchDir({ ok: true, handle: opened.handle, real: opened.real }, display, 0);
    }
  } finally {
    await opened.handle.close();
  }
  collector.flush();
  return collector.result(pattern, opened.display, limits, walk.skipped());
}
