import type { CounterStore, JsonValue, Scope } from '../shared/index.ts';

/**
 * Store ports. Every method takes the owning `Scope` explicitly; a read with another scope behaves exactly as
 * if the row did not exist (no error that reveals it exists). Rows are JSON documents the store does not
 * interpret, plus the few columns needed to query them.
 *
 * Common rules (both engines):
 * - Identifiers (scope.appId, scope.userId, context ids, task ids, agent, state) must be non-empty, at most
 *   512 characters, well-formed Unicode without NUL; anything else is an InvalidRequestError. The same id in
 *   two scopes never refers to the same row (except task ids, which are unique across scopes: see save).
 * - JSON documents are stored as text and come back exactly as given (key order, `\u0000`, big numbers).
 *   A value JSON cannot represent (`undefined`, BigInt, cycles) is an InvalidRequestError.
 * - Timestamps are ISO-8601 UTC strings with milliseconds (`2025-01-02T03:04:05.006Z`), from the clock
 *   given to openDatabase.
 */

export interface StoredMessage {
  /** Position in the context's history, assigned by the store (0-based, increasing). */
  seq: number;
  /** Opaque JSON: one chat message as the runtime serialises it. */
  message: JsonValue;
  createdAt: string;
}

export interface SessionStore {
  /**
   * Appends messages to the history of `contextId` (creating it), atomically and in order: concurrent appends
   * to one context get consecutive, gap-free seqs and a batch is never interleaved with another. An empty
   * `messages` array is a no-op.
   */
  append(scope: Scope, contextId: string, messages: JsonValue[]): Promise<void>;
  /**
   * The history of `contextId` in seq order; the last `limit` messages (still in order) when given, none for
   * `limit: 0`. Empty when unknown or owned by another scope. `limit` must be a non-negative integer.
   */
  history(scope: Scope, contextId: string, options?: { limit?: number }): Promise<StoredMessage[]>;
  /** Removes a context's history. Returns whether it existed (in this scope). */
  delete(scope: Scope, contextId: string): Promise<boolean>;
}

export interface StoredTask {
  id: string;
  contextId: string;
  agent: string;
  /** A2A task state, e.g. `TASK_STATE_WORKING`; denormalised for queries. */
  state: string;
  /** Opaque JSON: the A2A Task object. */
  task: JsonValue;
  createdAt: string;
  updatedAt: string;
}

export interface TaskStore {
  /**
   * Inserts or replaces the task `id` in this scope (one atomic upsert; `createdAt` is kept from the first
   * save). A task id that exists in another scope is a ConflictError whose message reveals nothing about
   * that task, and that task is left unchanged. A task that has ended (completed, failed, canceled, rejected)
   * keeps its final state: a save in the same scope that would change it is ignored.
   */
  save(
    scope: Scope,
    task: {
      id: string;
      contextId: string;
      agent: string;
      state: string;
      task: JsonValue;
      /**
       * Present while the task is active (its run is in flight): the task is leased for this many ms from
       * now, and its server renews the lease with renewLeases. Absent: the task holds no lease.
       */
      leaseMs?: number;
    },
  ): Promise<void>;
  /** The task, or undefined when unknown or owned by another scope. */
  get(scope: Scope, id: string): Promise<StoredTask | undefined>;
  /**
   * Newest first by creation time, ties broken by id (a stable total order). `limit` is an integer 1–1000.
   * `cursor` is the opaque value returned as `nextCursor` (present only when more tasks may follow); a cursor
   * that was not produced by this method is an InvalidRequestError. A cursor only positions the list: it
   * cannot widen the scope.
   */
  list(
    scope: Scope,
    options: { contextId?: string; agent?: string; limit: number; cursor?: string },
  ): Promise<{ tasks: StoredTask[]; nextCursor?: string }>;
  /**
   * Extends to `leaseMs` from now the lease of each task of `ids` that still holds one (any scope: the
   * caller is the server running them). Ids not found, or whose task no longer holds a lease, are skipped. Only
   * active tasks (submitted or working) hold a lease, whatever an earlier version left in the column.
   */
  renewLeases(ids: readonly string[], leaseMs: number): Promise<void>;
  /**
   * Up to `limit` active tasks (submitted or working) whose lease has run out, the longest expired first, with
   * their scopes. A task whose stored JSON cannot be read comes back with `task: null`.
   */
  expiredLeases(limit: number): Promise<Array<StoredTask & { scope: Scope }>>;
  /**
   * Replaces task `id` of `scope` and drops its lease, but only if its lease is still held and has run out
   * (a compare-and-set: a task its server saved or renewed meanwhile, or one another server already
   * replaced, is left alone). Returns whether it replaced it.
   */
  replaceExpired(scope: Scope, id: string, update: { state: string; task: JsonValue }): Promise<boolean>;
}

export interface AuditRecord {
  timestamp: string;
  appId: string;
  userId: string | null;
  component: string;
  action: string;
  success: boolean;
  requestId: string | null;
  /** The whole event as JSON. */
  event: JsonValue;
}

export interface AuditStore {
  /** Appends one record; `timestamp` may be any ISO-8601 form and is stored normalised to UTC. */
  append(record: AuditRecord): Promise<void>;
  /**
   * Records of one app, newest first (ties by insertion order). `since` is inclusive, `until` exclusive (any
   * ISO-8601 form). `limit` is an integer 1–1000.
   */
  list(filter: {
    appId: string;
    since?: string;
    until?: string;
    component?: string;
    userId?: string;
    limit: number;
  }): Promise<(AuditRecord & { id: number })[]>;
  /**
   * Rows in insertion order after row `afterId`, at most `limit` (1–1000), with their chain fields (null on rows
   * written before the chain existed) and the content the hash covers: for `hector audit verify`.
   */
  readChain(afterId: number, limit: number): Promise<AuditChainRow[]>;
}

/** One audit row as the hash chain sees it. */
export interface AuditChainRow {
  readonly id: number;
  readonly seq: number | null;
  readonly prevHash: string | null;
  readonly hash: string | null;
  readonly content: JsonValue;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface NewApproval {
  toolCallId: string;
  toolName: string;
  /** The validated arguments that will run on approval, exactly as shown. */
  arguments: JsonValue;
  argsHash: string;
  prompt: string;
  /** Roles that may decide besides the task's owner. */
  approvers: string[];
  /** ISO-8601. */
  expiresAt: string;
}

export interface ApprovalRecord extends NewApproval {
  appId: string;
  /** The task's owner. */
  userId: string;
  taskId: string;
  contextId: string;
  agent: string;
  status: ApprovalStatus;
  reason: string | null;
  decidedBy: string | null;
  createdAt: string;
  decidedAt: string | null;
}

export interface PausedRun {
  contextId: string;
  agent: string;
  /** Opaque JSON: what the runtime needs to continue. */
  state: JsonValue;
  /** The run's approvals in the order they were requested. */
  approvals: ApprovalRecord[];
}

export interface ApprovalDecision {
  toolCallId: string;
  status: 'approved' | 'denied' | 'expired';
  /** Must equal the stored hash: a decision applies to exactly the arguments that were shown. */
  argsHash: string;
  decidedBy: string;
  reason?: string;
}

export interface ApprovalStore {
  /**
   * Stores a run paused for approval and its pending approvals, atomically. An earlier pause of the same task
   * (already resumed) is replaced, together with its decided approvals.
   */
  pause(
    scope: Scope,
    pause: { taskId: string; contextId: string; agent: string; state: JsonValue; approvals: NewApproval[] },
  ): Promise<void>;
  /** The paused run of `taskId` in this scope, or undefined (unknown, resumed, or another scope's). */
  paused(scope: Scope, taskId: string): Promise<PausedRun | undefined>;
  /** One approval of an app, whoever owns the task (for approvers holding a role); undefined when unknown. */
  find(appId: string, taskId: string, toolCallId: string): Promise<ApprovalRecord | undefined>;
  /**
   * Applies decisions to PENDING approvals of one task, all or none, in one transaction: returns false and
   * changes nothing when any of them is unknown, no longer pending, or has another arguments hash. This is
   * what makes a decision single-use under concurrency.
   */
  decide(appId: string, taskId: string, decisions: ApprovalDecision[]): Promise<boolean>;
  /** Ends the pause (the run continued): the paused run is removed; decided approvals stay until the next pause. */
  resume(scope: Scope, taskId: string): Promise<void>;
  /** Approvals of paused runs still pending and not expired, across every app (`hector_approvals_pending`). */
  countPending(): Promise<number>;
}

export type DatabaseKind = 'sqlite' | 'postgres';

export interface Database {
  readonly kind: DatabaseKind;
  /** Human-readable location without credentials, e.g. `sqlite .hector/hector.db` or `postgres db@host:5432`. */
  readonly description: string;
  readonly sessions: SessionStore;
  readonly tasks: TaskStore;
  readonly audit: AuditStore;
  readonly approvals: ApprovalStore;
  readonly counters: CounterStore;
  readonly apps: AppStore;
  /**
   * Deletes everything an app owns, in one transaction: its sessions and messages, tasks, paused runs and
   * approvals, and the app itself with its signing keys. The audit trail is kept (its rows stay tagged with the
   * app). Rate counters are not touched: they expire with their windows, and a new app never reuses an id.
   * Returns whether the app existed.
   */
  purgeApp(appId: string): Promise<boolean>;
  /** Closes the connection(s). Idempotent. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /**
   * `postgres://…` / `postgresql://…` for PostgreSQL, `sqlite:PATH` or a plain file path for SQLite,
   * `:memory:` for an in-memory SQLite database.
   */
  url: string;
  /**
   * Key of the audit hash chain (HMAC-SHA256; HECTOR_AUDIT_KEY). Without it the chain uses plain SHA-256, which
   * detects edits but not a writer who recomputes every hash after the one they changed.
   */
  auditKey?: string | undefined;
  /**
   * Open an existing database only, as it is: a SQLite file that does not exist is an error (nothing is
   * created), and no migration runs (for readers such as `hector audit verify`).
   */
  existing?: boolean;
}

/** An app (tenant) as stored: its config is sealed by the caller (shared/sealer.ts), never stored in clear. */
export interface StoredApp {
  readonly id: string;
  readonly name: string;
  readonly configSealed: string;
  /** The admin allowed command and MCP-stdio tools in this app's config. */
  readonly hostTools: boolean;
  /** The rate limits an admin set on the app: a JSON list of rules, validated by the caller (`[]`: none). */
  readonly rateLimits: string;
  /** The private ranges an admin lets the app reach: a JSON list of CIDRs, validated by the caller (`[]`: none). */
  readonly allowedRanges: string;
  /** The most agent runs the app may have in flight at once (an integer ≥ 1); null: no cap of its own. */
  readonly maxConcurrentRuns: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A token signing key of an app. `validUntil` (ms since the epoch) undefined: the current key. */
export interface StoredAppKey {
  readonly kid: string;
  readonly appId: string;
  /** The public JWK as JSON text. */
  readonly publicJwk: string;
  /** The private JWK, sealed by the caller. */
  readonly privateSealed: string;
  readonly createdAt: string;
  readonly validUntil?: number;
}

/**
 * Apps and their signing keys. App ids and names are unique; deleting an app deletes its keys in the same
 * statement (foreign key cascade). Rotation: `rotateKey` adds the new current key and limits every earlier key
 * of the app to `keepUntil` (now: revoked at once).
 */
export interface AppStore {
  /** Creates the app with its first key. A ConflictError when the id or name is taken (nothing is created). */
  create(
    app: Omit<StoredApp, 'createdAt' | 'updatedAt'>,
    key: Omit<StoredAppKey, 'appId' | 'createdAt' | 'validUntil'>,
  ): Promise<StoredApp>;
  get(id: string): Promise<StoredApp | undefined>;
  /** The app of that exact name (names are unique). */
  getByName(name: string): Promise<StoredApp | undefined>;
  /** All apps, by creation time (at most MAX_PAGE_SIZE). */
  list(): Promise<StoredApp[]>;
  /** Undefined when there is no such app; a ConflictError when the new name is taken. */
  update(
    id: string,
    change: {
      name?: string;
      configSealed?: string;
      hostTools?: boolean;
      rateLimits?: string;
      allowedRanges?: string;
      maxConcurrentRuns?: number | null;
    },
    /** When set, the update applies only if the app is still at this `updatedAt` (else a ConflictError). */
    expectedUpdatedAt?: string,
  ): Promise<StoredApp | undefined>;
  /** True when the app existed. Its keys go with it. */
  delete(id: string): Promise<boolean>;
  /** False when there is no such app. */
  rotateKey(
    appId: string,
    key: Omit<StoredAppKey, 'appId' | 'createdAt' | 'validUntil'>,
    keepUntil: number,
  ): Promise<boolean>;
  /** The keys that still verify tokens at `now`: the current one and those within their rotation window. */
  validKeys(appId: string, now: number): Promise<StoredAppKey[]>;
  /** Every app's valid keys at `now` (for a JWKS). */
  allValidKeys(now: number): Promise<StoredAppKey[]>;
}
