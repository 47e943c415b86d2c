import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../../shared/index.ts';
import type { Tool } from '../types.ts';
import { checkSandboxAvailable, createCommandTool } from './index.ts';
import {
  assertContained,
  createFixture,
  defaultOptions,
  type Fixture,
  type HostCanary,
  makeTool,
  resetWorkspace,
  run,
  startHostCanary,
} from './test-fixture.ts';

const fx: Fixture = createFixture();
after(() => fx.cleanup());
const hasGit = spawnSync('git', ['--version']).status === 0;

let tool: Tool;
before(async () => {
  tool = await makeTool(fx);
});

function expectOk(r: { output: string; isError: boolean }): string {
  assert.equal(r.isError, false, r.output);
  assert.match(r.output, /\[exit code 0\]$/);
  return r.output;
}

describe('controls: ordinary commands work in the sandbox', () => {
  before(() => resetWorkspace(fx));

  test('ls -la', async () => {
    const out = expectOk(await run(tool, 'ls -la'));
    assert.match(out, /a\.txt/);
    assert.match(out, /b\.txt/);
  });
  test('grep -n x file.txt', async () => {
    assert.equal(expectOk(await run(tool, 'grep -n x file.txt')), '2:x marks\n4:xx\n[exit code 0]');
  });
  test('cat a.txt | wc -l', async () => {
    assert.equal(expectOk(await run(tool, 'cat a.txt | wc -l')), '3\n[exit code 0]');
  });
  test("echo 'hello world'", async () => {
    assert.equal(expectOk(await run(tool, "echo 'hello world'")), 'hello world\n[exit code 0]');
  });
  test('head -n 1 a.txt', async () => {
    assert.equal(expectOk(await run(tool, 'head -n 1 a.txt')), 'alpha\n[exit code 0]');
  });
  test('sort b.txt | uniq -c', async () => {
    const out = expectOk(await run(tool, 'sort b.txt | uniq -c'));
    assert.deepEqual(
      out
        .split('\n')
        .slice(0, -1)
        .map((l) => l.trim()),
      ['2 apple', '1 fig', '3 pear'],
    );
  });
  test('git log --oneline', { skip: hasGit ? false : 'git is not installed' }, async () => {
    const repo = join(fx.ws, 'repo');
    mkdirSync(repo, { recursive: true });
    writeFileSync(join(repo, 'README'), 'hi\n');
    const git = (...args: string[]) => {
      const r = spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=T', ...args], { cwd: repo });
      assert.equal(r.status, 0, r.stderr.toString());
    };
    git('init', '-q');
    git('add', 'README');
    git('commit', '-q', '-m', 'first commit');
    const out = expectOk(await run(tool, 'git log --oneline', 'repo'));
    assert.match(out, /^[0-9a-f]{7,} first commit\n/);
  });
  test('sed -n 2p (GNU sed in sandbox mode)', async () => {
    assert.equal(expectOk(await run(tool, "sed -n '2p' a.txt")), 'beta\n[exit code 0]');
  });
  test('find with a quoted pattern', async () => {
    assert.match(expectOk(await run(tool, "find . -maxdepth 1 -name 'b*' -type f")), /\.\/b\.txt/);
  });
  test('writing inside the working directory works', async () => {
    expectOk(await run(tool, 'cp a.txt copy.txt'));
    assert.equal(readFileSync(join(fx.ws, 'copy.txt'), 'utf8'), 'alpha\nbeta\ngamma\n');
  });
  test('working_dir runs the command in a subdirectory', async () => {
    mkdirSync(join(fx.ws, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(fx.ws, 'sub', 'deeper', 'inner.txt'), 'x');
    assert.equal(expectOk(await run(tool, 'ls', 'sub/deeper')), 'inner.txt\n[exit code 0]');
  });
  test('a pipeline passes all data through OS pipes', async () => {
    assert.equal(expectOk(await run(tool, 'seq 1 100000 | wc -l')), '100000\n[exit code 0]');
  });
  test('&&, || and ; follow exit codes', async () => {
    assert.equal(expectOk(await run(tool, 'false || echo fallback')), 'fallback\n[exit code 0]');
    const r = await run(tool, 'false && echo never');
    assert.equal(r.output, '(no output)\n[exit code 1]');
    assert.equal(r.isError, true);
    assert.equal(expectOk(await run(tool, 'echo one; echo two')), 'one\ntwo\n[exit code 0]');
    assert.equal(expectOk(await run(tool, 'true && false || echo rescued')), 'rescued\n[exit code 0]');
  });
  test('a non-zero exit code is reported and is an error', async () => {
    const r = await run(tool, 'grep nomatch a.txt');
    assert.equal(r.isError, true);
    assert.equal(r.output, '(no output)\n[exit code 1]');
  });
  test('stderr is returned', async () => {
    const r = await run(tool, 'cat missing.txt');
    assert.equal(r.isError, true);
    assert.match(r.output, /missing\.txt: No such file or directory\n\[exit code 1\]$/);
  });
  test('the environment is only the fixed one', async () => {
    const out = expectOk(await run(tool, 'printenv'));
    const names = out
      .split('\n')
      .slice(0, -1)
      .map((l) => l.split('=')[0]);
    assert.deepEqual(names.sort(), ['HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR']);
  });
  test('the program runs as the unprivileged sandbox user', async () => {
    assert.match(expectOk(await run(tool, 'id')), /^uid=1000\(sandbox\) gid=1000\(sandbox\)/);
  });
  test('the sandbox sees its own PID namespace only', async () => {
    const out = expectOk(await run(tool, 'ls /proc'));
    const pids = out.split('\n').filter((l) => /^\d+$/.test(l));
    assert.ok(pids.length <= 4, `expected a handful of sandbox processes, saw ${pids.length}`);
  });
});

function processWithArgExists(arg: string): boolean {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv.includes(arg) && argv.some((a) => a.endsWith('sleep'))) return true;
    } catch {
      // gone
    }
  }
  return false;
}

async function eventually(check: () => boolean, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('limits', () => {
  test('sleep 100 is killed by max_execution_time, with its whole process tree', async () => {
    const t = await makeTool(fx, { maxExecutionMs: 1500 });
    const started = Date.now();
    const r = await run(t, 'sleep 4711');
    assert.ok(Date.now() - started < 1500 * 10, 'the command was not stopped');
    assert.equal(r.isError, true);
    assert.match(r.output, /\[killed: the command ran longer than 1500 ms/);
    assert.ok(await eventually(() => !processWithArgExists('4711')), 'the sleep process survived');
  });
  test('a list stops at the deadline: later steps do not start', async () => {
    const t = await makeTool(fx, { maxExecutionMs: 1000 });
    const r = await run(t, 'sleep 4712; touch late.txt');
    assert.match(r.output, /killed/);
    assert.equal(existsSync(join(fx.ws, 'late.txt')), false);
  });
  test('an output flood is truncated and the command stopped', async () => {
    const t = await makeTool(fx, { maxOutputBytes: 1000 });
    const r = await run(t, 'yes');
    assert.equal(r.isError, true);
    assert.match(r.output, /\[output truncated at 1000 bytes/);
    assert.ok(Buffer.byteLength(r.output) < 1300);
  });
  test('yes | head is bounded by the reader', async () => {
    const r = await run(tool, 'yes | head -n 3');
    assert.match(r.output, /^y\ny\ny\n/);
    assert.match(r.output, /\[exit code 0\]$/);
  });
  test('aborting the call kills the command', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const r = await run(tool, 'sleep 4713', undefined, controller.signal);
    assert.equal(r.isError, true);
    assert.match(r.output, /\[cancelled/);
    assert.ok(await eventually(() => !processWithArgExists('4713')), 'the sleep process survived');
  });
  test('an already aborted call runs nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await run(tool, 'touch aborted.txt', undefined, controller.signal);
    assert.match(r.output, /cancelled/);
    assert.equal(existsSync(join(fx.ws, 'aborted.txt')), false);
  });
});

describe('working_dir', () => {
  const refusedDirs: Array<[string, string]> = [
    ['parent directory', '../'],
    ['sibling canary directory', '../canary'],
    ['traversal through a subdirectory', 'sub/../../'],
    ['absolute host path', '/etc'],
    ['absolute path of the working directory itself', fx.ws],
    ['NUL byte', 'sub\0'],
    ['symlink leading outside', 'up-link'],
    ['missing directory', 'does-not-exist'],
    ['a file, not a directory', 'a.txt'],
  ];
  before(() => {
    resetWorkspace(fx);
    mkdirSync(join(fx.ws, 'sub'), { recursive: true });
    spawnSync('ln', ['-sfn', fx.base, join(fx.ws, 'up-link')]);
  });
  for (const [name, dir] of refusedDirs) {
    test(`refused: ${name}`, async () => {
      const r = await run(tool, 'touch escaped.txt', dir);
      assert.equal(r.isError, true);
      assert.match(r.output, /^command refused: working_dir/);
      assert.equal(existsSync(join(fx.base, 'escaped.txt')), false);
      assert.equal(existsSync(join(fx.ws, 'escaped.txt')), false);
      assertContained(fx, r.output);
    });
  }
});

describe('network', () => {
  let canary: HostCanary;
  before(async () => {
    canary = await startHostCanary();
  });
  after(() => canary.close());

  test('with network off, an allowed curl cannot reach a server on the host', async () => {
    const t = await makeTool(fx, { allowedCommands: ['curl'] });
    const seen = canary.connections;
    const r = await run(t, `curl -sS --max-time 5 http://127.0.0.1:${canary.port}/`);
    assert.equal(canary.connections - seen, 0);
    assert.equal(r.isError, true);
    assert.doesNotMatch(r.output, /reached-the-host/);
  });
  test('with network on, the same command reaches it (the test can see a connection)', async () => {
    const t = await makeTool(fx, { allowedCommands: ['curl'], network: true });
    const seen = canary.connections;
    const r = await run(t, `curl -sS --max-time 5 http://127.0.0.1:${canary.port}/`);
    assert.match(r.output, /reached-the-host/);
    assert.ok(canary.connections - seen >= 1);
  });
});

describe('sandbox availability', () => {
  test('bubblewrap works here', async () => {
    assert.deepEqual(await checkSandboxAvailable(), { ok: true });
  });
  test('a missing bwrap fails with an install hint', async () => {
    const r = await checkSandboxAvailable({ bwrapPath: '/nonexistent/bwrap' });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.reason, /apt-get install bubblewrap/);
  });
  test('a bwrap that cannot build the sandbox fails with an install hint', async () => {
    const r = await checkSandboxAvailable({ bwrapPath: '/usr/bin/false' });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.reason, /install bubblewrap/);
  });
  test('createCommandTool fails closed with a ConfigError when bubblewrap is missing', async () => {
    await assert.rejects(makeTool(fx, { bwrapPath: '/nonexistent/bwrap' }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /apt-get install bubblewrap/);
      return true;
    });
  });
  test("sandbox 'none' runs without isolation but keeps the parser and the policy", async () => {
    const t = await makeTool(fx, { sandbox: 'none' });
    assert.equal(expectOk(await run(t, 'head -n 1 a.txt')), 'alpha\n[exit code 0]');
    assert.match((await run(t, "bash -c 'id'")).output, /^command refused: .*never allowed/);
    assert.match((await run(t, 'cat $(id)')).output, /^command refused: command substitution/);
    const env = expectOk(await run(t, 'printenv'));
    assert.deepEqual(
      env
        .split('\n')
        .slice(0, -1)
        .map((l) => l.split('=')[0])
        .sort(),
      ['HOME', 'LANG', 'PATH'],
    );
  });
});

describe('options', () => {
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['relative working directory', { workingDirectory: 'ws' }, /relative/],
    ['working directory is the filesystem root', { workingDirectory: '/' }, /dedicated directory/],
    [
      'working directory inside /usr',
      { workingDirectory: '/usr/local/hector-ws' },
      /system directory|cannot be created/,
    ],
    ['a shell in allowed_commands', { allowedCommands: ['bash'] }, /can never be allowed/],
    ['busybox in allowed_commands', { allowedCommands: ['busybox'] }, /can never be allowed/],
    ['a path in allowed_commands', { allowedCommands: ['/bin/cat'] }, /bare program name/],
    ['a path in denied_commands', { deniedCommands: ['../x'] }, /bare program name/],
    ['deny_by_default with nothing allowed', { denyByDefault: true }, /nothing could run/],
    ['zero execution time', { maxExecutionMs: 0 }, /max_execution_time/],
    ['fractional output cap', { maxOutputBytes: 1.5 }, /max_output_bytes/],
    ['unknown sandbox', { sandbox: 'docker' }, /sandbox/],
    ['relative trusted path', { trustedPath: ['bin'] }, /trusted_path/],
    ['trusted path with a colon', { trustedPath: ['/usr/bin:/tmp'] }, /trusted_path/],
    ['empty trusted path', { trustedPath: [] }, /trusted_path/],
    ['the filesystem root as a trusted path', { trustedPath: ['/', '/usr/bin'] }, /would be mounted/],
    ['/etc as a trusted path', { trustedPath: ['/etc', '/usr/bin'] }, /would be mounted/],
    [
      'an ancestor of the working directory as a trusted path',
      { trustedPath: [tmpdir()] },
      /contains the working directory/,
    ],
    ['bad tool name', { name: 'has space' }, /name/],
  ];
  for (const [name, over, message] of bad) {
    test(`ConfigError: ${name}`, async () => {
      await assert.rejects(createCommandTool({ ...defaultOptions(fx), ...over } as never), (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.match(e.message, message);
        return true;
      });
    });
  }
  test('ConfigError: trusted path inside the working directory', async () => {
    await assert.rejects(
      createCommandTool({ ...defaultOptions(fx), trustedPath: [join(fx.ws, 'bin'), '/usr/bin'] }),
      /inside the working directory/,
    );
  });
  test('a missing working directory is created with mode 0700', async () => {
    const dir = join(fx.base, 'new', 'nested-ws');
    await createCommandTool({ ...defaultOptions(fx), workingDirectory: dir });
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  });
  test('the model-facing schema has command and working_dir only, and extra keys are refused', async () => {
    assert.deepEqual(Object.keys((tool.inputSchema.properties ?? {}) as object).sort(), ['command', 'working_dir']);
    const r = await tool.execute({ command: 'ls', env: { LD_PRELOAD: '/x' } }, { ...contextFor() });
    assert.equal(r.isError, true);
    assert.match(r.output, /invalid arguments/);
  });
});

function contextFor() {
  return { scope: { appId: 'app', userId: 'user' }, agent: 'agent', signal: new AbortController().signal };
}
