import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkArguments } from './argument-rules.ts';

const check = (argv: string[]) => checkArguments([argv[0] as string], argv);

describe('dangerous arguments are refused', () => {
  const cases: Array<[string, string[]]> = [
    ['find -exec', ['find', '/', '-name', 'passwd', '-exec', 'cat', '{}', ';']],
    ['find -execdir', ['find', '.', '-execdir', 'id', ';']],
    ['find -ok', ['find', '.', '-ok', 'id', ';']],
    ['find -okdir', ['find', '.', '-okdir', 'id', ';']],
    ['find -delete', ['find', '.', '-delete']],
    ['find -fprint', ['find', '.', '-fprint', '/tmp/x']],
    ['find -fprintf', ['find', '.', '-fprintf', '/tmp/x', '%p']],
    ['find -fprint0', ['find', '.', '-fprint0', '/tmp/x']],
    ['find -fls', ['find', '.', '-fls', '/tmp/x']],
    ['git -c', ['git', '-c', 'core.pager=sh', 'log']],
    ['git -C', ['git', '-C', '/', 'status']],
    ['git --config-env', ['git', '--config-env=core.pager=X', 'log']],
    ['git --exec-path', ['git', '--exec-path=/tmp', 'status']],
    ['git --git-dir', ['git', '--git-dir=/etc', 'log']],
    ['git --work-tree', ['git', '--work-tree=/', 'status']],
    ['git config', ['git', 'config', 'core.pager', 'sh']],
    ['git submodule foreach', ['git', 'submodule', 'foreach', 'id']],
    ['git bisect run', ['git', 'bisect', 'run', 'id']],
    ['git filter-branch', ['git', 'filter-branch', '--tree-filter', 'id']],
    ['git difftool --extcmd', ['git', 'difftool', '--extcmd=id']],
    ['git help (browser)', ['git', 'help', '-w', 'log']],
    ['git maintenance (crontab)', ['git', 'maintenance', 'start']],
    ['git log --output', ['git', 'log', '--output=/tmp/x']],
    ['git log --output abbreviated', ['git', 'log', '--outp=/tmp/x']],
    ['git diff --ext-diff', ['git', 'diff', '--ext-diff']],
    ['git fetch --upload-pack', ['git', 'fetch', '--upload-pack=id', 'origin']],
    ['git fetch --upload-pack abbreviated', ['git', 'fetch', '--upload-p=id', 'origin']],
    ['git push --receive-pack', ['git', 'push', '--receive-pack=id', 'origin']],
    ['git push --exec', ['git', 'push', '--exec=id', 'origin']],
    ['git clone -u', ['git', 'clone', '-u', 'id', 'x', 'y']],
    ['git clone --template', ['git', 'clone', '--template=/tmp/t', 'x', 'y']],
    ['git clone --config', ['git', 'clone', '--config', 'core.pager=id', 'x', 'y']],
    ['git clone ext:: URL', ['git', 'clone', 'ext::sh -c id', 'y']],
    ['git ls-remote fd:: URL', ['git', 'ls-remote', 'fd::3']],
    ['git ls-remote -u', ['git', 'ls-remote', '-uid', 'x']],
    ['git rebase -x', ['git', 'rebase', '-x', 'id', 'main']],
    ['git rebase --exec', ['git', 'rebase', '--exec=id', 'main']],
    ['git grep -O', ['git', 'grep', '-Oid', 'x']],
    ['git grep --open-files-in-pager', ['git', 'grep', '--open-files-in-pager=id', 'x']],
    ['git archive --exec', ['git', 'archive', '--remote=x', '--exec=id', 'HEAD']],
    ['tar --to-command', ['tar', '-xf', 'a.tar', '--to-command=id']],
    ['tar --to-command abbreviated', ['tar', '-xf', 'a.tar', '--to-c=id']],
    ['tar --use-compress-program', ['tar', '--use-compress-program=id', '-cf', 'a.tar', '.']],
    ['tar -I', ['tar', '-I', 'id', '-cf', 'a.tar', '.']],
    ['tar old-style xIf', ['tar', 'xIf', 'id', 'a.tar']],
    ['tar --checkpoint-action', ['tar', '--checkpoint=1', '--checkpoint-action=exec=id', '-cf', 'a.tar', '.']],
    ['tar -F info script', ['tar', '-cF', 'id', '-f', 'a.tar', '.']],
    ['tar --rsh-command', ['tar', '--rsh-command=id', '-cf', 'h:a.tar', '.']],
    ['zip -TT', ['zip', '-T', '-TT', 'id', 'a.zip', 'a.txt']],
    ['zip --unzip-command', ['zip', '--unzip-command=id', 'a.zip', 'a.txt']],
    ['rsync -e', ['rsync', '-e', 'id', 'a', 'h:b']],
    ['rsync -avze', ['rsync', '-avze', 'id', 'a', 'h:b']],
    ['rsync --rsync-path', ['rsync', '--rsync-path=id', 'a', 'h:b']],
    ['sort --compress-program', ['sort', '--compress-program=id', 'a.txt']],
    ['sort --compress-program abbreviated', ['sort', '--compress-prog=id', 'a.txt']],
    ['split --filter', ['split', '--filter=id', 'a.txt']],
    ['rg --pre', ['rg', '--pre=id', 'x']],
    ['fd -x', ['fd', '-x', 'id']],
    ['fd --exec-batch', ['fd', '--exec-batch', 'id']],
  ];
  for (const [name, argv] of cases) {
    test(name, () => {
      const r = check(argv);
      assert.equal(r.ok, false, `expected ${JSON.stringify(argv)} to be refused`);
    });
  }
});

describe('ordinary arguments pass', () => {
  const cases: Array<[string, string[]]> = [
    ['git log --oneline', ['git', 'log', '--oneline']],
    ['git --no-pager log', ['git', '--no-pager', 'log', '-n', '3']],
    ['git push -u', ['git', 'push', '-u', 'origin', 'main']],
    ['git add -u', ['git', 'add', '-u']],
    ['git commit -c', ['git', 'commit', '-c', 'HEAD']],
    ['git diff --exit-code', ['git', 'diff', '--exit-code']],
    ['git status', ['git', 'status', '--short']],
    ['find -name -print', ['find', '.', '-name', '*.ts', '-type', 'f', '-print']],
    ['tar czf', ['tar', '-czf', 'a.tar.gz', 'dir']],
    ['tar old-style xzf', ['tar', 'xzf', 'a.tar.gz']],
    ['zip -r', ['zip', '-r', 'a.zip', 'dir']],
    ['sort -u', ['sort', '-u', '-k', '2', 'a.txt']],
    ['split -l', ['split', '-l', '10', 'a.txt']],
  ];
  for (const [name, argv] of cases) {
    test(name, () => {
      const r = check(argv);
      assert.ok(r.ok, `expected ${JSON.stringify(argv)} to pass`);
      assert.deepEqual(r.argv, argv);
    });
  }
});

test('sed always runs in GNU sed sandbox mode', () => {
  const r = check(['sed', '-n', '1p', 'a.txt']);
  assert.ok(r.ok);
  assert.deepEqual(r.argv, ['sed', '--sandbox', '-n', '1p', 'a.txt']);
});

test('rules apply by real-path name as well as typed name, once', () => {
  const r = checkArguments(['gsed', 'sed', 'sed'], ['/usr/bin/sed', 's/a/b/']);
  assert.ok(r.ok);
  assert.deepEqual(r.argv, ['/usr/bin/sed', '--sandbox', 's/a/b/']);
  assert.equal(checkArguments(['myfind', 'find'], ['/usr/bin/find', '.', '-delete']).ok, false);
});
