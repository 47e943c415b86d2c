import type { ColumnType, Generated } from 'kysely';

/**
 * The logical schema, identical on both engines. Timestamps are ISO-8601 UTC strings with milliseconds
 * (`Date.prototype.toISOString`), so text order is time order. JSON documents are stored as text on both
 * engines: an exact round trip of what the caller gave, and no `jsonb` failure on `\u0000` in user text.
 */

/** One row per conversation context; `next_seq` is the seq the next appended message gets. */
export interface SessionsTable {
  app_id: string;
  user_id: string;
  context_id: string;
  next_seq: number;
  created_at: string;
  updated_at: string;
}

export interface MessagesTable {
  app_id: string;
  user_id: string;
  context_id: string;
  seq: number;
  message: string;
  created_at: string;
}

/** `id` is globally unique: the same id cannot exist in two scopes. */
export interface TasksTable {
  id: string;
  app_id: string;
  user_id: string;
  context_id: string;
  agent: string;
  state: string;
  task: string;
  created_at: string;
  updated_at: string;
  /** Set while the task is active: the time after which its server is presumed gone (see migrations.ts). */
  lease_until: string | null;
}

export interface AuditTable {
  /** `bigint` identity on PostgreSQL (read back as a string by pg), integer autoincrement on SQLite. */
  id: Generated<number | string>;
  timestamp: string;
  app_id: string;
  user_id: string | null;
  component: string;
  action: string;
  /** boolean on PostgreSQL, 0/1 on SQLite. */
  success: boolean | number;
  request_id: string | null;
  event: string;
  /** The hash chain (null on rows written before it existed): position, previous hash, own hash. */
  seq: ColumnType<number | string | null, number | null | undefined, never>;
  prev_hash: ColumnType<string | null, string | null | undefined, never>;
  hash: ColumnType<string | null, string | null | undefined, never>;
}

/** A run paused for human approval; `state` is the runtime's opaque resume document. */
export interface PausedRunsTable {
  app_id: string;
  user_id: string;
  task_id: string;
  context_id: string;
  agent: string;
  state: string;
  created_at: string;
}

export interface ApprovalsTable {
  app_id: string;
  user_id: string;
  task_id: string;
  tool_call_id: string;
  context_id: string;
  agent: string;
  tool_name: string;
  arguments: string;
  args_hash: string;
  prompt: string;
  approvers: string;
  status: string;
  reason: string | null;
  decided_by: string | null;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
}

/** Rate-limit counters: one row per key and fixed window (see counter-store.ts). BIGINT on PostgreSQL. */
export interface RateCountersTable {
  key: string;
  window_start: number | string;
  used: number | string;
  expires_at: number | string;
}

/** Apps (tenants) created over the Admin API. `config_sealed` is the app's config, encrypted by the caller. */
export interface AppsTable {
  id: string;
  name: string;
  config_sealed: string;
  /** 1: the admin allowed command and MCP-stdio tools for this app. */
  host_tools: number;
  /** The rate limits an admin set on the app, as a JSON list of rules. */
  rate_limits: ColumnType<string, string | undefined, string>;
  /** The private ranges an admin lets the app reach, as a JSON list of CIDRs. */
  allowed_ranges: ColumnType<string, string | undefined, string>;
  /** The most runs the app may have in flight at once; null: no cap of its own. */
  max_concurrent_runs: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: string;
  updated_at: string;
}

/** Per-app token signing keys. `valid_until` (ms) null: current; a number: accepted until then (rotation). */
export interface AppKeysTable {
  kid: string;
  app_id: string;
  public_jwk: string;
  private_sealed: string;
  created_at: string;
  valid_until: number | string | null;
}

export interface Schema {
  apps: AppsTable;
  app_keys: AppKeysTable;
  rate_counters: RateCountersTable;
  paused_runs: PausedRunsTable;
  approvals: ApprovalsTable;
  sessions: SessionsTable;
  messages: MessagesTable;
  tasks: TasksTable;
  audit: AuditTable;
}
