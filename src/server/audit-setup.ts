import { join } from 'node:path';
import type { AuditConfig } from '../config/index.ts';
import { type AuditEvent, openAuditFile, type SecretSet } from '../observability/index.ts';
import type { Database } from '../persistence/index.ts';
import { ConfigError, type JsonValue } from '../shared/index.ts';

/** Shortest accepted HECTOR_AUDIT_KEY, in characters. */
export const MIN_AUDIT_KEY_LENGTH = 32;

/**
 * The key of the audit hash chain: HECTOR_AUDIT_KEY from the environment or `.env`, at least 32 characters, or
 * undefined (plain SHA-256: edits are detected, but not a writer who recomputes every later hash).
 */
export function resolveAuditKey(env: Readonly<Record<string, string>>): string | undefined {
  const key = env.HECTOR_AUDIT_KEY;
  if (key === undefined || key === '') return undefined;
  if (key.length < MIN_AUDIT_KEY_LENGTH) {
    throw new ConfigError([
      {
        path: 'HECTOR_AUDIT_KEY',
        message: `must be at least ${MIN_AUDIT_KEY_LENGTH} characters (got ${key.length})`,
        hint: 'generate one with: openssl rand -hex 32',
      },
    ]);
  }
  return key;
}

export interface AuditPersistence {
  /** Writes one event durably (absent for `sink: log`). */
  readonly persist?: (event: AuditEvent) => Promise<void>;
  /** For the startup log: where the trail is kept. */
  readonly description: string;
  close(): Promise<void>;
}

/** The default audit file: `.hector/audit.jsonl` under the server's working directory. */
export const DEFAULT_AUDIT_FILE = (stateDir: string) => join(stateDir, 'audit.jsonl');

/**
 * Opens where `audit.sink` keeps the trail: hash-chained rows in the database (chained by the audit store),
 * a hash-chained JSON-lines file, or nothing beyond the log lines. A file that cannot be locked or continued is
 * a startup error, never a silent fallback to the log.
 */
export async function openAuditPersistence(
  audit: AuditConfig,
  context: {
    database: Database;
    stateDir: string;
    key: string | undefined;
    /** What no entry may contain: the logger's secrets (scrubbed before an entry is hashed and written). */
    secrets: SecretSet;
  },
): Promise<AuditPersistence> {
  /** The event as stored: plain JSON, every known secret value replaced (the log line is scrubbed the same way). */
  const clean = (event: AuditEvent) => context.secrets.scrubValue(JSON.parse(JSON.stringify(event)) as JsonValue);
  const keyed = context.key === undefined ? 'SHA-256 chain' : 'HMAC chain (HECTOR_AUDIT_KEY)';
  switch (audit.sink) {
    case 'log':
      return { description: 'log lines only (audit.sink: log)', close: async () => {} };
    case 'database': {
      const { database } = context;
      return {
        description: `database (${database.description}), ${keyed}`,
        persist: (event) =>
          database.audit.append({
            timestamp: event.timestamp,
            appId: event.tenant,
            userId: event.user,
            component: event.component,
            action: event.action,
            success: event.success,
            requestId: event.request_id,
            event: clean(event),
          }),
        close: async () => {},
      };
    }
    case 'file': {
      const path = audit.path ?? DEFAULT_AUDIT_FILE(context.stateDir);
      const file = await openAuditFile(path, context.key).catch((err: unknown) => {
        throw new ConfigError([{ path: 'audit.path', message: err instanceof Error ? err.message : String(err) }]);
      });
      return {
        description: `file ${path}, ${keyed}`,
        persist: (event) => file.append(clean(event)),
        close: () => file.close(),
      };
    }
  }
}
