import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DENIED_UNLESS_ALLOWED, NEVER_ALLOWED, namesOf } from './deny-lists.ts';
import { checkProgram, type ProgramPolicy, type ResolvedProgram } from './policy.ts';
import { DEFAULT_TRUSTED_PATH } from './sandbox.ts';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'hector-policy-')));
const root = join(base, 'ws');
mkdirSync(root);
after(() => rmSync(base, { recursive: true, force: true }));

function policy(over: Partial<ProgramPolicy> = {}): ProgramPolicy {
  return {
    allowed: new Set(),
    denied: new Set(),
    denyByDefault: false,
    trustedPath: DEFAULT_TRUSTED_PATH,
    root,
    ...over,
  };
}

async function refused(p: ProgramPolicy, argv: string[], reason?: RegExp) {
  const d = await checkProgram(p, argv);
  assert.equal(d.ok, false, `expected ${JSON.stringify(argv)} to be refused`);
  if (!d.ok && reason) assert.match(d.reason, reason);
}

async function allowed(p: ProgramPolicy, argv: string[]): Promise<ResolvedProgram> {
  const d = await checkProgram(p, argv);
  assert.ok(d.ok, `expected ${JSON.stringify(argv)} to be allowed, got: ${d.ok ? '' : d.reason}`);
  return d.program;
}

describe('program names', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['absolute path', '/bin/cat', /path/],
    ['relative path', './script.sh', /path/],
    ['parent path', '../bin/cat', /path/],
    ['dot', '.', /path/],
    ['dot dot', '..', /path/],
    ['leading dash', '-cat', /starts with "-"/],
    ['unknown program', 'no-such-program-hector', /not found on the trusted PATH/],
    ['cyrillic lookalike', 'c\u0430t', /not found/],
    ['fullwidth lookalike', '\uff43at', /not found/],
    ['empty', '', /empty/],
  ];
  for (const [name, program, reason] of cases) test(name, () => refused(policy(), [program, 'x'], reason));

  test('a bare name resolves on the trusted PATH to its real path, which is argv[0]', async () => {
    const p = await allowed(policy(), ['cat', 'a.txt']);
    assert.equal(p.realPath, realpathSync('/usr/bin/cat'));
    assert.deepEqual(p.argv, [p.realPath, 'a.txt']);
  });
});

describe('built-in lists', () => {
  for (const program of [
    'bash',
    'sh',
    'dash',
    'sudo',
    'su',
    'chroot',
    'unshare',
    'nsenter',
    'bwrap',
    'mount',
    'ld.so',
  ]) {
    test(`${program} is never allowed, even when listed`, () =>
      refused(policy({ allowed: new Set([program]) }), [program, '-c', 'id'], /never allowed/));
  }
  for (const program of [
    'curl',
    'wget',
    'python3',
    'perl',
    'node',
    'awk',
    'env',
    'xargs',
    'timeout',
    'nice',
    'rm',
    'vim',
    'less',
    'strace',
    'gdb',
  ]) {
    test(`${program} is refused by default`, () => refused(policy(), [program, 'x'], /refused by default/));
  }
  test('explicitly allowed interpreter runs, including via an alternatives symlink (awk -> mawk)', async () => {
    const p = await allowed(policy({ allowed: new Set(['awk']) }), ['awk', '1']);
    assert.match(p.realPath, /awk$/);
  });
  test('explicitly allowed versioned name (python3 -> python3.11)', async () => {
    await allowed(policy({ allowed: new Set(['python3']) }), ['python3', '-V']);
  });
  test('the real path is checked: vim.basic is vim', () => refused(policy(), ['vim.basic', 'x'], /refused/));
  test('nodejs resolves to node and is refused', () => refused(policy(), ['nodejs', '-e', '1'], /refused/));
  test('the deny lists do not overlap', () => {
    for (const n of NEVER_ALLOWED) assert.equal(DENIED_UNLESS_ALLOWED.has(n), false, n);
  });
});

describe('user lists', () => {
  test('denied_commands wins over allowed_commands', () =>
    refused(policy({ allowed: new Set(['cat']), denied: namesOf('cat') }), ['cat', 'a'], /denied_commands/));
  test('denied_commands wins with deny_by_default too', () =>
    refused(
      policy({ allowed: new Set(['cat']), denied: namesOf('cat'), denyByDefault: true }),
      ['cat', 'a'],
      /denied_commands/,
    ));
  test('denied_commands matches the real program (mawk denies awk)', () =>
    refused(policy({ allowed: new Set(['awk']), denied: namesOf('mawk') }), ['awk', '1'], /denied_commands/));
  test('denied_commands matches other versions (python3 denies python3.11)', () =>
    refused(policy({ allowed: new Set(['python3.11']), denied: namesOf('python3') }), ['python3.11', '-V']));
  test('deny_by_default refuses an unlisted ordinary program', () =>
    refused(policy({ allowed: new Set(['cat']), denyByDefault: true }), ['ls'], /not in allowed_commands/));
  test('deny_by_default runs a listed program', async () => {
    await allowed(policy({ allowed: new Set(['cat']), denyByDefault: true }), ['cat', 'a.txt']);
  });
  test('a user deny list cannot remove built-ins', async () => {
    const p = policy({ denied: namesOf('ls') });
    await refused(p, ['curl', 'http://x'], /refused by default/);
    await refused(p, ['bash'], /never allowed/);
    await refused(p, ['ls'], /denied_commands/);
  });
});

describe('trusted PATH', () => {
  const fakeBin = join(base, 'fakebin');
  mkdirSync(fakeBin);
  const script = join(fakeBin, 'tool');
  writeFileSync(script, '#!/bin/sh\necho hi\n');
  chmodSync(script, 0o755);
  writeFileSync(join(fakeBin, 'noexec'), 'x');
  symlinkSync('/bin/bash', join(fakeBin, 'ls'));
  const inRoot = join(root, 'bin');
  mkdirSync(inRoot);
  writeFileSync(join(inRoot, 'evil'), '#!/bin/sh\n');
  chmodSync(join(inRoot, 'evil'), 0o755);

  test('only the trusted PATH is searched', () => refused(policy(), ['tool'], /not found/));
  test('a program in a trusted directory is found', async () => {
    await allowed(policy({ trustedPath: [fakeBin] }), ['tool']);
  });
  test('a file without execute bits is not a program', () =>
    refused(policy({ trustedPath: [fakeBin] }), ['noexec'], /not found/));
  test('a harmless name that is a symlink to a shell is refused by its real path', () =>
    refused(policy({ trustedPath: [fakeBin] }), ['ls', '-la'], /resolves to "bash".*never allowed/));
  test('a program resolving into the working directory is refused', () =>
    refused(policy({ trustedPath: [inRoot] }), ['evil'], /working directory/));
});
