/**
 * Path-escape attacks against all five file tools, as a prompt-injected model would send them. Every case asserts
 * the EFFECT: the canary files outside the workspace (a sibling `ws2`, an `outside` directory with an empty `trap`
 * directory, a config directory with a protected `.env`) and the secrets inside it (`.env`, `.git/config`,
 * `.hector`) are byte-for-byte unchanged, the trap stays empty, and neither the canary secret nor `/etc/passwd`
 * ever appears in a tool's output.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Tool, ToolResult } from '../types.ts';
import { createFileTool, type FileHandlerName } from './create-file-tool.ts';
import { tempDirWithFifos } from './test-temp.ts';

const SECRET = 'CANARY-SECRET-7f3a9c';
const PASSWD_FIRST_LINE = readFileSync('/etc/passwd', 'utf8').split('\n')[0] as string;
const GIT_CONFIG = '[core]\n\trepositoryformatversion = 0\n';
const context = { scope: { appId: 'app', userId: 'u' }, agent: 'a', signal: new AbortController().signal };

interface Fx {
  base: string;
  ws: string;
  ws2: string;
  outside: string;
  trap: string;
  config: string;
  fifos: string[];
  tools: Record<FileHandlerName, Tool>;
}

type T = { after(fn: () => void | Promise<void>): void; signal: AbortSignal };

function fixture(t: T, options: { maxWriteBytes?: number; maxReadBytes?: number } = {}): Fx {
  const { base, fifos } = tempDirWithFifos(t, 'hector-escape-');
  const ws = join(base, 'ws');
  const ws2 = join(base, 'ws2');
  const outside = join(base, 'outside');
  const trap = join(outside, 'trap');
  const config = join(base, 'config');
  for (const d of [join(ws, 'sub'), join(ws, '.git', 'hooks'), join(ws, '.hector'), ws2, trap, config]) {
    mkdirSync(d, { recursive: true });
  }
  writeFileSync(join(ws, 'notes.txt'), 'inside notes\n');
  writeFileSync(join(ws, 'sub', 'code.ts'), 'export const x = 1;\n');
  writeFileSync(join(ws, '.git', 'config'), GIT_CONFIG);
  writeFileSync(join(ws, '.env'), `API_KEY=${SECRET}\n`);
  writeFileSync(join(ws, 'sub', '.env.local'), `TOKEN=${SECRET}\n`);
  writeFileSync(join(ws, '.hector', 'state.db'), `state ${SECRET}\n`);
  writeFileSync(join(ws2, 'secret.txt'), `${SECRET} sibling\n`);
  writeFileSync(join(outside, 'secret.txt'), `${SECRET} outside OLD\n`);
  writeFileSync(join(config, '.env'), `OPENAI_API_KEY=${SECRET}\n`);
  writeFileSync(join(config, 'hector.yaml'), `version: "2"\n# ${SECRET}\n`);
  const make = (handler: FileHandlerName) =>
    createFileTool({
      name: handler,
      handler,
      workspace: ws,
      protectedPaths: [join(ws, '.hector'), join(config, '.env'), join(config, 'hector.yaml')],
      ...options,
    });
  return {
    base,
    ws,
    ws2,
    outside,
    trap,
    config,
    fifos,
    tools: {
      read_file: make('read_file'),
      list_directory: make('list_directory'),
      write_file: make('write_file'),
      search_replace: make('search_replace'),
      grep_search: make('grep_search'),
    },
  };
}

/** Every file and directory that must not change: everything outside the workspace plus the secrets inside it. */
function snapshot(fx: Fx): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        out.set(`${p}/`, 'dir');
        walk(p);
      } else if (st.isSymbolicLink()) out.set(p, 'symlink');
      else if (st.isFile()) out.set(p, readFileSync(p, 'utf8'));
      else out.set(p, 'special');
    }
  };
  for (const d of [fx.ws2, fx.outside, fx.config, join(fx.ws, '.git'), join(fx.ws, '.hector')]) walk(d);
  for (const f of [join(fx.ws, '.env'), join(fx.ws, 'sub', '.env.local')]) out.set(f, readFileSync(f, 'utf8'));
  return out;
}

function assertNoLeak(r: ToolResult): void {
  assert.ok(!r.output.includes(SECRET), `the canary secret leaked: ${r.output}`);
  assert.ok(!r.output.includes(PASSWD_FIRST_LINE), `/etc/passwd leaked: ${r.output}`);
  assert.ok(!r.output.includes('root:x:0:0'), `/etc/passwd leaked: ${r.output}`);
}

interface Case {
  name: string;
  tool: FileHandlerName;
  args: (fx: Fx) => Record<string, unknown>;
  prepare?: (fx: Fx) => void;
  /** Default: the call must be refused (isError). */
  allowed?: boolean;
  /** Matched against the refusal message. */
  message?: RegExp;
  /** Extra effect checks. */
  check?: (fx: Fx, r: ToolResult) => void;
  options?: { maxWriteBytes?: number; maxReadBytes?: number };
}

const W = 'pwned.txt';
const OUT_LINK = /symbolic link|leads outside the workspace/;
const OUTSIDE = /outside the workspace/;
const ABSOLUTE = /is absolute/;
const SECRET_FILE = /\.env file/;
const PROTECTED = /is protected/;
const GIT = /inside a \.git directory/;

const cases: Case[] = [
  // ---- write_file ----
  {
    name: 'write_file: absolute path into the trap directory',
    tool: 'write_file',
    args: (fx) => ({ path: join(fx.trap, W), content: 'x' }),
    message: ABSOLUTE,
  },
  {
    name: 'write_file: absolute path through /proc/self/root',
    tool: 'write_file',
    args: (fx) => ({ path: `/proc/self/root${fx.trap}/${W}`, content: 'x' }),
    message: ABSOLUTE,
  },
  {
    name: 'write_file: ../ into the trap',
    tool: 'write_file',
    args: () => ({ path: `../outside/trap/${W}`, content: 'x' }),
    message: OUTSIDE,
  },
  {
    name: 'write_file: nested sub/../../ into the trap',
    tool: 'write_file',
    args: () => ({ path: `sub/../../outside/trap/${W}`, content: 'x' }),
    message: OUTSIDE,
  },
  {
    name: 'write_file: nested through missing directories a/b/../../../',
    tool: 'write_file',
    args: () => ({ path: `a/b/../../../outside/trap/${W}`, content: 'x' }),
    message: OUTSIDE,
    check: (fx) => assert.ok(!existsSync(join(fx.ws, 'a')), 'no directory was created on the way'),
  },
  {
    name: 'write_file: overwrite the outside secret with ../',
    tool: 'write_file',
    args: () => ({ path: '../outside/secret.txt', content: 'overwritten' }),
    message: OUTSIDE,
  },
  {
    name: 'write_file: encoded %2e%2e%2f is a literal file name inside the workspace',
    tool: 'write_file',
    args: () => ({ path: '%2e%2e%2foutside%2ftrap%2fpwned.txt', content: 'x' }),
    allowed: true,
    check: (fx) => assert.equal(readFileSync(join(fx.ws, '%2e%2e%2foutside%2ftrap%2fpwned.txt'), 'utf8'), 'x'),
  },
  {
    name: 'write_file: encoded %2e%2e/ creates literal directories inside the workspace',
    tool: 'write_file',
    args: () => ({ path: '%2e%2e/outside/trap/pwned.txt', content: 'x' }),
    allowed: true,
    check: (fx) => assert.equal(readFileSync(join(fx.ws, '%2e%2e', 'outside', 'trap', W), 'utf8'), 'x'),
  },
  {
    name: 'write_file: backslash traversal ..\\ is a literal name on Linux',
    tool: 'write_file',
    args: () => ({ path: '..\\outside\\trap\\pwned.txt', content: 'x' }),
    allowed: true,
    check: (fx) => assert.ok(existsSync(join(fx.ws, '..\\outside\\trap\\pwned.txt'))),
  },
  {
    name: 'write_file: NUL byte hiding a traversal',
    tool: 'write_file',
    args: () => ({ path: `${W}\u0000/../../outside/trap/x`, content: 'x' }),
    message: /NUL byte or control characters/,
    check: (fx) => assert.ok(!existsSync(join(fx.ws, W))),
  },
  {
    name: 'write_file: sibling-prefix directory ../ws2/',
    tool: 'write_file',
    args: () => ({ path: `../ws2/${W}`, content: 'x' }),
    message: OUTSIDE,
  },
  {
    name: 'write_file: symlinked file pointing outside',
    tool: 'write_file',
    prepare: (fx) => symlinkSync(join(fx.outside, 'secret.txt'), join(fx.ws, 'link.txt')),
    args: () => ({ path: 'link.txt', content: 'overwritten' }),
    message: /is a symbolic link/,
    check: (fx) => assert.ok(lstatSync(join(fx.ws, 'link.txt')).isSymbolicLink()),
  },
  {
    name: 'write_file: symlinked directory pointing outside',
    tool: 'write_file',
    prepare: (fx) => symlinkSync(fx.trap, join(fx.ws, 'out')),
    args: () => ({ path: `out/${W}`, content: 'x' }),
    message: /"out" is a symbolic link/,
  },
  {
    name: 'write_file: symlink in a parent component (sub/deep -> ../../outside)',
    tool: 'write_file',
    prepare: (fx) => symlinkSync('../../outside', join(fx.ws, 'sub', 'deep')),
    args: () => ({ path: `sub/deep/trap/${W}`, content: 'x' }),
    message: /"sub\/deep" is a symbolic link/,
  },
  {
    name: 'write_file: symlink to a sibling-prefix directory (ws2)',
    tool: 'write_file',
    prepare: (fx) => symlinkSync('../ws2', join(fx.ws, 'ws2-link')),
    args: () => ({ path: 'ws2-link/secret.txt', content: 'overwritten' }),
    message: /symbolic link/,
  },
  {
    name: 'write_file: dangling symlink to a new file in the trap',
    tool: 'write_file',
    prepare: (fx) => symlinkSync('../outside/trap/new.txt', join(fx.ws, 'dangle')),
    args: () => ({ path: 'dangle', content: 'x' }),
    message: /is a symbolic link/,
  },
  {
    name: 'write_file: dangling symlink to a new directory in the trap',
    tool: 'write_file',
    prepare: (fx) => symlinkSync('../outside/trap/newdir', join(fx.ws, 'dd')),
    args: () => ({ path: 'dd/x.txt', content: 'x' }),
    message: /is a symbolic link/,
  },
  {
    name: 'write_file: .git/config',
    tool: 'write_file',
    args: () => ({ path: '.git/config', content: '[core]\n\tfsmonitor = touch /tmp/pwned\n' }),
    message: GIT,
  },
  {
    name: 'write_file: .git/hooks/pre-commit',
    tool: 'write_file',
    args: () => ({ path: '.git/hooks/pre-commit', content: '#!/bin/sh\ntouch /tmp/pwned\n' }),
    message: GIT,
  },
  {
    name: 'write_file: .git via a path that only normalises to it (sub/../.git/config)',
    tool: 'write_file',
    args: () => ({ path: 'sub/../.git/config', content: 'x' }),
    message: GIT,
  },
  {
    name: 'write_file: upper-case .GIT/hooks (case-insensitive filesystems)',
    tool: 'write_file',
    args: () => ({ path: '.GIT/hooks/post-checkout', content: 'x' }),
    message: GIT,
    check: (fx) => assert.ok(!existsSync(join(fx.ws, '.GIT'))),
  },
  {
    name: 'write_file: a nested sub/.git file redirecting git (gitdir:)',
    tool: 'write_file',
    args: () => ({ path: 'sub/.git', content: 'gitdir: ../evil\n' }),
    message: GIT,
    check: (fx) => assert.ok(!existsSync(join(fx.ws, 'sub', '.git'))),
  },
  {
    name: 'write_file: .env',
    tool: 'write_file',
    args: () => ({ path: '.env', content: 'API_KEY=attacker\n' }),
    message: SECRET_FILE,
  },
  {
    name: 'write_file: sub/.env.local',
    tool: 'write_file',
    args: () => ({ path: 'sub/.env.local', content: 'x' }),
    message: SECRET_FILE,
  },
  {
    name: 'write_file: a new .env.production at depth',
    tool: 'write_file',
    args: () => ({ path: 'a/b/.env.production', content: 'x' }),
    message: SECRET_FILE,
    check: (fx) => assert.ok(!existsSync(join(fx.ws, 'a'))),
  },
  {
    name: 'write_file: protected path (.hector/state.db)',
    tool: 'write_file',
    args: () => ({ path: '.hector/state.db', content: 'x' }),
    message: PROTECTED,
  },
  {
    name: 'write_file: new file under a protected directory (.hector/new)',
    tool: 'write_file',
    args: () => ({ path: '.hector/new/file', content: 'x' }),
    message: PROTECTED,
  },
  {
    name: 'write_file: hard link to a protected file outside (config/.env) is not written',
    tool: 'write_file',
    prepare: (fx) => linkSync(join(fx.config, '.env'), join(fx.ws, 'env-hardlink')),
    args: () => ({ path: 'env-hardlink', content: 'OPENAI_API_KEY=attacker\n' }),
    message: PROTECTED,
  },
  {
    name: 'write_file: more than maxWriteBytes is refused and nothing is created',
    tool: 'write_file',
    args: () => ({ path: 'huge.txt', content: 'x'.repeat(1024 * 1024 + 1) }),
    message: /at most 1048576 bytes/,
    check: (fx) => assert.ok(!existsSync(join(fx.ws, 'huge.txt'))),
  },
  {
    name: 'write_file: a FIFO target is refused without hanging',
    tool: 'write_file',
    prepare: (fx) => {
      fx.fifos.push(join(fx.ws, 'pipe'));
      assert.equal(spawnSync('mkfifo', [join(fx.ws, 'pipe')]).status, 0);
    },
    args: () => ({ path: 'pipe', content: 'x' }),
    message: /not a regular file/,
  },
  {
    name: 'write_file: the workspace root and a trailing slash name directories',
    tool: 'write_file',
    args: () => ({ path: 'sub/', content: 'x' }),
    message: /names a directory/,
  },
  // ---- search_replace ----
  {
    name: 'search_replace: ../outside/secret.txt',
    tool: 'search_replace',
    args: () => ({ path: '../outside/secret.txt', old: 'OLD', new: 'NEW' }),
    message: OUTSIDE,
  },
  {
    name: 'search_replace: absolute path of the outside secret',
    tool: 'search_replace',
    args: (fx) => ({ path: join(fx.outside, 'secret.txt'), old: 'OLD', new: 'NEW' }),
    message: ABSOLUTE,
  },
  {
    name: 'search_replace: sibling-prefix ../ws2/secret.txt',
    tool: 'search_replace',
    args: () => ({ path: '../ws2/secret.txt', old: 'sibling', new: 'x' }),
    message: OUTSIDE,
  },
  {
    name: 'search_replace: symlinked file pointing outside',
    tool: 'search_replace',
    prepare: (fx) => symlinkSync('../outside/secret.txt', join(fx.ws, 'link.txt')),
    args: () => ({ path: 'link.txt', old: 'OLD', new: 'NEW' }),
    message: /is a symbolic link/,
  },
  {
    name: 'search_replace: a symlink to a file inside is not edited through either',
    tool: 'search_replace',
    prepare: (fx) => symlinkSync('notes.txt', join(fx.ws, 'alias.txt')),
    args: () => ({ path: 'alias.txt', old: 'inside', new: 'changed' }),
    message: /is a symbolic link/,
    check: (fx) => assert.equal(readFileSync(join(fx.ws, 'notes.txt'), 'utf8'), 'inside notes\n'),
  },
  {
    name: 'search_replace: through a symlinked directory pointing outside',
    tool: 'search_replace',
    prepare: (fx) => symlinkSync(fx.outside, join(fx.ws, 'out')),
    args: () => ({ path: 'out/secret.txt', old: 'OLD', new: 'NEW' }),
    message: /symbolic link/,
  },
  {
    name: 'search_replace: .env',
    tool: 'search_replace',
    args: () => ({ path: '.env', old: 'API_KEY', new: 'X' }),
    message: SECRET_FILE,
  },
  {
    name: 'search_replace: .git/config',
    tool: 'search_replace',
    args: () => ({ path: '.git/config', old: 'repositoryformatversion = 0', new: 'fsmonitor = touch /tmp/x' }),
    message: GIT,
  },
  {
    name: 'search_replace: protected .hector/state.db',
    tool: 'search_replace',
    args: () => ({ path: '.hector/state.db', old: 'state', new: 'x' }),
    message: PROTECTED,
  },
  {
    name: 'search_replace: hard link to a protected file outside (config/.env)',
    tool: 'search_replace',
    prepare: (fx) => linkSync(join(fx.config, '.env'), join(fx.ws, 'env-hardlink')),
    args: () => ({ path: 'env-hardlink', old: 'OPENAI', new: 'X' }),
    message: PROTECTED,
  },
  // ---- read_file ----
  {
    name: 'read_file: /etc/passwd',
    tool: 'read_file',
    args: () => ({ path: '/etc/passwd' }),
    message: ABSOLUTE,
  },
  {
    name: 'read_file: ../outside/secret.txt',
    tool: 'read_file',
    args: () => ({ path: '../outside/secret.txt' }),
    message: OUTSIDE,
  },
  {
    name: 'read_file: sibling-prefix ../ws2/secret.txt',
    tool: 'read_file',
    args: () => ({ path: '../ws2/secret.txt' }),
    message: OUTSIDE,
  },
  {
    name: 'read_file: encoded %2e%2e%2f is not decoded',
    tool: 'read_file',
    args: () => ({ path: '%2e%2e%2foutside%2fsecret.txt' }),
    message: /file not found/,
  },
  {
    name: 'read_file: NUL byte',
    tool: 'read_file',
    args: () => ({ path: 'notes.txt\u0000../../outside/secret.txt' }),
    message: /NUL byte/,
  },
  {
    name: 'read_file: symlink to /etc/passwd',
    tool: 'read_file',
    prepare: (fx) => symlinkSync('/etc/passwd', join(fx.ws, 'passwd')),
    args: () => ({ path: 'passwd' }),
    message: OUT_LINK,
  },
  {
    name: 'read_file: .env',
    tool: 'read_file',
    args: () => ({ path: '.env' }),
    message: SECRET_FILE,
  },
  {
    name: 'read_file: sub/.env.local',
    tool: 'read_file',
    args: () => ({ path: 'sub/.env.local' }),
    message: SECRET_FILE,
  },
  {
    name: 'read_file: an innocent-looking symlink to .env inside the workspace',
    tool: 'read_file',
    prepare: (fx) => symlinkSync('.env', join(fx.ws, 'README')),
    args: () => ({ path: 'README' }),
    message: SECRET_FILE,
  },
  {
    name: 'read_file: protected .hector/state.db',
    tool: 'read_file',
    args: () => ({ path: '.hector/state.db' }),
    message: PROTECTED,
  },
  {
    name: 'read_file: hard link to the protected config/.env',
    tool: 'read_file',
    prepare: (fx) => linkSync(join(fx.config, '.env'), join(fx.ws, 'env-hardlink')),
    args: () => ({ path: 'env-hardlink' }),
    message: PROTECTED,
  },
  // ---- list_directory ----
  {
    name: 'list_directory: ..',
    tool: 'list_directory',
    args: () => ({ path: '..' }),
    message: OUTSIDE,
  },
  {
    name: 'list_directory: sibling-prefix ../ws2',
    tool: 'list_directory',
    args: () => ({ path: '../ws2' }),
    message: OUTSIDE,
  },
  {
    name: 'list_directory: /etc',
    tool: 'list_directory',
    args: () => ({ path: '/etc' }),
    message: ABSOLUTE,
  },
  {
    name: 'list_directory: symlinked directory pointing outside',
    tool: 'list_directory',
    prepare: (fx) => symlinkSync(fx.outside, join(fx.ws, 'out')),
    args: () => ({ path: 'out' }),
    message: OUT_LINK,
  },
  {
    name: 'list_directory: protected .hector',
    tool: 'list_directory',
    args: () => ({ path: '.hector' }),
    message: PROTECTED,
  },
  // ---- grep_search ----
  {
    name: 'grep_search: path ..',
    tool: 'grep_search',
    args: () => ({ pattern: SECRET, path: '..' }),
    message: OUTSIDE,
  },
  {
    name: 'grep_search: sibling-prefix path ../ws2',
    tool: 'grep_search',
    args: () => ({ pattern: SECRET, path: '../ws2' }),
    message: OUTSIDE,
  },
  {
    name: 'grep_search: absolute path /etc',
    tool: 'grep_search',
    args: () => ({ pattern: 'root', path: '/etc' }),
    message: ABSOLUTE,
  },
  {
    name: 'grep_search: encoded %2e%2e path is not decoded',
    tool: 'grep_search',
    args: () => ({ pattern: SECRET, path: '%2e%2e' }),
    message: /not found/,
  },
  {
    name: 'grep_search: start path is a symlinked directory pointing outside',
    tool: 'grep_search',
    prepare: (fx) => symlinkSync(fx.outside, join(fx.ws, 'out')),
    args: () => ({ pattern: SECRET, path: 'out' }),
    message: OUT_LINK,
  },
  {
    name: 'grep_search: does not follow a symlinked directory inside the tree',
    tool: 'grep_search',
    prepare: (fx) => symlinkSync('../../outside', join(fx.ws, 'sub', 'escape')),
    args: () => ({ pattern: 'CANARY' }),
    allowed: true,
    check: (_fx, r) =>
      assert.match(r.output, /^no matches for "CANARY" in \.\n\[skipped: 1 symbolic links \(never followed\)\]$/),
  },
  {
    name: 'grep_search: does not follow a symlinked file to /etc/passwd',
    tool: 'grep_search',
    prepare: (fx) => symlinkSync('/etc/passwd', join(fx.ws, 'sub', 'pw')),
    args: () => ({ pattern: 'root' }),
    allowed: true,
    check: (_fx, r) => assert.match(r.output, /^no matches/),
  },
  {
    name: 'grep_search: never finds secrets in .env, .env.local or protected paths',
    tool: 'grep_search',
    args: () => ({ pattern: 'CANARY-SECRET' }),
    allowed: true,
    check: (_fx, r) => assert.match(r.output, /^no matches for /),
  },
  {
    name: 'grep_search: a regex for the secret finds nothing either',
    tool: 'grep_search',
    args: () => ({ pattern: 'CANARY-[A-Z]+-[0-9a-f]+', regex: true }),
    allowed: true,
    check: (_fx, r) => assert.match(r.output, /^no matches for /),
  },
  {
    name: 'grep_search: start path .env',
    tool: 'grep_search',
    args: () => ({ pattern: 'API_KEY', path: '.env' }),
    message: SECRET_FILE,
  },
  {
    name: 'grep_search: start path sub/.env.local',
    tool: 'grep_search',
    args: () => ({ pattern: 'TOKEN', path: 'sub/.env.local' }),
    message: SECRET_FILE,
  },
  {
    name: 'grep_search: start path in a protected directory',
    tool: 'grep_search',
    args: () => ({ pattern: 'state', path: '.hector' }),
    message: PROTECTED,
  },
  {
    name: 'grep_search: skips a hard link to the protected config/.env inside the tree',
    tool: 'grep_search',
    prepare: (fx) => linkSync(join(fx.config, '.env'), join(fx.ws, 'sub', 'env-hardlink')),
    args: () => ({ pattern: 'OPENAI_API_KEY' }),
    allowed: true,
    check: (_fx, r) => assert.match(r.output, /^no matches/),
  },
];

describe('path escapes (one test per technique; effects asserted)', () => {
  for (const c of cases) {
    test(c.name, { timeout: 20_000 }, async (t) => {
      const fx = fixture(t, c.options);
      c.prepare?.(fx);
      const before = snapshot(fx);
      const r = await fx.tools[c.tool].execute(c.args(fx), context);
      assertNoLeak(r);
      if (c.allowed) assert.equal(r.isError, false, `expected success, got: ${r.output}`);
      else {
        assert.equal(r.isError, true, `expected a refusal, got: ${r.output}`);
        if (c.message) assert.match(r.output, c.message);
      }
      assert.deepEqual(snapshot(fx), before, 'something outside the workspace, or a secret inside it, changed');
      assert.deepEqual(readdirSync(fx.trap), [], 'the trap directory received a file');
      c.check?.(fx, r);
    });
  }

  test('the workspace root itself is not a file: write_file "." is refused', async (t) => {
    const fx = fixture(t);
    const r = await fx.tools.write_file.execute({ path: '.', content: 'x' }, context);
    assert.equal(r.isError, true);
    assert.match(r.output, /names a directory/);
  });
});

describe('hard links (documented limitation of the jail)', () => {
  // A hard link inside the workspace to an unprotected file outside is indistinguishable from a file inside, so
  // read_file can read it (see jail.ts; the command sandbox cannot create such links: link(2) across its bind
  // mounts fails with EXDEV). What the writing tools guarantee: they replace the LINK, never the file behind it.
  test('write_file over a hard link to an outside file replaces the link; the outside file is unchanged', async (t) => {
    const fx = fixture(t);
    linkSync(join(fx.outside, 'secret.txt'), join(fx.ws, 'hl.txt'));
    const before = snapshot(fx);
    const r = await fx.tools.write_file.execute({ path: 'hl.txt', content: 'new content' }, context);
    assert.equal(r.isError, false, r.output);
    assert.deepEqual(snapshot(fx), before);
    assert.equal(readFileSync(join(fx.ws, 'hl.txt'), 'utf8'), 'new content');
    assert.equal(lstatSync(join(fx.outside, 'secret.txt')).nlink, 1);
  });

  test('search_replace on a hard link to an outside file edits a copy; the outside file is unchanged', async (t) => {
    const fx = fixture(t);
    linkSync(join(fx.outside, 'secret.txt'), join(fx.ws, 'hl.txt'));
    const before = snapshot(fx);
    const r = await fx.tools.search_replace.execute({ path: 'hl.txt', old: 'OLD', new: 'NEW' }, context);
    assert.equal(r.isError, false, r.output);
    assert.deepEqual(snapshot(fx), before);
    assert.equal(lstatSync(join(fx.outside, 'secret.txt')).nlink, 1);
  });
});

/**
 * Real races: a separate process flips `ws/d` between a real directory and a symbolic link to the trap (or to
 * a directory outside with a canary file) as fast as it can, while the tools run many times. Bounded: the flipper
 * stops after MAX_FLIPS or when killed at the end of the test.
 */
describe('races: a directory swapped for a symlink while the tools run', () => {
  const RUNS = 300;
  const MAX_FLIPS = 5_000_000;
  // Each state is held for a varying few microseconds so that the windows of a check-then-use implementation are
  // hit: a naive "realpath the parent, then writeFile the path" lands files in the trap a few times per 300 runs.
  const FLIPPER = `
    const fs = require('node:fs');
    const [d, real, target, max] = process.argv.slice(1);
    const hold = (us) => { const end = process.hrtime.bigint() + BigInt(us) * 1000n; while (process.hrtime.bigint() < end); };
    process.stdout.write('ready\\n');
    for (let n = 0; n < Number(max); n++) {
      try { fs.renameSync(d, real); } catch {}
      try { fs.symlinkSync(target, d); } catch {}
      hold((n * 7) % 97);
      try { fs.unlinkSync(d); } catch {}
      try { fs.renameSync(real, d); } catch {}
      hold((n * 13) % 89);
    }
  `;

  /** Starts the flipper and resolves once it runs; the returned function kills it and waits for its exit. */
  async function startFlipper(t: T, d: string, target: string): Promise<() => Promise<void>> {
    const child = spawn(process.execPath, ['-e', FLIPPER, d, `${d}.real`, target, String(MAX_FLIPS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const stop = async () => {
      child.kill('SIGKILL');
      await exited;
    };
    t.signal.addEventListener('abort', () => child.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('error', reject);
    });
    return stop;
  }

  function raceFixture(t: T) {
    const fx = fixture(t);
    const d = join(fx.ws, 'd');
    mkdirSync(d);
    writeFileSync(join(d, 'file.txt'), 'inside OLD\n');
    const decoy = join(fx.outside, 'decoy');
    mkdirSync(decoy);
    writeFileSync(join(decoy, 'file.txt'), `${SECRET} OLD\n`);
    return { fx, d, decoy };
  }

  test('write_file never lands in the trap', { timeout: 120_000 }, async (t) => {
    const { fx, d } = raceFixture(t);
    const before = snapshot(fx);
    const stop = await startFlipper(t, d, fx.trap);
    let written = 0;
    try {
      for (let i = 0; i < RUNS; i++) {
        const r = await fx.tools.write_file.execute({ path: `d/f${i}.txt`, content: `run ${i}` }, context);
        if (!r.isError) written++;
        assertNoLeak(r);
        assert.deepEqual(readdirSync(fx.trap), [], `a write landed in the trap on run ${i}`);
      }
    } finally {
      await stop();
    }
    t.diagnostic(`${written} of ${RUNS} writes succeeded while the directory was being swapped`);
    assert.deepEqual(snapshot(fx), before);
  });

  test('write_file with missing parents created under the swapped directory never lands in the trap', {
    timeout: 120_000,
  }, async (t) => {
    const { fx, d } = raceFixture(t);
    const before = snapshot(fx);
    const stop = await startFlipper(t, d, fx.trap);
    try {
      for (let i = 0; i < RUNS; i++) {
        await fx.tools.write_file.execute({ path: `d/new${i}/deeper/f.txt`, content: 'x' }, context);
        assert.deepEqual(readdirSync(fx.trap), [], `a directory or file landed in the trap on run ${i}`);
      }
    } finally {
      await stop();
    }
    assert.deepEqual(snapshot(fx), before);
  });

  test('search_replace never edits the decoy outside', { timeout: 120_000 }, async (t) => {
    const { fx, d, decoy } = raceFixture(t);
    const before = snapshot(fx);
    const stop = await startFlipper(t, d, decoy);
    try {
      for (let i = 0; i < RUNS; i++) {
        const r = await fx.tools.search_replace.execute({ path: 'd/file.txt', old: 'OLD', new: 'OLD!' }, context);
        assertNoLeak(r);
      }
    } finally {
      await stop();
    }
    assert.deepEqual(snapshot(fx), before);
    assert.equal(readFileSync(join(decoy, 'file.txt'), 'utf8'), `${SECRET} OLD\n`);
  });

  test('read_file and grep_search never return the decoy', { timeout: 120_000 }, async (t) => {
    const { fx, d, decoy } = raceFixture(t);
    const stop = await startFlipper(t, d, decoy);
    try {
      for (let i = 0; i < RUNS; i++) {
        assertNoLeak(await fx.tools.read_file.execute({ path: 'd/file.txt' }, context));
        assertNoLeak(await fx.tools.grep_search.execute({ pattern: 'OLD', path: i % 2 ? 'd' : '.' }, context));
        assertNoLeak(await fx.tools.list_directory.execute({ path: 'd' }, context));
      }
    } finally {
      await stop();
    }
  });
});
