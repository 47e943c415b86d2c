/**
 * Doctor check: secrets written into the file instead of `${VAR}`. Looks at what the FILE says (the raw text of
 * every value that holds a `${…}`), so a value substituted from the environment is fine and a literal is not,
 * wherever it hides:
 * - any string under a secret-named field (`api_key`, `secret`, `api_keys`, `*token*`, `*password*`, an MCP
 *   `env` entry such as `GITHUB_TOKEN`, a header such as `Authorization` or `X-Api-Key`), at any depth;
 *   `Bearer ${TOKEN}` is fine (the scheme word is not a secret), `prefix-${VAR}` with a long literal part is not;
 * - a `${NAME:-default}` whose default, under a secret field, is non-empty: the default is committed in the file;
 * - the password of any `scheme://user:password@host` URL (redis_url, database, MCP urls) unless it is a `${VAR}`;
 * - credentials in a URL query (`?token=…`, `?api_key=…`);
 * - command-line credentials of MCP servers (`--token abc`, `--api-key=abc`);
 * - well-known token shapes anywhere, even in an instruction or a mapping key (OpenAI/Anthropic `sk-…`, GitHub
 *   `ghp_…`, Slack `xox?-…`, AWS `AKIA…`, Google `AIza…`, GitLab `glpat-…`, Stripe `sk_live_…`, JWTs, PEM private
 *   keys), a header line with a literal credential (`Authorization: Bearer abc…` inside an argument), and
 *   prose such as `the password is s3cretValue1` (a value of 8+ characters with a letter and a digit).
 * Findings name the path and the kind of secret, never the value.
 */
import { isSecretKey, urlPassword } from '../config/index.ts';
import { isPlainObject } from '../shared/index.ts';
import type { Finding } from './doctor-finding.ts';

/** Header-like fields whose string value is a credential. */
const CREDENTIAL_HEADER = /^(?:authorization|proxy-authorization|cookie|x-api-key|api-key)$/i;
/** More words that mark a secret in a leaf key (`DB_PASS`, `GITLAB_PAT`, `BASIC_AUTH`, `SESSION_COOKIE`). */
const EXTRA_WORDS = new Set([
  'pass',
  'pwd',
  'pat',
  'auth',
  'bearer',
  'private',
  'passphrase',
  'credentials',
  'creds',
  'cookie',
  'salt',
  'signing',
  'hmac',
  'dsn',
]);
/**
 * Inside an MCP server's `env` or `headers` (names chosen by that server, often without separators:
 * `GITHUBTOKEN`, `MYSQLPWD`), these anywhere in the name mark a secret.
 */
const SECRET_PARTS =
  /token(?!s)|secret|passw|pwd|apikey|api_key|credential|creds|cookie|salt|signing|privatekey|private_key|sessionid|bearer/i;
/** Environment names that contain a secret part but are not secrets (the shell's working directories). */
const NOT_SECRET_ENV = new Set(['PWD', 'OLDPWD']);
/** A header value that is a scheme word and a literal credential (`Bearer abc…`, `Token abc…`). */
const SCHEME_CREDENTIAL = /^\s*(?:bearer|basic|token|bot|apikey)\s+[A-Za-z0-9_+/=.~:-]{8,}\s*$/i;
/** `NAME=value` as an argument (`-e TOKEN=abc`, `--env=TOKEN=abc`). */
const ENV_ASSIGNMENT = /^(?:--?(?:e|env)=)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
/** Fields that describe a credential rather than hold it (`api_keys: [{key, subject, roles}]`). */
const IDENTITY_FIELDS = new Set(['subject', 'roles', 'name', 'description']);
/** Top-level sections whose keys are user-chosen names (an llm called `token` is not a secret). */
const NAME_MAPS = new Set(['llms', 'agents', 'tools', 'guardrails']);
/** Scheme words that may precede a `${VAR}` credential. */
const SCHEME = /^\s*(?:bearer|basic|token|bot|apikey)\s+/i;
const SECRET_PARAM = /^(?:.*[_-])?(?:token|key|apikey|api_key|secret|password|passwd|pwd|sig|signature|auth)$/i;
const SECRET_FLAG = /^--?(?:[A-Za-z0-9]+[-_])*(?:token|key|apikey|secret|password|passwd|pat|auth)(?:=(.*))?$/i;
const MARK = 'HECTORENVREF';

const TOKEN_SHAPES: readonly [string, RegExp][] = [
  ['an OpenAI/Anthropic API key', /(?<![A-Za-z0-9])sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}/],
  ['a Stripe key', /(?<![A-Za-z0-9])[rs]k_live_[A-Za-z0-9]{16,}/],
  ['a GitHub token', /(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/],
  ['a GitLab token', /(?<![A-Za-z0-9])glpat-[A-Za-z0-9_-]{20,}/],
  ['a Slack token', /(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}/],
  ['an AWS access key id', /(?<![A-Z0-9])AKIA[0-9A-Z]{16}(?![A-Z0-9])/],
  ['a Google API key', /(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}/],
  ['a JWT', /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
  ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['a Slack webhook URL', /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_-]{6,}\/[A-Za-z0-9_/-]{10,}/],
  ['a Discord webhook URL', /discord(?:app)?\.com\/api\/webhooks\/\d{5,}\/[A-Za-z0-9_-]{20,}/],
  [
    'a credential header',
    /(?:^|[\s"'])(?:proxy-)?(?:authorization|x-api-key|api-key|private-token)\s*[:=]\s*(?:(?:bearer|basic|token)\s+)?[A-Za-z0-9_+/=.~-]{8,}(?![[{(\\])/i,
  ],
  [
    'a credential in prose',
    /\b(?:password|passwd|passphrase|api[ _-]?key|secret|token)\s*(?:is|=|:)\s*["'`]?(?=[A-Za-z0-9_+/=.-]*\d)(?=[A-Za-z0-9_+/=.-]*[A-Za-z])[A-Za-z0-9_+/=.-]{8,}/i,
  ],
];

/** What of a value is written in the file: its text without references, the `:-` defaults, and a marked form. */
interface Written {
  /** The literal text, references removed (defaults not included). */
  literal: string;
  /** Defaults of `${NAME:-default}` references. */
  defaults: string[];
  /** The raw text with every plain reference replaced by MARK and every default inlined (for URL parsing). */
  marked: string;
  /** Whether the value holds any reference. */
  referenced: boolean;
}

/** Splits raw text by the substitution grammar of config/substitute.ts (invalid references count as literal). */
export function written(value: string, raw: string | undefined): Written {
  if (raw === undefined) return { literal: value, defaults: [], marked: value, referenced: false };
  let literal = '';
  let marked = '';
  const defaults: string[] = [];
  let referenced = false;
  let i = 0;
  while (i < raw.length) {
    if (raw.startsWith('$${', i)) {
      literal += '${';
      marked += '${';
      i += 3;
      continue;
    }
    const m = raw.startsWith('${', i) ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/.exec(raw.slice(i)) : null;
    if (!m) {
      literal += raw[i];
      marked += raw[i];
      i++;
      continue;
    }
    referenced = true;
    if (m[2] !== undefined) {
      defaults.push(m[2]);
      marked += m[2];
    } else {
      marked += MARK;
    }
    i += m[0].length;
  }
  return { literal, defaults, marked, referenced };
}

function leafIsSecret(key: string): boolean {
  if (NOT_SECRET_ENV.has(key)) return false;
  if (isSecretKey(key) || CREDENTIAL_HEADER.test(key)) return true;
  return key
    .toLowerCase()
    .split(/[_-]/)
    .some((w) => EXTRA_WORDS.has(w) || EXTRA_WORDS.has(w.replace(/\d+$/, '')) || isSecretKey(w.replace(/\d+$/, '')));
}

/** A name in an MCP server's `env` or `headers`, or of a `NAME=value` argument, that marks a secret. */
function nameIsSecret(name: string): boolean {
  return !NOT_SECRET_ENV.has(name) && (leafIsSecret(name) || SECRET_PARTS.test(name));
}

function literalSecret(path: string, kind: string): Finding {
  return {
    id: 'literal-secret',
    severity: 'high',
    path,
    message: `${kind} is written in the file: anyone who can read the file or its repository has it`,
    fix:
      `replace it with a reference such as "$` +
      `{MY_SECRET}" and set the variable in the environment or a .env file that is not committed; rotate the exposed value`,
  };
}

/** A URL's literal password or query credential, if any (MARK stands for a reference). */
function urlCredential(marked: string): string | undefined {
  const onlyReferences = (s: string) => s.replaceAll(MARK, '') === '';
  for (const p of urlPassword(marked)) if (!onlyReferences(p)) return 'a password in a URL';
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(marked) || !URL.canParse(marked)) return undefined;
  for (const [name, v] of new URL(marked).searchParams) {
    if (SECRET_PARAM.test(name) && v !== '' && !onlyReferences(v)) return `a credential in the URL query (${name})`;
  }
  return undefined;
}

function tokenShape(text: string): string | undefined {
  return TOKEN_SHAPES.find(([, re]) => re.test(text))?.[0];
}

/** The finding for one string value, if any. */
function gradeString(
  path: string,
  value: string,
  raw: string | undefined,
  secretField: boolean,
  header: boolean,
): Finding | undefined {
  const w = written(value, raw);
  if (header && !secretField && SCHEME_CREDENTIAL.test(w.literal)) return literalSecret(path, 'a credential header');
  if (secretField) {
    const rest = w.literal.replace(SCHEME, '').trim();
    if ((!w.referenced && rest !== '') || (w.referenced && rest.length >= 4)) return literalSecret(path, 'a secret');
    if (w.defaults.some((d) => d !== '')) {
      return {
        id: 'literal-secret-default',
        severity: 'high',
        path,
        message: 'the default of a $' + '{NAME:-default} reference is a literal secret, committed in the file',
        fix: 'drop the default (write $' + '{NAME}: a missing variable is then an error) or use $' + '{NAME:-}',
      };
    }
  }
  const credential = urlCredential(w.marked);
  if (credential) return literalSecret(path, credential);
  const shape = tokenShape(`${w.literal}\n${w.defaults.join('\n')}`);
  if (shape) return literalSecret(path, `what looks like ${shape}`);
  return undefined;
}

/** `--token abc` / `--api-key=abc` in an argument list: the path of the literal credential argument. */
function argCredentials(base: string, args: unknown[], references: ReadonlyMap<string, string>): Finding[] {
  const out: Finding[] = [];
  args.forEach((arg, i) => {
    if (typeof arg !== 'string') return;
    const raw = references.get(`${base}.${i}`);
    const assignment = ENV_ASSIGNMENT.exec(raw ?? arg);
    if (assignment && nameIsSecret(assignment[1]!)) {
      const value = written(arg, raw);
      if (value.literal.replace(/^[^=]*=/, '').replace(/^[^=]*=/, '') !== '' && !value.referenced) {
        out.push(literalSecret(`${base}.${i}`, 'a command-line credential'));
      }
      return;
    }
    const flag = SECRET_FLAG.exec(raw ?? arg);
    if (!flag) return;
    if (flag[1] !== undefined) {
      const value = written(arg, raw);
      if (value.literal.replace(/^[^=]*=/, '') !== '' && !value.referenced) {
        out.push(literalSecret(`${base}.${i}`, 'a command-line credential'));
      }
      return;
    }
    const next = args[i + 1];
    if (typeof next !== 'string' || next.startsWith('-')) return;
    const w = written(next, references.get(`${base}.${i + 1}`));
    if (!w.referenced && w.literal !== '') out.push(literalSecret(`${base}.${i + 1}`, 'a command-line credential'));
  });
  return out;
}

/** Every literal secret of the document; at most one finding per path. */
export function secretFindings(document: unknown, references: ReadonlyMap<string, string>): Finding[] {
  const out: Finding[] = [];
  const walk = (v: unknown, path: string[], key: string, underSecret: boolean, namesHere: boolean): void => {
    const at = path.join('.');
    if (typeof v === 'string') {
      // An MCP server's env or headers entry: the name is the server's choice, often without separators.
      const parent = path.at(-2);
      const named = (parent === 'env' || parent === 'headers') && path[0] === 'tools' && nameIsSecret(key);
      const f = gradeString(at, v, references.get(at), underSecret || leafIsSecret(key) || named, parent === 'headers');
      if (f) out.push(f);
    } else if (Array.isArray(v)) {
      if (key === 'args') out.push(...argCredentials(at, v, references));
      v.forEach((item, i) => {
        walk(item, [...path, String(i)], key, underSecret, false);
      });
    } else if (isPlainObject(v)) {
      for (const [k, item] of Object.entries(v)) {
        const inKey = tokenShape(k);
        if (inKey) out.push(literalSecret([...path, k].join('.'), `a key of this mapping (${inKey})`));
        const secret = (underSecret && !IDENTITY_FIELDS.has(k)) || (!namesHere && isSecretKey(k));
        walk(item, [...path, k], namesHere ? '' : k, secret, path.length === 0 && NAME_MAPS.has(k));
      }
    }
  };
  walk(document, [], '', false, false);
  const seen = new Set<string>();
  return out.filter((f) => !seen.has(f.path) && seen.add(f.path));
}
