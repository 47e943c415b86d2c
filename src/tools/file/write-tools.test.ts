/** Behaviour of write_file, search_replace and grep_search inside the jail, and their construction. */
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../shared/index.ts';
import { executeToolCall } from '../execute-tool-call.ts';
import { createToolRegistry } from '../registry.ts';
import type { Tool } from '../types.ts';
import { createFileTool, DEFAULT_MAX_WRITE_BYTES, type FileHandlerName } from './create-file-tool.ts';
import { DEFAULT_GREP_LIMITS, type GrepLimits, grepInWorkspace } from './grep-search.ts';
import { createProtection } from './protection.ts';
import { searchReplaceInWorkspace } from './search-replace.ts';
import { writeFileInWorkspace } from './write-file.ts';

const context = { scope: { appId: 'app', userId: 'u' }, agent: 'a', signal: new AbortController().signal };
type T = { after(fn: () => void): void };

function setup(t: T, options: { maxWriteBytes?: number; maxReadBytes?: number } = {}) {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'hector-write-')));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const ws = join(base, 'ws');
  const outside = join(base, 'outside');
  mkdirSync(join(ws, 'sub'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'OUTSIDE');
  writeFileSync(join(ws, 'notes.txt'), 'alpha\nbeta\ngamma\n');
  writeFileSync(join(ws, 'sub', 'code.ts'), 'export const x = 1;\nexport const y = 22;\n');
  const make = (handler: FileHandlerName): Tool =>
    createFileTool({ name: handler, handler, workspace: ws, ...options });
  return {
    base,
    ws,
    outside,
    write: make('write_file'),
    read: make('read_file'),
    list: make('list_directory'),
    replace: make('search_replace'),
    grep: make('grep_search'),
  };
}

const leftoverTemps = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('.hector-write-'));
const umasked = (mode: number) => mode & ~process.umask();

describe('write_file', () => {
  test('control: write a new file, read it back, see it in the listing', async (t) => {
    const s = setup(t);
    const w = await s.write.execute({ path: 'hello.txt', content: 'héllo\nworld\n' }, context);
    assert.deepEqual(w, { output: 'created hello.txt (13 bytes)', isError: false });
    assert.deepEqual(await s.read.execute({ path: 'hello.txt' }, context), {
      output: 'héllo\nworld\n',
      isError: false,
    });
    assert.match((await s.list.execute({}, context)).output, /^hello\.txt$/m);
    assert.equal(statSync(join(s.ws, 'hello.txt')).mode & 0o777, umasked(0o644));
  });

  test('creates missing parent directories one by one and says which', async (t) => {
    const s = setup(t);
    const w = await s.write.execute({ path: 'a/b/c/file.md', content: '# x' }, context);
    assert.deepEqual(w, { output: 'created a/b/c/file.md (3 bytes); created "a/", "a/b/", "a/b/c/"', isError: false });
    assert.equal(readFileSync(join(s.ws, 'a', 'b', 'c', 'file.md'), 'utf8'), '# x');
    assert.equal(statSync(join(s.ws, 'a', 'b')).mode & 0o777, umasked(0o755));
  });

  test('replacing keeps the permission bits and leaves no temporary file', async (t) => {
    const s = setup(t);
    chmodSync(join(s.ws, 'notes.txt'), 0o640);
    const w = await s.write.execute({ path: 'notes.txt', content: 'new' }, context);
    assert.deepEqual(w, { output: 'replaced notes.txt (3 bytes)', isError: false });
    assert.equal(readFileSync(join(s.ws, 'notes.txt'), 'utf8'), 'new');
    assert.equal(statSync(join(s.ws, 'notes.txt')).mode & 0o777, 0o640);
    assert.deepEqual(leftoverTemps(s.ws), []);
  });

  test('an empty file can be written; sub/./x and sub/../x normalise inside', async (t) => {
    const s = setup(t);
    assert.equal(
      (await s.write.execute({ path: 'sub/./empty', content: '' }, context)).output,
      'created sub/empty (0 bytes)',
    );
    assert.equal(
      (await s.write.execute({ path: 'sub/../top.txt', content: 'x' }, context)).output,
      'created top.txt (1 bytes)',
    );
  });

  test('the size cap counts UTF-8 bytes: exactly the cap is written, one byte more is refused', async (t) => {
    const s = setup(t, { maxWriteBytes: 9 });
    assert.equal((await s.write.execute({ path: 'ok.txt', content: '€€€' }, context)).isError, false);
    const r = await s.write.execute({ path: 'big.txt', content: '€€€x' }, context);
    assert.equal(r.isError, true);
    assert.match(r.output, /content is 10 bytes; write_file writes at most 9 bytes/);
    assert.ok(!existsSync(join(s.ws, 'big.txt')));
  });

  test('a directory, a path through a file and a read-only file are refused with a message', async (t) => {
    const s = setup(t);
    assert.match((await s.write.execute({ path: 'sub', content: 'x' }, context)).output, /"sub" is a directory/);
    assert.match(
      (await s.write.execute({ path: 'notes.txt/x', content: 'x' }, context)).output,
      /"notes.txt" is not a directory/,
    );
    chmodSync(join(s.ws, 'notes.txt'), 0o444);
    const ro = await s.write.execute({ path: 'notes.txt', content: 'x' }, context);
    assert.match(ro.output, /"notes.txt" is read-only/);
    assert.equal(readFileSync(join(s.ws, 'notes.txt'), 'utf8'), 'alpha\nbeta\ngamma\n');
  });

  test('a target swapped for a symlink to outside at the last moment: the link is replaced, not written through', async (t) => {
    const s = setup(t);
    const protection = createProtection('w', s.ws);
    const r = await writeFileInWorkspace(
      protection,
      { path: 'notes.txt', content: 'mine' },
      {
        maxWriteBytes: 100,
        hooks: {
          beforeRename: () => {
            unlinkSync(join(s.ws, 'notes.txt'));
            symlinkSync(join(s.outside, 'secret.txt'), join(s.ws, 'notes.txt'));
          },
        },
      },
    );
    assert.equal(r.isError, true);
    assert.match(r.output, /is a symbolic link/);
    assert.equal(readFileSync(join(s.outside, 'secret.txt'), 'utf8'), 'OUTSIDE');
    assert.deepEqual(leftoverTemps(s.ws), []);
  });

  test('a missing-arguments call through executeToolCall is invalid_arguments and writes nothing', async (t) => {
    const s = setup(t);
    const tools = createToolRegistry([s.write]);
    const outcome = await executeToolCall({
      tools,
      allowedNames: ['write_file'],
      name: 'write_file',
      args: { path: 'x.txt' },
      context,
    });
    assert.equal(outcome.verdict, 'invalid_arguments');
    assert.ok(!existsSync(join(s.ws, 'x.txt')));
  });
});

describe('search_replace', () => {
  test('control: replace then read back; the replacement is literal ($& is not special)', async (t) => {
    const s = setup(t);
    const r = await s.replace.execute({ path: 'notes.txt', old: 'beta', new: 'BETA $& $1' }, context);
    assert.deepEqual(r, { output: 'replaced 1 occurrence in notes.txt at line 2 (now 23 bytes)', isError: false });
    assert.equal((await s.read.execute({ path: 'notes.txt' }, context)).output, 'alpha\nBETA $& $1\ngamma\n');
  });

  test('0 matches: an error saying "not found"; the file is unchanged', async (t) => {
    const s = setup(t);
    const r = await s.replace.execute({ path: 'notes.txt', old: 'delta', new: 'x' }, context);
    assert.equal(r.isError, true);
    assert.match(r.output, /"old" was not found in "notes.txt"; nothing was changed/);
    assert.equal(readFileSync(join(s.ws, 'notes.txt'), 'utf8'), 'alpha\nbeta\ngamma\n');
  });

  test('2 matches: an error saying how many and asking for more context; the file is unchanged', async (t) => {
    const s = setup(t);
    const r = await s.replace.execute({ path: 'sub/code.ts', old: 'export const', new: 'const' }, context);
    assert.equal(r.isError, true);
    assert.match(
      r.output,
      /"old" occurs 2 times in "sub\/code.ts"; nothing was changed. Include more surrounding lines/,
    );
    assert.equal(readFileSync(join(s.ws, 'sub', 'code.ts'), 'utf8'), 'export const x = 1;\nexport const y = 22;\n');
  });

  test('overlapping occurrences count ("aa" in "aaa" is 2); many are reported as "more than 1000"', async (t) => {
    const s = setup(t);
    writeFileSync(join(s.ws, 'a.txt'), 'aaa');
    assert.match((await s.replace.execute({ path: 'a.txt', old: 'aa', new: 'b' }, context)).output, /occurs 2 times/);
    writeFileSync(join(s.ws, 'many.txt'), 'x'.repeat(5000));
    assert.match(
      (await s.replace.execute({ path: 'many.txt', old: 'x', new: 'y' }, context)).output,
      /occurs more than 1000 times/,
    );
  });

  test('old equal to new, an empty old, a missing file, a directory and a binary file are refused', async (t) => {
    const s = setup(t);
    writeFileSync(join(s.ws, 'bin'), Buffer.from([0x61, 0, 0x62]));
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ path: 'notes.txt', old: 'beta', new: 'beta' }, /identical/],
      [{ path: 'notes.txt', old: '', new: 'x' }, /invalid arguments/],
      [{ path: 'nope.txt', old: 'a', new: 'b' }, /^file not found: nope\.txt$/],
      [{ path: 'nodir/nope.txt', old: 'a', new: 'b' }, /^file not found: nodir$/],
      [{ path: 'sub', old: 'a', new: 'b' }, /is a directory/],
      [{ path: 'bin', old: 'a', new: 'b' }, /not UTF-8 text/],
    ];
    for (const [args, pattern] of cases) {
      const r = await s.replace.execute(args, context);
      assert.equal(r.isError, true, JSON.stringify(args));
      assert.match(r.output, pattern);
    }
  });

  test('size caps: a file over maxWriteBytes, and a result over it, are refused', async (t) => {
    const s = setup(t, { maxWriteBytes: 20 });
    writeFileSync(join(s.ws, 'big.txt'), 'x'.repeat(21));
    assert.match(
      (await s.replace.execute({ path: 'big.txt', old: 'x', new: 'y' }, context)).output,
      /is 21 bytes; search_replace edits files of at most 20 bytes/,
    );
    const r = await s.replace.execute({ path: 'notes.txt', old: 'beta', new: 'b'.repeat(10) }, context);
    assert.match(r.output, /the edited file would be 23 bytes; search_replace writes at most 20 bytes/);
    assert.equal(readFileSync(join(s.ws, 'notes.txt'), 'utf8'), 'alpha\nbeta\ngamma\n');
  });

  test('keeps the permission bits of the edited file', async (t) => {
    const s = setup(t);
    chmodSync(join(s.ws, 'notes.txt'), 0o600);
    await s.replace.execute({ path: 'notes.txt', old: 'gamma', new: 'GAMMA' }, context);
    assert.equal(statSync(join(s.ws, 'notes.txt')).mode & 0o777, 0o600);
  });

  test('a file replaced by someone else between the read and the write is not clobbered', async (t) => {
    const s = setup(t);
    const r = await searchReplaceInWorkspace(
      createProtection('r', s.ws),
      { path: 'notes.txt', old: 'beta', new: 'BETA' },
      {
        maxWriteBytes: 1000,
        hooks: {
          beforeRename: () => {
            unlinkSync(join(s.ws, 'notes.txt'));
            writeFileSync(join(s.ws, 'notes.txt'), 'their version');
          },
        },
      },
    );
    assert.equal(r.isError, true);
    assert.match(r.output, /was changed by someone else/);
    assert.equal(readFileSync(join(s.ws, 'notes.txt'), 'utf8'), 'their version');
    assert.deepEqual(leftoverTemps(s.ws), []);
  });
});

describe('grep_search', () => {
  const limits = (over: Partial<GrepLimits> = {}): GrepLimits => ({
    ...DEFAULT_GREP_LIMITS,
    maxReadBytes: 1 << 20,
    ...over,
  });

  test('control: finds a literal; results are "path:line: text" relative to the root, sorted by path', async (t) => {
    const s = setup(t);
    writeFileSync(join(s.ws, 'sub', 'a.txt'), 'const x = 1;\n');
    const r = await s.grep.execute({ pattern: 'x = 1' }, context);
    assert.deepEqual(r, { output: 'sub/a.txt:1: const x = 1;\nsub/code.ts:1: export const x = 1;', isError: false });
    const inSub = await s.grep.execute({ pattern: 'y = 22', path: 'sub' }, context);
    assert.equal(inSub.output, 'sub/code.ts:2: export const y = 22;');
    const oneFile = await s.grep.execute({ pattern: 'gamma', path: 'notes.txt' }, context);
    assert.equal(oneFile.output, 'notes.txt:3: gamma');
  });

  test('a file written by write_file is found by grep_search', async (t) => {
    const s = setup(t);
    await s.write.execute({ path: 'deep/new.md', content: 'one\nneedle here\n' }, context);
    assert.equal((await s.grep.execute({ pattern: 'needle' }, context)).output, 'deep/new.md:2: needle here');
  });

  test('the pattern is literal by default: regex characters match themselves', async (t) => {
    const s = setup(t);
    writeFileSync(join(s.ws, 'r.txt'), 'a.b(c\naxb(c\n');
    assert.equal((await s.grep.execute({ pattern: 'a.b(c' }, context)).output, 'r.txt:1: a.b(c');
    assert.equal(
      (await s.grep.execute({ pattern: 'a.b\\(c', regex: true }, context)).output,
      'r.txt:1: a.b(c\nr.txt:2: axb(c',
    );
    assert.equal(
      (await s.grep.execute({ pattern: 'y = \\d+', regex: true }, context)).output,
      'sub/code.ts:2: export const y = 22;',
    );
  });

  test('no matches says so; .git, binary, large files and symlinks are skipped and counted', async (t) => {
    const s = setup(t, { maxReadBytes: 100 });
    mkdirSync(join(s.ws, '.git'));
    writeFileSync(join(s.ws, '.git', 'config'), 'needle');
    writeFileSync(join(s.ws, 'bin.dat'), Buffer.from('needle\u0000'));
    writeFileSync(join(s.ws, 'latin1.txt'), Buffer.from([0x6e, 0x65, 0x65, 0x64, 0x6c, 0x65, 0xe9]));
    writeFileSync(join(s.ws, 'large.txt'), `needle${'x'.repeat(200)}`);
    symlinkSync('notes.txt', join(s.ws, 'link.txt'));
    const r = await s.grep.execute({ pattern: 'needle' }, context);
    assert.equal(
      r.output,
      'no matches for "needle" in .\n[skipped: 1 files larger than 100 bytes, 2 binary files, 1 symbolic links (never followed)]',
    );
  });

  test('at most 200 matches, then a truncation marker', async (t) => {
    const s = setup(t);
    writeFileSync(join(s.ws, 'many.txt'), 'hit\n'.repeat(500));
    const lines = (await s.grep.execute({ pattern: 'hit' }, context)).output.split('\n');
    assert.equal(lines.length, 201);
    assert.equal(lines[199], 'many.txt:200: hit');
    assert.match(lines[200] as string, /^\[truncated: showing the first 200 matches/);
  });

  test('output is capped at 64 KiB with a marker; long lines are shown cut to 300 characters', async (t) => {
    const s = setup(t);
    writeFileSync(join(s.ws, 'wide.txt'), `${'€'.repeat(400)}\n`.repeat(150));
    const r = await s.grep.execute({ pattern: '€' }, context);
    assert.ok(Buffer.byteLength(r.output) <= 64 * 1024 + 200);
    assert.match(r.output, /\n\[truncated: the results reached 65536 bytes/);
    assert.ok(r.output.split('\n')[0]?.endsWith(`${'€'.repeat(300)}…`));
  });

  test('a huge file is skipped, not read (grep on a file over maxReadBytes)', async (t) => {
    const s = setup(t);
    writeFileSync(join(s.ws, 'huge.log'), `needle\n${'y'.repeat(300 * 1024)}`);
    const r = await s.grep.execute({ pattern: 'needle', path: 'huge.log' }, context);
    assert.equal(r.output, 'no matches for "needle" in huge.log\n[skipped: 1 files larger than 262144 bytes]');
  });

  test('the scan-bytes, entries and time bounds stop the search with a marker', async (t) => {
    const s = setup(t);
    for (let i = 0; i < 30; i++) writeFileSync(join(s.ws, `f${String(i).padStart(2, '0')}.txt`), `needle ${i}\n`);
    const p = createProtection('g', s.ws);
    const args = { pattern: 'needle', path: '.', regex: false };
    const scan = await grepInWorkspace(p, args, { limits: limits({ maxScanBytes: 50 }) });
    assert.match(scan.output, /^f00\.txt:1: needle 0\n.*\n\[stopped: the search read 50 bytes/s);
    const entries = await grepInWorkspace(p, args, { limits: limits({ maxEntries: 5 }) });
    assert.match(entries.output, /\[stopped: the search visited 5 directory entries/);
    const time = await grepInWorkspace(p, args, { limits: limits({ budgetMs: 0 }) });
    assert.match(time.output, /\[stopped: the search took longer than 0 ms/);
  });

  test('only the first 4096 characters of a line are searched (documented bound)', async (t) => {
    const s = setup(t);
    writeFileSync(join(s.ws, 'long.txt'), `${'x'.repeat(5000)}needle\nneedle early\n`);
    assert.equal((await s.grep.execute({ pattern: 'needle' }, context)).output, 'long.txt:2: needle early');
  });

  test('matched lines with control characters, and file names with newlines, cannot forge result lines', async (t) => {
    const s = setup(t);
    writeFileSync(join(s.ws, 'evil\nsecret.txt:1: fake'), 'needle\n');
    writeFileSync(join(s.ws, 'ctl.txt'), 'needle\rfake:1: x\u001b[2J\n');
    const lines = (await s.grep.execute({ pattern: 'needle' }, context)).output.split('\n');
    assert.deepEqual(lines, ['ctl.txt:1: needle\uFFFDfake:1: x\uFFFD[2J', '"evil\\nsecret.txt:1: fake":1: needle']);
  });

  test('catastrophic regex (a+)+$ is refused before running', async (t) => {
    const s = setup(t);
    writeFileSync(join(s.ws, 'a.txt'), `${'a'.repeat(4000)}b\n`);
    const r = await s.grep.execute({ pattern: '(a+)+$', regex: true }, context);
    assert.equal(r.isError, true);
    assert.match(r.output, /nested quantifiers/);
  });

  test('a super-linear regex that passes the static check, (a|aa)+$, is stopped by the time bound', {
    timeout: 60_000,
  }, async (t) => {
    const s = setup(t);
    writeFileSync(join(s.ws, 'a.txt'), `${'a'.repeat(64)}b\n`);
    const p = createProtection('g', s.ws);
    const args = { pattern: '(a|aa)+$', path: '.', regex: true };
    const r = await grepInWorkspace(p, args, { limits: limits({ regexBatchMs: 200 }) });
    assert.equal(r.isError, true);
    assert.match(r.output, /took longer than 200 ms on one batch of lines and was stopped; simplify it/);
    // When the whole-search budget is what runs out, the search stops with a marker instead.
    const budget = await grepInWorkspace(p, args, { limits: limits({ budgetMs: 100 }) });
    assert.equal(budget.isError, false);
    assert.match(budget.output, /\[stopped: the search took longer than 100 ms/);
  });

  test('the default tool refuses (a+)+$ and returns for (a|aa)+$ on a long line (the real defaults)', {
    timeout: 60_000,
  }, async (t) => {
    const s = setup(t);
    writeFileSync(join(s.ws, 'a.txt'), `${'a'.repeat(4000)}b\n`);
    const nested = await s.grep.execute({ pattern: '(a+)+$', regex: true }, context);
    assert.match(nested.output, /refused/);
    const overlapping = await s.grep.execute({ pattern: '(a|aa)+$', regex: true }, context);
    assert.equal(overlapping.isError, true);
    assert.match(overlapping.output, /took longer than 1000 ms/);
  });

  test('invalid, multi-line and over-long patterns are refused with a message', async (t) => {
    const s = setup(t);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ pattern: '(unclosed', regex: true }, /not a valid regular expression/],
      [{ pattern: 'a\nb' }, /line break or control character/],
      [{ pattern: 'x'.repeat(257), regex: true }, /longer than 256 characters/],
      [{ pattern: '(a)\\1', regex: true }, /backreferences/],
      [{ pattern: 'a(?=b)', regex: true }, /lookahead and lookbehind/],
      [{ pattern: 'x', path: 'nope' }, /not found: nope/],
    ];
    for (const [args, pattern] of cases) {
      const r = await s.grep.execute(args, context);
      assert.equal(r.isError, true, JSON.stringify(args));
      assert.match(r.output, pattern);
    }
  });
});

describe('construction of the writing tools', () => {
  test('all five handlers build; schemas are strict with the documented required keys', (t) => {
    const s = setup(t);
    assert.deepEqual(s.write.inputSchema.required, ['path', 'content']);
    assert.deepEqual(s.replace.inputSchema.required, ['path', 'old', 'new']);
    assert.deepEqual(s.grep.inputSchema.required, ['pattern']);
    for (const tool of [s.write, s.replace, s.grep]) assert.equal(tool.inputSchema.additionalProperties, false);
    assert.equal(DEFAULT_MAX_WRITE_BYTES, 1024 * 1024);
  });

  test('bad maxWriteBytes and protectedPaths fail with a ConfigError naming the option', (t) => {
    const s = setup(t);
    const cases: [Parameters<typeof createFileTool>[0], RegExp][] = [
      [{ name: 'w', handler: 'write_file', workspace: s.ws, maxWriteBytes: 0 }, /tools\.w\.max_write_bytes/],
      [{ name: 'w', handler: 'write_file', workspace: s.ws, maxWriteBytes: 2 ** 40 }, /max_write_bytes/],
      [
        { name: 'w', handler: 'write_file', workspace: s.ws, protectedPaths: ['.hector'] },
        /protected_paths: .*is relative/,
      ],
      [{ name: 'w', handler: 'write_file', workspace: s.ws, protectedPaths: [s.base] }, /contains the workspace/],
      [{ name: 'w', handler: 'write_file', workspace: s.ws, protectedPaths: [s.ws] }, /contains the workspace/],
      [{ name: 'w', handler: 'grep_search', workspace: s.ws, protectedPaths: ['x\u0000'] }, /invalid protected path/],
    ];
    for (const [options, pattern] of cases) {
      assert.throws(
        () => createFileTool(options),
        (e: unknown) => e instanceof ConfigError && pattern.test(e.message),
        String(pattern),
      );
    }
  });

  test('a protected path that does not exist yet is protected once it is created', async (t) => {
    const s = setup(t);
    const write = createFileTool({
      name: 'w',
      handler: 'write_file',
      workspace: s.ws,
      protectedPaths: [join(s.ws, 'state', 'db.sqlite')],
    });
    const r = await write.execute({ path: 'state/db.sqlite', content: 'x' }, context);
    assert.match(r.output, /is protected/);
    assert.ok(!existsSync(join(s.ws, 'state')), 'not even its directory was created');
  });
});
