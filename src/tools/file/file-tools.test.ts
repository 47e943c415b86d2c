/** Behaviour of read_file and list_directory inside the jail, and construction of the tools. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../shared/index.ts';
import { createFileTool, DEFAULT_MAX_READ_BYTES } from './create-file-tool.ts';

const context = { scope: { appId: 'app', userId: 'u' }, agent: 'a', signal: new AbortController().signal };

function tempWs(t: { after(fn: () => void): void }): string {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'hector-file-')));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const ws = join(base, 'ws');
  mkdirSync(ws);
  return ws;
}

function readTool(ws: string, maxReadBytes?: number) {
  return createFileTool({
    name: 'read_file',
    handler: 'read_file',
    workspace: ws,
    ...(maxReadBytes === undefined ? {} : { maxReadBytes }),
  });
}

function listTool(ws: string) {
  return createFileTool({ name: 'list_directory', handler: 'list_directory', workspace: ws });
}

const MARKER = /\n\[truncated: showed bytes (\d+)-(\d+) of (\d+); call read_file with offset=(\d+) to continue\]$/;

describe('read_file', () => {
  test('reads a text file in full when it fits', async (t) => {
    const ws = tempWs(t);
    writeFileSync(join(ws, 'a.txt'), 'héllo wörld\nline 2\n');
    assert.deepEqual(await readTool(ws).execute({ path: 'a.txt' }, context), {
      output: 'héllo wörld\nline 2\n',
      isError: false,
    });
  });

  test('a file larger than maxReadBytes is truncated with a visible marker; paging reconstructs it', async (t) => {
    const ws = tempWs(t);
    const content = Array.from({ length: 2000 }, (_, i) => `line ${i}: ${'é'.repeat(i % 7)}\n`).join('');
    writeFileSync(join(ws, 'big.txt'), content);
    const tool = readTool(ws, 1001); // odd size: cuts land inside 2-byte characters
    let offset = 0;
    let rebuilt = '';
    let calls = 0;
    for (;;) {
      calls++;
      const r = await tool.execute({ path: 'big.txt', offset }, context);
      assert.equal(r.isError, false);
      const m = MARKER.exec(r.output);
      if (!m) {
        rebuilt += r.output;
        break;
      }
      const chunk = r.output.slice(0, m.index);
      assert.ok(Buffer.byteLength(chunk) <= 1001);
      assert.ok(!chunk.includes('\uFFFD'), 'a character was split');
      assert.equal(Number(m[3]), Buffer.byteLength(content));
      rebuilt += chunk;
      offset = Number(m[4]);
    }
    assert.equal(rebuilt, content);
    assert.ok(calls > 10);
  });

  test('the default cap is 256 KiB', async (t) => {
    const ws = tempWs(t);
    writeFileSync(join(ws, 'huge.txt'), 'x'.repeat(DEFAULT_MAX_READ_BYTES * 4));
    const r = await readTool(ws).execute({ path: 'huge.txt' }, context);
    assert.equal(DEFAULT_MAX_READ_BYTES, 262144);
    const m = MARKER.exec(r.output);
    assert.ok(m, 'the truncation marker is present');
    assert.equal(r.output.slice(0, m.index).length, DEFAULT_MAX_READ_BYTES);
    assert.equal(m[4], String(DEFAULT_MAX_READ_BYTES));
  });

  test('offset and limit select a byte range; limit cannot exceed the cap', async (t) => {
    const ws = tempWs(t);
    writeFileSync(join(ws, 'a.txt'), '0123456789');
    const tool = readTool(ws, 4);
    assert.equal(
      (await tool.execute({ path: 'a.txt', offset: 2, limit: 3 }, context)).output,
      '234\n[truncated: showed bytes 2-5 of 10; call read_file with offset=5 to continue]',
    );
    assert.equal((await tool.execute({ path: 'a.txt', offset: 8, limit: 100 }, context)).output, '89');
    assert.match(
      (await tool.execute({ path: 'a.txt', limit: 100 }, context)).output,
      /^0123\n\[truncated: showed bytes 0-4 of 10/,
    );
    assert.equal(
      (await tool.execute({ path: 'a.txt', offset: 10 }, context)).output,
      '[end of file: a.txt has 10 bytes]',
    );
    const past = await tool.execute({ path: 'a.txt', offset: 11 }, context);
    assert.equal(past.isError, true);
    assert.match(past.output, /offset 11 is past the end of "a.txt" \(10 bytes\)/);
  });

  test('an offset in the middle of a character starts at the next character', async (t) => {
    const ws = tempWs(t);
    writeFileSync(join(ws, 'u.txt'), '€uro'); // € is 3 bytes
    assert.deepEqual(await readTool(ws).execute({ path: 'u.txt', offset: 1 }, context), {
      output: 'uro',
      isError: false,
    });
  });

  test('an empty file says so', async (t) => {
    const ws = tempWs(t);
    writeFileSync(join(ws, 'e.txt'), '');
    assert.deepEqual(await readTool(ws).execute({ path: 'e.txt' }, context), {
      output: '[empty file: e.txt has 0 bytes]',
      isError: false,
    });
  });

  test('binary files are refused: NUL bytes, invalid UTF-8, a PNG header', async (t) => {
    const ws = tempWs(t);
    writeFileSync(join(ws, 'nul.bin'), Buffer.from('text\u0000more'));
    writeFileSync(join(ws, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x21])); // "café !" in latin-1
    writeFileSync(join(ws, 'img.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    for (const path of ['nul.bin', 'latin1.txt', 'img.png']) {
      const r = await readTool(ws).execute({ path }, context);
      assert.equal(r.isError, true, path);
      assert.match(r.output, /is not UTF-8 text \(it looks binary\); read_file only returns text files/);
    }
  });

  test('calling execute directly with bad arguments gives an error result, not a read', async (t) => {
    const ws = tempWs(t);
    const r = await readTool(ws).execute({ path: 'a.txt', mode: 'w' }, context);
    assert.equal(r.isError, true);
    assert.match(r.output, /invalid arguments for tool "read_file"/);
  });

  test('a symlink inside the workspace to a file inside works', async (t) => {
    const ws = tempWs(t);
    writeFileSync(join(ws, 'real.txt'), 'real');
    symlinkSync('real.txt', join(ws, 'alias.txt'));
    assert.deepEqual(await readTool(ws).execute({ path: 'alias.txt' }, context), { output: 'real', isError: false });
  });
});

describe('list_directory', () => {
  test('one sorted entry per line; directories end with /, symlinks with @', async (t) => {
    const ws = tempWs(t);
    writeFileSync(join(ws, 'b.txt'), '');
    writeFileSync(join(ws, 'A.txt'), '');
    mkdirSync(join(ws, 'c-dir'));
    mkdirSync(join(ws, 'a-dir'));
    symlinkSync('/etc', join(ws, 'etc-link'));
    writeFileSync(join(ws, 'c-dir', 'inner.txt'), '');
    const tool = listTool(ws);
    assert.deepEqual(await tool.execute({}, context), {
      output: 'A.txt\na-dir/\nb.txt\nc-dir/\netc-link@',
      isError: false,
    });
    assert.deepEqual(await tool.execute({ path: 'c-dir' }, context), { output: 'inner.txt', isError: false });
    assert.deepEqual(await tool.execute({ path: 'c-dir/' }, context), { output: 'inner.txt', isError: false });
  });

  test('an empty directory says so', async (t) => {
    const ws = tempWs(t);
    mkdirSync(join(ws, 'empty'));
    assert.deepEqual(await listTool(ws).execute({ path: 'empty' }, context), {
      output: '[empty directory]',
      isError: false,
    });
  });

  test('more than 1000 entries: the first 1000 by name, then a marker', async (t) => {
    const ws = tempWs(t);
    for (let i = 0; i < 2600; i++) writeFileSync(join(ws, `f${String(i).padStart(5, '0')}`), '');
    const r = await listTool(ws).execute({}, context);
    const lines = r.output.split('\n');
    assert.equal(lines.length, 1001);
    assert.equal(lines[0], 'f00000');
    assert.equal(lines[999], 'f00999');
    assert.equal(lines[1000], '[truncated: showing the first 1000 of 2600 entries, sorted by name]');
  });

  test('a file name with a newline cannot forge extra lines', async (t) => {
    const ws = tempWs(t);
    writeFileSync(join(ws, 'evil\nsecret.txt'), '');
    writeFileSync(join(ws, 'ok.txt'), '');
    const r = await listTool(ws).execute({}, context);
    assert.deepEqual(r.output.split('\n'), ['"evil\\nsecret.txt"', 'ok.txt']);
  });
});

describe('createFileTool construction', () => {
  test('a missing workspace is created with mode 0700, including parents', (t) => {
    const ws = join(tempWs(t), 'new', 'nested');
    readTool(ws);
    const st = statSync(ws);
    assert.ok(st.isDirectory());
    assert.equal(st.mode & 0o777, 0o700);
  });

  test('bad options fail with a ConfigError naming the option', (t) => {
    const ws = tempWs(t);
    writeFileSync(join(ws, 'file'), '');
    const cases: [Parameters<typeof createFileTool>[0], RegExp][] = [
      [{ name: 'r', handler: 'read_file', workspace: 'relative/ws' }, /tools\.r\.workspace: .*is relative/],
      [{ name: 'r', handler: 'read_file', workspace: '' }, /workspace path is empty/],
      [{ name: 'r', handler: 'read_file', workspace: join(ws, 'file') }, /is not a directory/],
      [{ name: 'r', handler: 'read_file', workspace: '/' }, /must not be the filesystem root/],
      [{ name: 'r', handler: 'read_file', workspace: `${ws}\u0000x` }, /control characters/],
      [{ name: 'r', handler: 'read_file', workspace: ws, maxReadBytes: 0 }, /max_read_bytes/],
      [{ name: 'r', handler: 'read_file', workspace: ws, maxReadBytes: 1.5 }, /max_read_bytes/],
      [{ name: 'r', handler: 'exec_file' as 'read_file', workspace: ws }, /unknown file handler "exec_file"/],
    ];
    for (const [options, pattern] of cases) {
      assert.throws(
        () => createFileTool(options),
        (e: unknown) => e instanceof ConfigError && pattern.test(e.message),
      );
    }
  });

  test('the input schemas are strict JSON Schemas without $schema; list_directory path is optional', (t) => {
    const ws = tempWs(t);
    const read = readTool(ws).inputSchema;
    assert.equal(read.type, 'object');
    assert.equal(read.additionalProperties, false);
    assert.deepEqual(read.required, ['path']);
    assert.equal('$schema' in read, false);
    const list = listTool(ws).inputSchema;
    assert.equal(list.additionalProperties, false);
    assert.equal(list.required, undefined);
  });

  test('a custom description replaces the built-in one', (t) => {
    const tool = createFileTool({
      name: 'docs',
      handler: 'list_directory',
      workspace: tempWs(t),
      description: 'Docs.',
    });
    assert.equal(tool.name, 'docs');
    assert.equal(tool.description, 'Docs.');
  });
});
