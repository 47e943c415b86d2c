export { MAX_CONCURRENT_RUNS } from './app-store.ts';
export { describeDatabaseUrl } from './database-url.ts';
export { openDatabase } from './open-database.ts';
export { ACTIVE_TASK_STATES } from './task-store.ts';
export type {
  ApprovalDecision,
  ApprovalRecord,
  ApprovalStatus,
  ApprovalStore,
  AppStore,
  AuditChainRow,
  AuditRecord,
  AuditStore,
  Database,
  DatabaseKind,
  DatabaseOptions,
  NewApproval,
  PausedRun,
  SessionStore,
  StoredApp,
  StoredAppKey,
  StoredMessage,
  StoredTask,
  TaskStore,
} from './types.ts';
