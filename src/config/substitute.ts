/**
 * `${VAR}` substitution inside ONE string value of the parsed YAML document. The YAML is never re-parsed after
 * substitution, so a variable whose value looks like YAML (`a\nb: c`, `{x: 1}`) stays a plain string: the
 * environment cannot add keys, change types or reach other values.
 *
 * Grammar (left to right):
 *   `${NAME}`            the variable's value; NAME is `[A-Za-z_][A-Za-z0-9_]*`. Unset OR EMPTY is an error
 *                        (fail closed: an empty `OPENAI_API_KEY=` line is a mistake, not "no key"); write
 *                        `${NAME:-}` to allow an empty value.
 *   `${NAME:-default}`   the variable's value, or `default` when it is unset or empty. The default is literal text
 *                        up to the first `}`; it may not contain `${`.
 *   `$${`                escape: a literal `${` (the rest is copied as is).
 *   `$NAME`, `$`         left alone (no bare-variable expansion).
 * Anything else starting with `${` (unclosed, bad name, other operators such as `${X-d}` or `${X:?e}`) is an error.
 */
export interface SubstitutionProblem {
  message: string;
  hint?: string;
}

export interface SubstitutionResult {
  value: string;
  /** Values that came from the environment (not from a `:-` default), in order of appearance. */
  fromEnv: string[];
  problems: SubstitutionProblem[];
  /** True when at least one `${…}` reference (or `$${` escape) was present. */
  changed: boolean;
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;
// biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${VAR} syntax, not a template
const SYNTAX_HINT = 'write ${NAME} or ${NAME:-default}; for a literal "${" write "$${"';

function excerpt(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * Substitutes every reference in `text`. `lookup` returns the variable's value or undefined when unset; `path` is
 * the dotted config path named in error messages. Never throws; problems are returned. Error messages name the
 * variable and the path but never contain a variable's value.
 */
export function substitute(
  text: string,
  lookup: (name: string) => string | undefined,
  path: string,
): SubstitutionResult {
  const fromEnv: string[] = [];
  const problems: SubstitutionProblem[] = [];
  let out = '';
  let changed = false;
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      changed = true;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i];
      i++;
      continue;
    }
    changed = true;
    const close = text.indexOf('}', i + 2);
    if (close === -1) {
      problems.push({ message: `unclosed "\${" in "${excerpt(text.slice(i))}"`, hint: SYNTAX_HINT });
      break;
    }
    const inner = text.slice(i + 2, close);
    i = close + 1;
    const m = REFERENCE.exec(inner);
    if (!m) {
      problems.push({ message: `invalid environment variable reference "\${${excerpt(inner)}}"`, hint: SYNTAX_HINT });
      continue;
    }
    const name = m[1]!;
    const fallback = m[2];
    if (fallback?.includes('${')) {
      problems.push({
        message: `nested "\${" in the default of \${${name}:-…} is not supported`,
        hint: 'defaults are literal text',
      });
      continue;
    }
    const value = lookup(name);
    if (fallback !== undefined) {
      if (value === undefined || value === '') {
        out += fallback;
      } else {
        out += value;
        fromEnv.push(value);
      }
      continue;
    }
    if (value === undefined) {
      problems.push({
        message: `environment variable ${name} is not set (referenced by ${path}); set it or add it to .env`,
      });
    } else if (value === '') {
      problems.push({
        message: `environment variable ${name} is empty (referenced by ${path}); set it to a value`,
        hint: `write \${${name}:-} if an empty value is intended`,
      });
    } else {
      out += value;
      fromEnv.push(value);
    }
  }
  return { value: out, fromEnv, problems, changed };
}

/** A lookup over an environment record that only sees own string properties (never `toString`, `__proto__`…). */
export function envLookup(env: Readonly<Record<string, string | undefined>>): (name: string) => string | undefined {
  return (name) => {
    if (!Object.hasOwn(env, name)) return undefined;
    const v = env[name];
    return typeof v === 'string' ? v : undefined;
  };
}
