import { isAppError, UnavailableError } from '../shared/index.ts';

/** PostgreSQL SQLSTATEs and socket error codes worth naming; anything else is described by its code only. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running and listening on that host and port?)',
  ENOTFOUND: 'host not found (check the host name)',
  EAI_AGAIN: 'host name lookup failed (check the host name and DNS)',
  ETIMEDOUT: 'connection timed out (check the host, port and firewall)',
  EHOSTUNREACH: 'host unreachable (check the host and network)',
  ENETUNREACH: 'network unreachable (check the host and network)',
  ECONNRESET: 'connection reset by the server',
  '28P01': 'password authentication failed (check the user name and password)',
  '28000': 'the server rejected the connection (check pg_hba.conf, the user name and SSL settings)',
  '3D000': 'the database does not exist (create it, or fix the database name)',
  '42501': 'permission denied (the user needs CREATE on the database to run migrations)',
  '53300': 'too many connections on the server',
  '57P03': 'the server is starting up or shutting down',
  '42P07': 'a table Hector needs already exists with another definition (use a database of its own)',
};

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node reports a refused connection to a name with several addresses as an AggregateError.
  if (err instanceof AggregateError) return err.errors.map(codeOf).find((c) => c !== undefined);
  return undefined;
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && /timeout/i.test(err.message);
}

/**
 * Turns a failure while opening or migrating into an UnavailableError that names the database by its
 * credential-free `description`. Security contract: the underlying error's message and the error object are
 * NOT kept (pg and URL errors can carry the connection string); only a known code is reported, unless
 * `revealMessage` is set (SQLite, whose messages hold no credentials).
 */
export function openFailure(
  err: unknown,
  description: string,
  stage: 'connect' | 'migrate',
  revealMessage = false,
): Error {
  if (isAppError(err)) return err;
  const code = codeOf(err);
  const known = code === undefined ? undefined : REASONS[code];
  const reason =
    known ??
    (revealMessage && err instanceof Error
      ? err.message
      : code
        ? `error ${code}`
        : isTimeout(err)
          ? 'timed out while connecting (check host, port and firewall)'
          : stage === 'connect'
            ? 'the connection failed (check that the server is running and reachable, and the URL, including SSL settings)'
            : 'a schema migration failed');
  const what = stage === 'connect' ? 'cannot connect to' : 'cannot prepare the schema of';
  return new UnavailableError(`${what} the database (${description})${reason ? `: ${reason}` : ''}`);
}
