/**
 * Attacker tests for the workspace jail: every path here is something a prompt-injected model could send.
 * The "outside" directory holds a secret; no test may ever see it, and no message may reveal the host path.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Tool, ToolResult } from '../types.ts';
import { createFileTool } from './create-file-tool.ts';
import { openInside } from './jail.ts';
import { tempDirWithFifos } from './test-temp.ts';

const SECRET = 'TOP-SECRET-0xC0FFEE';
const context = { scope: { appId: 'app', userId: 'u' }, agent: 'a', signal: new AbortController().signal };

interface Setup {
  base: string;
  ws: string;
  outside: string;
  /** FIFOs a test created: released before cleanup. */
  fifos: string[];
  read: Tool;
  list: Tool;
}

function setup(t: { after(fn: () => void): void; signal: AbortSignal }): Setup {
  const { base, fifos } = tempDirWithFifos(t, 'hector-jail-');
  const ws = join(base, 'ws');
  const outside = join(base, 'outside');
  mkdirSync(join(ws, 'sub', 'deeper'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), SECRET);
  writeFileSync(join(base, 'secret.txt'), SECRET);
  writeFileSync(join(ws, 'notes.txt'), 'inside notes');
  writeFileSync(join(ws, 'sub', 'deeper', 'inner.txt'), 'inner');
  return {
    base,
    ws,
    outside,
    fifos,
    read: createFileTool({ name: 'read_file', handler: 'read_file', workspace: ws }),
    list: createFileTool({ name: 'list_directory', handler: 'list_directory', workspace: ws }),
  };
}

/** The tool refused: an error result that leaks neither the secret nor any host path. */
function assertRefused(s: Setup, r: ToolResult, pattern: RegExp): void {
  assert.equal(r.isError, true, `expected a refusal, got: ${r.output}`);
  assert.match(r.output, pattern);
  assert.ok(!r.output.includes(SECRET), 'the secret leaked');
  assert.ok(!r.output.includes(s.base), `a host path leaked: ${r.output}`);
  assert.ok(!r.output.includes('root:'), 'a system file leaked');
}

const OUTSIDE = /outside the workspace; use a path relative to the workspace/;
const VIA_LINK = /leads outside the workspace through a symbolic link/;

describe('path traversal with ..', () => {
  for (const path of [
    '../secret.txt',
    '../outside/secret.txt',
    'sub/../../secret.txt',
    'sub/deeper/../../../secret.txt',
    './../secret.txt',
    '..',
    'sub/../..',
  ]) {
    test(`read_file ${JSON.stringify(path)} is refused`, async (t) => {
      const s = setup(t);
      assertRefused(s, await s.read.execute({ path }, context), OUTSIDE);
    });
  }

  test('list_directory ".." and "sub/../.." are refused', async (t) => {
    const s = setup(t);
    assertRefused(s, await s.list.execute({ path: '..' }, context), OUTSIDE);
    assertRefused(s, await s.list.execute({ path: 'sub/../../outside' }, context), OUTSIDE);
  });

  test('.. that stays inside is fine (the check is not a substring match)', async (t) => {
    const s = setup(t);
    assert.deepEqual(await s.read.execute({ path: 'sub/../notes.txt' }, context), {
      output: 'inside notes',
      isError: false,
    });
    assert.deepEqual(await s.read.execute({ path: 'sub/deeper/../deeper/inner.txt' }, context), {
      output: 'inner',
      isError: false,
    });
  });

  for (const path of [
    '..%2fsecret.txt',
    '%2e%2e/secret.txt',
    '%2e%2e%2fsecret.txt',
    '..\\secret.txt',
    '....//secret.txt',
    '．．/secret.txt',
  ]) {
    test(`encoded-looking ${JSON.stringify(path)} is taken literally (no decoding), so it is simply not found`, async (t) => {
      const s = setup(t);
      assertRefused(s, await s.read.execute({ path }, context), /^file not found: /);
    });
  }
});

describe('absolute paths', () => {
  test('/etc/passwd, the secret by absolute path, and even the workspace by absolute path are refused', async (t) => {
    const s = setup(t);
    for (const path of ['/etc/passwd', join(s.outside, 'secret.txt'), join(s.ws, 'notes.txt'), '/', '//etc/passwd']) {
      const r = await s.read.execute({ path }, context);
      assert.equal(r.isError, true);
      assert.match(r.output, /is absolute; use a path relative to the workspace/);
      assert.ok(!r.output.includes(SECRET) && !r.output.includes('root:'));
    }
    const l = await s.list.execute({ path: '/' }, context);
    assert.match(l.output, /is absolute/);
  });

  test('/proc/self/root/... and /proc/self/cwd/... are refused', async (t) => {
    const s = setup(t);
    for (const path of ['/proc/self/root/etc/passwd', '/proc/self/cwd/package.json', '/proc/self/fd/0']) {
      assertRefused(s, await s.read.execute({ path }, context), /is absolute/);
    }
    const r = await s.read.execute({ path: `/proc/self/root${s.outside}/secret.txt` }, context);
    assert.equal(r.isError, true);
    assert.match(r.output, /is absolute/);
    assert.ok(!r.output.includes(SECRET));
  });
});

describe('symbolic links', () => {
  test('a symlinked file pointing outside is refused (absolute and relative targets)', async (t) => {
    const s = setup(t);
    symlinkSync(join(s.outside, 'secret.txt'), join(s.ws, 'abs-link.txt'));
    symlinkSync('../outside/secret.txt', join(s.ws, 'rel-link.txt'));
    symlinkSync('/etc/passwd', join(s.ws, 'passwd'));
    for (const path of ['abs-link.txt', 'rel-link.txt', 'passwd']) {
      assertRefused(s, await s.read.execute({ path }, context), VIA_LINK);
    }
  });

  test('a symlinked directory pointing outside is refused for reading through it and for listing it', async (t) => {
    const s = setup(t);
    symlinkSync(s.outside, join(s.ws, 'out'));
    assertRefused(s, await s.read.execute({ path: 'out/secret.txt' }, context), VIA_LINK);
    assertRefused(s, await s.list.execute({ path: 'out' }, context), VIA_LINK);
    assertRefused(s, await s.list.execute({ path: 'out/' }, context), VIA_LINK);
  });

  test('a nested symlinked parent directory pointing outside is refused', async (t) => {
    const s = setup(t);
    symlinkSync('../../../outside', join(s.ws, 'sub', 'deeper', 'escape'));
    assertRefused(s, await s.read.execute({ path: 'sub/deeper/escape/secret.txt' }, context), VIA_LINK);
    assertRefused(s, await s.list.execute({ path: 'sub/deeper/escape' }, context), VIA_LINK);
  });

  test('a symlink chain that ends outside is refused; one that ends inside works', async (t) => {
    const s = setup(t);
    symlinkSync('l2', join(s.ws, 'l1'));
    symlinkSync('sub/l3', join(s.ws, 'l2'));
    symlinkSync('../../outside/secret.txt', join(s.ws, 'sub', 'l3'));
    assertRefused(s, await s.read.execute({ path: 'l1' }, context), VIA_LINK);

    symlinkSync('k2', join(s.ws, 'k1'));
    symlinkSync('sub/deeper/inner.txt', join(s.ws, 'k2'));
    assert.deepEqual(await s.read.execute({ path: 'k1' }, context), { output: 'inner', isError: false });
  });

  test('a chain that leaves and comes back is allowed only by its real path (the real path is inside)', async (t) => {
    const s = setup(t);
    // ws/back -> ../ws/notes.txt: leaves the workspace lexically, but its real path is inside.
    symlinkSync('../ws/notes.txt', join(s.ws, 'back'));
    assert.deepEqual(await s.read.execute({ path: 'back' }, context), { output: 'inside notes', isError: false });
  });

  test('symlinks to /proc/self/root, /proc/self/cwd and /proc/self/fd are refused', async (t) => {
    const s = setup(t);
    symlinkSync('/proc/self/root', join(s.ws, 'root'));
    symlinkSync('/proc/self/cwd', join(s.ws, 'cwd'));
    symlinkSync('/proc/self/fd', join(s.ws, 'fd'));
    // The host path here is the attacker's own input echoed back; the point is that the secret is not read.
    const viaRoot = await s.read.execute({ path: `root${s.outside}/secret.txt` }, context);
    assert.equal(viaRoot.isError, true);
    assert.match(viaRoot.output, VIA_LINK);
    assert.ok(!viaRoot.output.includes(SECRET));
    assertRefused(s, await s.read.execute({ path: 'root/etc/passwd' }, context), VIA_LINK);
    assertRefused(s, await s.list.execute({ path: 'root' }, context), VIA_LINK);
    assertRefused(s, await s.read.execute({ path: 'cwd/package.json' }, context), VIA_LINK);
    assertRefused(s, await s.list.execute({ path: 'fd' }, context), VIA_LINK);
  });

  test('a symlink loop is refused with a message, not a crash', async (t) => {
    const s = setup(t);
    symlinkSync('loop-b', join(s.ws, 'loop-a'));
    symlinkSync('loop-a', join(s.ws, 'loop-b'));
    assertRefused(s, await s.read.execute({ path: 'loop-a' }, context), /symbolic link that cannot be followed/);
  });

  test('replacing the workspace directory itself with a symlink after construction does not move the jail', async (t) => {
    const s = setup(t);
    writeFileSync(join(s.outside, 'notes.txt'), SECRET);
    renameSync(s.ws, `${s.ws}-old`);
    symlinkSync(s.outside, s.ws);
    assertRefused(s, await s.read.execute({ path: 'notes.txt' }, context), VIA_LINK);
    assertRefused(s, await s.list.execute({ path: '.' }, context), VIA_LINK);
  });
});

describe('NUL bytes and control characters', () => {
  for (const path of [
    'notes.txt\u0000.png',
    '\u0000',
    '../secret.txt\u0000',
    'notes.txt\n',
    'sub\r/x',
    'a\u001bb',
    'x\u007f',
  ]) {
    test(`${JSON.stringify(path)} is refused before touching the filesystem`, async (t) => {
      const s = setup(t);
      assertRefused(s, await s.read.execute({ path }, context), /contains a NUL byte or control characters/);
      assertRefused(s, await s.list.execute({ path }, context), /contains a NUL byte or control characters/);
    });
  }
});

describe('special files', () => {
  test('a FIFO in the workspace is refused without hanging (read and through a symlink)', {
    timeout: 10_000,
  }, async (t) => {
    const s = setup(t);
    s.fifos.push(join(s.ws, 'pipe'));
    const mk = spawnSync('mkfifo', [join(s.ws, 'pipe')]);
    assert.equal(mk.status, 0, 'mkfifo is needed for this test');
    symlinkSync('pipe', join(s.ws, 'pipe-link'));
    assertRefused(s, await s.read.execute({ path: 'pipe' }, context), /not a regular file/);
    assertRefused(s, await s.read.execute({ path: 'pipe-link' }, context), /not a regular file/);
    assertRefused(s, await s.list.execute({ path: 'pipe' }, context), /is not a directory/);
  });

  test('a UNIX socket in the workspace is refused', async (t) => {
    const s = setup(t);
    const server = createServer();
    await new Promise<void>((res) => server.listen(join(s.ws, 'sock'), res));
    t.after(() => server.close());
    assertRefused(s, await s.read.execute({ path: 'sock' }, context), /not a regular file/);
  });

  test('a symlink to a device outside (/dev/zero) is refused', { timeout: 10_000 }, async (t) => {
    const s = setup(t);
    symlinkSync('/dev/zero', join(s.ws, 'zero'));
    assertRefused(s, await s.read.execute({ path: 'zero' }, context), VIA_LINK);
  });

  test('a directory is not read as a file, a file is not listed as a directory', async (t) => {
    const s = setup(t);
    assertRefused(s, await s.read.execute({ path: 'sub' }, context), /"sub" is a directory, not a file/);
    assertRefused(s, await s.read.execute({ path: '.' }, context), /is a directory/);
    assertRefused(s, await s.list.execute({ path: 'notes.txt' }, context), /is a file, not a directory/);
  });
});

describe('missing files and messages', () => {
  test('ENOENT and ENOTDIR become "file not found: <relative path>" without the host path', async (t) => {
    const s = setup(t);
    assertRefused(s, await s.read.execute({ path: 'nope.txt' }, context), /^file not found: nope\.txt$/);
    assertRefused(
      s,
      await s.read.execute({ path: 'sub/./missing.txt' }, context),
      /^file not found: sub\/missing\.txt$/,
    );
    assertRefused(s, await s.read.execute({ path: 'notes.txt/x' }, context), /^file not found: notes\.txt\/x$/);
    assertRefused(s, await s.list.execute({ path: 'nodir' }, context), /^directory not found: nodir$/);
  });

  test('a dangling symlink inside is "not found"', async (t) => {
    const s = setup(t);
    symlinkSync('gone.txt', join(s.ws, 'dangling'));
    assertRefused(s, await s.read.execute({ path: 'dangling' }, context), /^file not found: dangling$/);
  });
});

describe('races between the check and the open (simulated with test hooks)', () => {
  function raceSetup(t: { after(fn: () => void): void; signal: AbortSignal }) {
    const s = setup(t);
    mkdirSync(join(s.ws, 'dir', 'subdir'), { recursive: true });
    mkdirSync(join(s.outside, 'subdir'));
    writeFileSync(join(s.outside, 'subdir', 'outside-only.txt'), SECRET);
    writeFileSync(join(s.ws, 'dir', 'secret.txt'), 'harmless inside copy');
    writeFileSync(join(s.outside, 'f'), SECRET);
    const root = realpathSync(s.ws);
    const swapParentOut = () => {
      renameSync(join(s.ws, 'dir'), join(s.ws, 'dir-real'));
      symlinkSync(s.outside, join(s.ws, 'dir'));
    };
    const swapParentBack = () => {
      unlinkSync(join(s.ws, 'dir'));
      renameSync(join(s.ws, 'dir-real'), join(s.ws, 'dir'));
    };
    return { s, root, swapParentOut, swapParentBack };
  }

  test('a parent directory swapped for a symlink to outside before the open is caught by the re-check', async (t) => {
    const { s, root, swapParentOut } = raceSetup(t);
    const r = await openInside(root, 'dir/secret.txt', 'file', { beforeOpen: swapParentOut });
    assert.equal(r.ok, false);
    if (!r.ok) assertRefused(s, { output: r.message, isError: true }, VIA_LINK);
  });

  test('swapped out before the open and back after it: the inode comparison catches it', async (t) => {
    const { s, root, swapParentOut, swapParentBack } = raceSetup(t);
    const r = await openInside(root, 'dir/secret.txt', 'file', {
      beforeOpen: swapParentOut,
      afterOpen: swapParentBack,
    });
    assert.equal(r.ok, false);
    if (!r.ok) assertRefused(s, { output: r.message, isError: true }, /changed while it was being opened/);
  });

  test('the same swap-out-and-back is caught for directory listings', async (t) => {
    const { s, root, swapParentOut, swapParentBack } = raceSetup(t);
    const r = await openInside(root, 'dir/subdir', 'directory', {
      beforeOpen: swapParentOut,
      afterOpen: swapParentBack,
    });
    assert.equal(r.ok, false);
    if (!r.ok) assertRefused(s, { output: r.message, isError: true }, /changed while it was being opened/);
  });

  test('the final component swapped for a symlink before the open is refused (O_NOFOLLOW)', async (t) => {
    const s = setup(t);
    const root = realpathSync(s.ws);
    const r = await openInside(root, 'notes.txt', 'file', {
      beforeOpen: () => {
        unlinkSync(join(s.ws, 'notes.txt'));
        symlinkSync(join(s.outside, 'secret.txt'), join(s.ws, 'notes.txt'));
      },
    });
    assert.equal(r.ok, false);
    if (!r.ok) assertRefused(s, { output: r.message, isError: true }, /symbolic link that cannot be followed/);
  });

  test('a regular file swapped for a FIFO before the open does not hang and is refused', {
    timeout: 10_000,
  }, async (t) => {
    const s = setup(t);
    const root = realpathSync(s.ws);
    const r = await openInside(root, 'notes.txt', 'file', {
      beforeOpen: () => {
        unlinkSync(join(s.ws, 'notes.txt'));
        s.fifos.push(join(s.ws, 'notes.txt'));
        assert.equal(spawnSync('mkfifo', [join(s.ws, 'notes.txt')]).status, 0);
      },
    });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.message, /not a regular file/);
  });

  test('without interference the same open succeeds (the hooks themselves do not cause refusals)', async (t) => {
    const { root } = raceSetup(t);
    const r = await openInside(root, 'dir/secret.txt', 'file', { beforeOpen: () => {}, afterOpen: () => {} });
    assert.equal(r.ok, true);
    if (r.ok) await r.handle.close();
  });
});
