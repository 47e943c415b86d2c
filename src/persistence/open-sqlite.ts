import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Kysely, SqliteDialect } from 'kysely';
import { UnavailableError } from '../shared/index.ts';
import { adaptNodeSqlite } from './node-sqlite-database.ts';
import type { Schema } from './schema.ts';

/** How long a statement waits for another process's write lock before failing, in milliseconds. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * Creates the missing directories of `dir`, top-down, each with mode 0700. (Not `mkdirSync({recursive})`:
 * on some file systems, e.g. under /proc, Node's recursive mkdir loops forever on ENOENT.)
 */
function ensureDir(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/**
 * Creates the database file owner-only before SQLite opens it: the parent directory (when missing) with mode
 * 0700, the file with mode 0600; an existing file readable by group or others is tightened to 0600. SQLite
 * gives its `-wal` and `-shm` files the permissions of the database file.
 */
function prepareFile(path: string, description: string): void {
  const absolute = resolve(path);
  try {
    ensureDir(dirname(absolute));
    const fd = openSync(absolute, 'a', 0o600);
    try {
      if ((fstatSync(fd).mode & 0o077) !== 0) chmodSync(absolute, 0o600);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new UnavailableError(
      `cannot create or open the SQLite database (${description}): ${code}; check that the directory is writable`,
    );
  }
}

/**
 * Opens a SQLite database through node:sqlite: WAL journal (readers do not block the writer), foreign keys
 * on, a busy timeout of SQLITE_BUSY_TIMEOUT_MS, synchronous FULL (a commit, e.g. an audit record, survives a
 * power loss).
 */
export function openSqlite(path: string, memory: boolean, description: string): Kysely<Schema> {
  if (!memory) prepareFile(path, description);
  let native: DatabaseSync | undefined;
  try {
    native = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: SQLITE_BUSY_TIMEOUT_MS });
    native.exec('PRAGMA foreign_keys = ON');
    native.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    if (!memory) {
      native.exec('PRAGMA journal_mode = WAL');
      native.exec('PRAGMA synchronous = FULL');
    }
  } catch (err) {
    if (native?.isOpen) native.close();
    const reason = err instanceof Error ? err.message : 'unknown error';
    throw new UnavailableError(`cannot open the SQLite database (${description}): ${reason}`);
  }
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: adaptNodeSqlite(native) }) });
}
