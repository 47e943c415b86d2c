import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Adapts Node's built-in `node:sqlite` DatabaseSync to the better-sqlite3-shaped interface Kysely's
 * SqliteDialect drives (no native addon to build). Kysely serialises all use of the single connection, so
 * transactions never interleave.
 *
 * Parameters are bound, never spliced into SQL. node:sqlite cannot bind booleans or `undefined`: booleans
 * become 1/0 (SQLite has no boolean type); `undefined` is rejected by node:sqlite with an error.
 */
export function adaptNodeSqlite(db: DatabaseSync): SqliteDatabase {
  // Kysely compiles the same few queries over and over; preparing each once saves a parse per query.
  // Reuse is safe because Kysely hands the single connection to one query (or transaction) at a time.
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      if (db.isOpen) db.close();
    },
    prepare: (sql: string) => {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = wrapStatement(db.prepare(sql));
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

/** Prepared statements kept per connection (oldest evicted first). */
const STATEMENT_CACHE_SIZE = 256;

function bindable(value: unknown): SQLInputValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value as SQLInputValue;
}

function wrapStatement(stmt: StatementSync): SqliteStatement {
  const bind = (parameters: ReadonlyArray<unknown>): SQLInputValue[] => parameters.map(bindable);
  return {
    // A statement that yields columns (SELECT, PRAGMA, INSERT … RETURNING) is a reader: Kysely calls all().
    reader: stmt.columns().length > 0,
    all: (parameters) => stmt.all(...bind(parameters)),
    run: (parameters) => {
      const { changes, lastInsertRowid } = stmt.run(...bind(parameters));
      return { changes, lastInsertRowid };
    },
    iterate: (parameters) => stmt.iterate(...bind(parameters)) as IterableIterator<unknown>,
  };
}
