/**
 * Patterns over MCP tool names (`filter`, `deny`, `require_approval`), one definition for the config checks and
 * the tools: MCP tool-name characters plus the glob characters `* ? [ ] { } , !`, compiled by picomatch with
 * `!` as a literal (no negation: a pattern can never invert a list), dotfiles matched, unclosed brackets an
 * error. `*` matches any characters (tool names have no path segments worth respecting).
 */
import picomatch from 'picomatch';

export const TOOL_PATTERN = /^[A-Za-z0-9_.\-*?[\]{},!]{1,128}$/;

/** The matcher of one pattern; throws an Error saying why when it is not a valid tool pattern. */
export function compileToolPattern(
  pattern: string,
  options: {
    /** Match case-insensitively (`delete_*` also refuses `Delete_repo`). */
    nocase?: boolean;
    /** `.` separates a toolset from its tool and `*` does not cross it: match against `toolset/tool` names. */
    scoped?: boolean;
  } = {},
): RegExp {
  if (!TOOL_PATTERN.test(pattern)) throw new Error('not a tool name or glob');
  const source = options.scoped ? pattern.replaceAll('.', '/') : pattern;
  return picomatch.makeRe(source, { dot: true, nonegate: true, strictBrackets: true, nocase: options.nocase === true });
}
