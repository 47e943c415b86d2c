/**
 * Turns a command string from the model into argv arrays, or refuses it. SECURITY CONTRACT: the result is a
 * list of pipelines of literal argv arrays; nothing in it is ever handed to a shell or re-serialised into a
 * string. Anything whose meaning in bash would depend on the environment, the filesystem or another program is
 * refused with a reason that names the construct, so the model learns what to change.
 *
 * Accepted grammar (tree-sitter-bash node types), nothing else:
 *
 *   program   := statement ((";") statement)* [";"]
 *   statement := list | pipeline | command
 *   list      := statement ("&&" | "||") statement            (flattened left to right, like bash)
 *   pipeline  := command ("|" command)+                        ("|&" is refused)
 *   command   := command_name argument*                        (no assignments, no redirections)
 *   argument  := word | number | raw_string | string | concatenation of those
 *
 * - `word`/`number`: backslash escapes a character (`c\at` is `cat`); unquoted `$`, backtick, glob characters
 *   `* ? [`, braces `{ }`, and `~` at the start of a word or after `=`/`:` are refused (quote them to pass them
 *   literally). Any other shell metacharacter inside a word node is refused as unexpected.
 * - `raw_string` `'...'`: taken literally.
 * - `string` `"..."`: only `string_content` children are allowed (no `$VAR`, `${...}`, `$(...)`, backticks);
 *   `\$ \` \" \\` are unescaped as bash does, any other backslash stays.
 * - Refused (with the construct's name): command and process substitution, parameter and arithmetic expansion,
 *   ANSI-C `$'...'` and `$"..."` strings, redirections, here-documents and here-strings, variable assignments
 *   (also `FOO=1 cmd` prefixes), `declare`/`export`/`unset`, subshells, `{ ...; }` groups, functions, `if`,
 *   `while`, `until`, `for`, `case`, `select`, `[[ ]]`/`(( ))` tests, `!` negation, `&` background, `|&`,
 *   comments, parse errors and missing tokens.
 * - Before parsing: strings longer than MAX_COMMAND_CHARS and any control (C0, DEL, C1) or Unicode format
 *   character (zero-width, bidi overrides) are refused; newlines and tabs included, so one call is one line.
 *
 * The parser decides only what to run; it is not the security boundary. The OS sandbox is (see sandbox.ts).
 */
import type { Node, Parser } from 'web-tree-sitter';
import { quote } from '../text.ts';
import { withTree } from './bash-parser.ts';

export type ListOperator = '&&' | '||' | ';';

/** One pipeline of a command line, and how it is joined to the previous one (`null` for the first). */
export interface PipelineStep {
  readonly op: ListOperator | null;
  /** Each entry is one program's argv; argv[0] is the bare program name as written (unquoted). */
  readonly commands: readonly (readonly string[])[];
}

export type ParseResult = { ok: true; steps: readonly PipelineStep[] } | { ok: false; reason: string };

export const MAX_COMMAND_CHARS = 8192;
export const MAX_PROGRAMS = 32;
export const MAX_ARGS_PER_PROGRAM = 1024;

class Refused extends Error {}
const refuse = (reason: string): never => {
  throw new Refused(reason);
};

const CONSTRUCTS: Readonly<Record<string, string>> = {
  command_substitution: 'command substitution ($(...) or backticks)',
  process_substitution: 'process substitution (<(...) or >(...))',
  simple_expansion: 'variable expansion ($VAR)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: describes the bash syntax literally
  expansion: 'parameter expansion (${...})',
  arithmetic_expansion: 'arithmetic expansion ($((...)))',
  ansi_c_string: "ANSI-C quoting ($'...')",
  translated_string: 'locale translation ($"...")',
  brace_expression: 'brace expansion ({a..b})',
  file_redirect: 'redirection (>, <, >>, 2>&1, &>)',
  heredoc_redirect: 'here-document (<<)',
  herestring_redirect: 'here-string (<<<)',
  redirected_statement: 'redirection (>, <, >>, 2>&1, &>, <<, <<<)',
  variable_assignment: 'variable assignment (NAME=value)',
  variable_assignments: 'variable assignment (NAME=value)',
  declaration_command: 'declare/export/local/readonly/typeset',
  unset_command: 'unset',
  subshell: 'subshell ( ... )',
  compound_statement: 'command group { ...; }',
  function_definition: 'function definition',
  if_statement: 'if statement',
  while_statement: 'while/until loop',
  for_statement: 'for loop',
  c_style_for_statement: 'for (( )) loop',
  select_statement: 'select statement',
  case_statement: 'case statement',
  test_command: 'test expression ([[ ]] or [ ])',
  arithmetic_command: 'arithmetic command (( ... ))',
  negated_command: 'negation (! command)',
  comment: 'comment (#)',
  '&': 'background execution (&)',
  '|&': 'piping standard error (|&)',
  $: '$ expansion or $"..." string',
};

function construct(type: string): string {
  return CONSTRUCTS[type] ?? `shell syntax "${type}"`;
}

function notAllowed(type: string): never {
  return refuse(
    `${construct(type)} is not allowed; only simple commands with literal arguments, joined by |, &&, || or ;, are accepted`,
  );
}

// Control characters (C0 incl. tab/newline, DEL, C1), Unicode format characters, line/paragraph separators.
const FORBIDDEN_CHARS = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** Parses `text` into pipelines of argv arrays, or refuses it with a reason for the model. */
export function parseCommandLine(parser: Parser, text: string): ParseResult {
  if (typeof text !== 'string' || text.trim() === '') return { ok: false, reason: 'the command is empty' };
  if (text.length > MAX_COMMAND_CHARS) {
    return { ok: false, reason: `the command is ${text.length} characters long; the limit is ${MAX_COMMAND_CHARS}` };
  }
  if (FORBIDDEN_CHARS.test(text)) {
    return {
      ok: false,
      reason:
        'the command contains a control character (newline, tab, carriage return, NUL, escape, ...) or an invisible Unicode format character; send one command line of printable text',
    };
  }
  try {
    const steps = withTree(parser, text, (tree) => walkProgram(tree.rootNode));
    return { ok: true, steps };
  } catch (e) {
    if (e instanceof Refused) return { ok: false, reason: e.message };
    throw e;
  }
}

function firstBroken(node: Node): Node | null {
  if (node.isError || node.isMissing) return node;
  for (const child of node.children) {
    if (child && (child.hasError || child.isError || child.isMissing)) {
      const found = firstBroken(child);
      if (found) return found;
    }
  }
  return null;
}

function walkProgram(root: Node): PipelineStep[] {
  if (root.type !== 'program') refuse(`unexpected parse result "${root.type}"`);
  if (root.hasError) {
    const broken = firstBroken(root);
    const near = !broken ? '' : broken.isMissing ? ` (missing ${broken.type})` : ` near ${quote(broken.text, 40)}`;
    refuse(
      `the command is not valid shell syntax${near}; check quotes and operators (unbalanced quotes, a trailing backslash or a stray ( ) { } < > are typical causes)`,
    );
  }
  const steps: PipelineStep[] = [];
  let pendingOp: ListOperator | null = null;
  for (const child of root.children) {
    if (!child) continue;
    if (!child.isNamed) {
      if (child.type === ';') {
        if (steps.length === 0 || pendingOp !== null) refuse('empty command before ";"');
        pendingOp = ';';
        continue;
      }
      notAllowed(child.type);
    }
    if (child.type === 'comment') notAllowed('comment');
    walkStatement(
      child,
      steps.length === 0 ? null : (pendingOp ?? refuse('commands must be joined by ;, && or ||')),
      steps,
    );
    pendingOp = null;
  }
  if (steps.length === 0) refuse('the command is empty');
  return steps;
}

function walkStatement(node: Node, op: ListOperator | null, steps: PipelineStep[]): void {
  switch (node.type) {
    case 'list': {
      let nextOp: ListOperator | null = op;
      let seen = 0;
      for (const child of node.children) {
        if (!child) continue;
        if (!child.isNamed) {
          if (child.type === '&&' || child.type === '||') {
            nextOp = child.type;
            continue;
          }
          notAllowed(child.type);
        }
        walkStatement(child, nextOp, steps);
        seen++;
        nextOp = null;
      }
      if (seen < 2) refuse('an && or || list needs a command on each side');
      return;
    }
    case 'pipeline': {
      const commands: string[][] = [];
      for (const child of node.children) {
        if (!child) continue;
        if (!child.isNamed) {
          if (child.type === '|') continue;
          notAllowed(child.type);
        }
        if (child.type !== 'command') notAllowed(child.type);
        commands.push(walkCommand(child));
      }
      if (commands.length < 2) refuse('a pipeline needs a command on each side of |');
      push(steps, { op, commands });
      return;
    }
    case 'command':
      push(steps, { op, commands: [walkCommand(node)] });
      return;
    default:
      notAllowed(node.type);
  }
}

function push(steps: PipelineStep[], step: PipelineStep): void {
  const programs = steps.reduce((n, s) => n + s.commands.length, 0) + step.commands.length;
  if (programs > MAX_PROGRAMS)
    refuse(`the command runs more than ${MAX_PROGRAMS} programs; split it into several calls`);
  steps.push(step);
}

const ARGUMENT_TYPES = new Set(['word', 'number', 'raw_string', 'string', 'concatenation']);

function walkCommand(node: Node): string[] {
  const argv: string[] = [];
  let sawName = false;
  for (const child of node.children) {
    if (!child) continue;
    if (!sawName) {
      if (child.type !== 'command_name') notAllowed(child.type);
      const parts = child.children.filter((c): c is Node => c !== null);
      const only = parts[0];
      if (parts.length !== 1 || !only || !ARGUMENT_TYPES.has(only.type)) notAllowed(only?.type ?? 'command_name');
      const name = literal(only as Node);
      if (name === '') refuse('the program name is empty');
      argv.push(name);
      sawName = true;
      continue;
    }
    if (!child.isNamed || !ARGUMENT_TYPES.has(child.type)) notAllowed(child.type);
    argv.push(literal(child));
    if (argv.length > MAX_ARGS_PER_PROGRAM) refuse(`a program has more than ${MAX_ARGS_PER_PROGRAM} arguments`);
  }
  if (!sawName) refuse('a command without a program name is not allowed');
  return argv;
}

/** The literal string an argument node stands for, or a refusal. */
function literal(node: Node): string {
  switch (node.type) {
    case 'word':
    case 'number':
      if (node.childCount !== 0) notAllowed(node.child(0)?.type ?? node.type);
      return unquoteWord(node.text, true);
    case 'raw_string': {
      const t = node.text;
      if (t.length < 2 || !t.startsWith("'") || !t.endsWith("'")) refuse(`malformed quoted string ${quote(t, 40)}`);
      return t.slice(1, -1);
    }
    case 'string': {
      const kids = node.children.filter((c): c is Node => c !== null);
      const inner = kids.slice(1, -1);
      if (kids.length < 2 || kids[0]?.type !== '"' || kids[kids.length - 1]?.type !== '"') {
        refuse(`malformed double-quoted string ${quote(node.text, 40)}`);
      }
      for (const k of inner) if (k.type !== 'string_content') notAllowed(k.type);
      return unquoteDouble(node.text.slice(1, -1));
    }
    case 'concatenation': {
      let out = '';
      for (const child of node.children) {
        if (!child) continue;
        if (!child.isNamed || !ARGUMENT_TYPES.has(child.type) || child.type === 'concatenation') notAllowed(child.type);
        out +=
          child.type === 'word' || child.type === 'number'
            ? unquoteWord(child.text, out === '' || /[=:]$/.test(out))
            : literal(child);
      }
      return out;
    }
    default:
      return notAllowed(node.type);
  }
}

const GLOB = new Set(['*', '?', '[']);
const BRACES = new Set(['{', '}']);
const SYNTAX = new Set(['$', '`', "'", '"', '<', '>', '|', '&', ';', '(', ')', ' ', '\\']);

/**
 * An unquoted word: `\x` is `x`; glob, brace, `$`, backtick and leading-tilde characters are refused.
 * `atStart`: the word begins the argument (or follows `=`/`:`), where bash would expand `~`.
 */
function unquoteWord(text: string, atStart: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) refuse('a trailing backslash is not allowed');
      out += next;
      i++;
      continue;
    }
    if (c === '$') notAllowed(text.startsWith('$(', i) ? 'command_substitution' : 'simple_expansion');
    if (c === '`') notAllowed('command_substitution');
    if (GLOB.has(c)) {
      refuse(
        `glob pattern ${quote(text, 60)} is not expanded; quote it ('${text}') to pass it literally, e.g. to find -name or grep`,
      );
    }
    if (BRACES.has(c)) refuse(`brace ${quote(text, 60)} is not allowed unquoted (no brace expansion); quote it`);
    if (c === '~' && ((atStart && out === '') || /[=:]$/.test(out))) {
      refuse(`tilde expansion (${quote(text, 60)}) is not allowed; use a path relative to the working directory`);
    }
    if (SYNTAX.has(c)) refuse(`unexpected shell character ${quote(c)} in ${quote(text, 60)}; quote the argument`);
    out += c;
  }
  return out;
}

/** The content of a "..." string: `\$ \` \" \\` unescaped, other backslashes kept; `$` and backticks refused. */
function unquoteDouble(inner: string): string {
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i] as string;
    if (c === '\\') {
      const next = inner[i + 1];
      if (next === '$' || next === '`' || next === '"' || next === '\\') {
        out += next;
        i++;
        continue;
      }
      out += c;
      continue;
    }
    if (c === '$') refuse(`$ inside double quotes is expanded by bash and is not allowed; use single quotes`);
    if (c === '`') notAllowed('command_substitution');
    out += c;
  }
  return out;
}
