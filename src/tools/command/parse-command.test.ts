import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Parser } from 'web-tree-sitter';
import { loadBashParser } from './bash-parser.ts';
import { MAX_COMMAND_CHARS, type ParseResult, parseCommandLine } from './parse-command.ts';

let parser: Parser;
before(async () => {
  parser = await loadBashParser();
});

const parse = (s: string): ParseResult => parseCommandLine(parser, s);
const argvOf = (s: string) => {
  const r = parse(s);
  assert.ok(r.ok, `expected ${JSON.stringify(s)} to parse, got: ${r.ok ? '' : r.reason}`);
  return r.steps;
};

describe('accepted command lines become literal argv arrays', () => {
  const cases: Array<[string, string, unknown]> = [
    ['simple command', 'ls -la', [{ op: null, commands: [['ls', '-la']] }]],
    ['single quotes', "echo 'hello world'", [{ op: null, commands: [['echo', 'hello world']] }]],
    ['double quotes', 'grep -n "x y" f', [{ op: null, commands: [['grep', '-n', 'x y', 'f']] }]],
    ['escapes in double quotes', 'echo "a\\"b\\\\c\\$d\\e"', [{ op: null, commands: [['echo', 'a"b\\c$d\\e']] }]],
    ['backslash in a word', 'c\\at x\\ y \\*', [{ op: null, commands: [['cat', 'x y', '*']] }]],
    ['concatenated quotes', "'c''a''t' --x='a b' a\"b\"c", [{ op: null, commands: [['cat', '--x=a b', 'abc']] }]],
    ['empty strings', 'echo "" \'\'', [{ op: null, commands: [['echo', '', '']] }]],
    ['numbers', 'head -n 1 a.txt', [{ op: null, commands: [['head', '-n', '1', 'a.txt']] }]],
    ['quoted glob passes literally', "find . -name '*.ts'", [{ op: null, commands: [['find', '.', '-name', '*.ts']] }]],
    ['tilde inside a word', 'git show HEAD~1', [{ op: null, commands: [['git', 'show', 'HEAD~1']] }]],
    ['hash inside a word', 'echo a#b', [{ op: null, commands: [['echo', 'a#b']] }]],
    ['trailing semicolon', 'ls;', [{ op: null, commands: [['ls']] }]],
    [
      'pipeline',
      'cat a.txt | wc -l',
      [
        {
          op: null,
          commands: [
            ['cat', 'a.txt'],
            ['wc', '-l'],
          ],
        },
      ],
    ],
    [
      'list with all operators',
      'a && b || c; d | e',
      [
        { op: null, commands: [['a']] },
        { op: '&&', commands: [['b']] },
        { op: '||', commands: [['c']] },
        { op: ';', commands: [['d'], ['e']] },
      ],
    ],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => assert.deepEqual(argvOf(input), expected));
  }
});

describe('refused constructs name the construct', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['command substitution', 'cat $(id)', /command substitution/],
    ['backticks', 'cat `id`', /command substitution/],
    ['backtick inside double quotes', 'echo "`id`"', /command substitution/],
    ['process substitution in', 'cat <(id)', /process substitution/],
    ['process substitution out', 'tee >(cat)', /process substitution/],
    ['simple expansion', 'echo $HOME', /variable expansion/],
    ['expansion in double quotes', 'echo "a$HOME"', /expansion|\$/],
    ['braced expansion', 'echo ${PATH}', /parameter expansion/],
    ['bare dollar in quotes', 'echo "$"', /\$/],
    ['translated string', 'echo $"x"', /\$/],
    ['arithmetic', 'echo $((1+1))', /arithmetic/],
    ['ANSI-C string', "echo $'\\x41'", /ANSI-C/],
    ['glob star', 'ls *.txt', /glob/],
    ['glob question mark', 'ls a?', /glob/],
    ['glob bracket', 'ls [ab]', /glob/],
    ['brace expansion', 'echo {a,b}', /brace/],
    ['brace sequence', 'echo {1..3}', /brace/],
    ['tilde', 'ls ~', /tilde/],
    ['tilde user', 'ls ~root', /tilde/],
    ['tilde after =', 'ls --dir=~/x', /tilde/],
    ['output redirect', 'echo x > f', /redirection/],
    ['append redirect', 'echo x >> f', /redirection/],
    ['input redirect', 'cat < f', /redirection/],
    ['fd duplication', 'ls 2>&1', /redirection/],
    ['both streams redirect', 'ls &> f', /redirection/],
    ['here-string', 'cat <<< x', /here-string/],
    ['here-document', 'cat <<EOF', /here-document|redirection|not valid/],
    ['prefix assignment', 'FOO=1 ls', /assignment/],
    ['assignment alone', 'FOO=1', /assignment/],
    ['export', 'export A=1', /export/],
    ['declare', 'declare -x A=1', /declare/],
    ['unset', 'unset PATH', /unset/],
    ['subshell', '(ls)', /subshell/],
    ['group', '{ ls; }', /group/],
    ['function', 'f() { ls; }', /function/],
    ['if', 'if true; then ls; fi', /if/],
    ['while', 'while true; do ls; done', /while/],
    ['until', 'until false; do ls; done', /while|until/],
    ['for', 'for i in a; do ls; done', /for/],
    ['c-style for', 'for ((i=0;i<2;i++)); do ls; done', /for/],
    ['case', 'case x in x) ls;; esac', /case/],
    ['test command', '[[ -f x ]]', /test/],
    ['single bracket test', '[ -f x ]', /test/],
    ['arithmetic command', '((x=1))', /arithmetic|group/],
    ['negation', '! ls', /negation/],
    ['background', 'ls &', /background/],
    ['stderr pipe', 'ls |& cat', /\|&/],
    ['comment', 'ls # x', /comment/],
    ['unbalanced quote', "echo 'a", /not valid/],
    ['dangling pipe', 'ls |', /not valid/],
    ['dangling and', 'ls &&', /not valid/],
    ['trailing backslash', 'ls \\', /not valid|backslash/],
    ['double semicolon', 'ls;;', /not allowed|not valid/],
    ['leading semicolon', '; ls', /not valid/],
    ['newline', 'ls\ncat x', /control character/],
    ['carriage return', 'ls\rcat x', /control character/],
    ['tab', 'cat\tx', /control character/],
    ['NUL byte', 'cat\0x', /control character/],
    ['escape character', 'echo \u001b[31m', /control character/],
    ['zero-width space', 'ca\u200bt x', /control character|format/],
    ['bidi override', 'echo \u202ex', /control character|format/],
    ['empty', '   ', /empty/],
    ['too long', `echo ${'a'.repeat(MAX_COMMAND_CHARS)}`, /limit/],
    ['too many programs', Array.from({ length: 40 }, () => 'true').join(' | '), /more than/],
  ];
  for (const [name, input, reason] of cases) {
    test(name, () => {
      const r = parse(input);
      assert.equal(r.ok, false, `expected ${JSON.stringify(input)} to be refused`);
      if (!r.ok) assert.match(r.reason, reason);
    });
  }
});
