import { ConfigError } from '../shared/index.ts';

/**
 * Parsing of the `database` URL. Security contract: nothing produced here for display (descriptions, error
 * messages) ever contains the password, whether it is in the userinfo (`postgres://u:PASSWORD@h`) or in the
 * query string (`?password=…`), and a URL that fails to parse is never echoed back (it may hold a password we
 * could not locate).
 */

export type ParsedDatabaseUrl =
  | { kind: 'sqlite'; path: string; memory: boolean; description: string }
  | { kind: 'postgres'; connectionString: string; description: string };

const POSTGRES_SCHEME = /^postgres(?:ql)?:\/\//i;
const ANY_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const SQLITE_PREFIX = /^sqlite:/i;
const MEMORY = ':memory:';

const POSTGRES_HINT =
  'use postgres://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode special characters in the user name and password)';

function urlIssue(message: string, hint: string): ConfigError {
  return new ConfigError([{ path: 'server.database', message, hint }]);
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function parsePostgres(url: string): ParsedDatabaseUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // The TypeError carries the input (with any password) in `input`: it is deliberately not kept as a cause.
    throw urlIssue('the PostgreSQL URL is malformed (it could not be parsed as a URL)', POSTGRES_HINT);
  }
  if (safeDecode(u.username) === undefined || safeDecode(u.password) === undefined) {
    throw urlIssue('the PostgreSQL URL has an invalid percent-encoding in its user name or password', POSTGRES_HINT);
  }
  const database = safeDecode(u.pathname.slice(1));
  if (database === undefined) {
    throw urlIssue('the PostgreSQL URL has an invalid percent-encoding in its database name', POSTGRES_HINT);
  }
  const host = u.searchParams.get('host') ?? (u.hostname || 'localhost');
  const port = u.searchParams.get('port') ?? (u.port || '5432');
  return {
    kind: 'postgres',
    connectionString: url,
    description: `postgres ${database || '(default database)'}@${host}:${port}`,
  };
}

function parseSqlite(path: string): ParsedDatabaseUrl {
  if (path === MEMORY) return { kind: 'sqlite', path: MEMORY, memory: true, description: 'sqlite :memory:' };
  if (path.trim() === '') {
    throw urlIssue('the SQLite database path is empty', 'use sqlite:PATH, a file path, or :memory:');
  }
  if (path.includes('\0')) {
    throw urlIssue('the SQLite database path contains a NUL character', 'use sqlite:PATH with a plain file path');
  }
  return { kind: 'sqlite', path, memory: false, description: `sqlite ${path}` };
}

/**
 * Classifies and validates a database URL: `postgres://…` / `postgresql://…`, `sqlite:PATH` (`sqlite:///abs`
 * and `sqlite:rel` both accepted), `:memory:`, or a plain file path. Fails with a ConfigError (path
 * `server.database`) that says what was wrong and how to write it instead.
 */
export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  if (typeof url !== 'string' || url.trim() === '') {
    throw urlIssue('the database URL is empty', 'use postgres://…, sqlite:PATH, a file path, or :memory:');
  }
  if (POSTGRES_SCHEME.test(url)) return parsePostgres(url);
  if (SQLITE_PREFIX.test(url)) {
    let rest = url.slice('sqlite:'.length);
    if (rest.startsWith('//')) rest = rest.slice(2);
    return parseSqlite(rest);
  }
  const scheme = ANY_SCHEME.exec(url);
  if (scheme) {
    throw urlIssue(
      `unsupported database URL scheme "${scheme[1]!.toLowerCase()}"`,
      'use postgres://…, postgresql://…, sqlite:PATH, a file path, or :memory:',
    );
  }
  return parseSqlite(url);
}

/**
 * A credential-free, human-readable description of a database URL for banners and logs, e.g.
 * `sqlite .hector/hector.db` or `postgres hector@db.internal:5432`. Never throws: an invalid URL is described
 * without being echoed.
 */
export function describeDatabaseUrl(url: string): string {
  try {
    return parseDatabaseUrl(url).description;
  } catch {
    if (typeof url === 'string' && POSTGRES_SCHEME.test(url)) return 'postgres (malformed URL)';
    return 'database (invalid URL)';
  }
}
