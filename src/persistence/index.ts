export { describeDatabaseUrl } from './database-url.ts';
export { openDatabase } from './open-database.ts';
export type {
  AuditRecord,
  AuditStore,
  Database,
  DatabaseKind,
  DatabaseOptions,
  SessionStore,
  StoredMessage,
  StoredTask,
  TaskStore,
} from './types.ts';
