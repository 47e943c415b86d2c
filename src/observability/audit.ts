import type { Logger } from 'pino';

/**
 * One audit event. Identity fields (`user`, `tenant`) come from the verified principal only. `details` holds
 * the event's own fields (for tools: argv, verdict, duration…); it must not contain secrets.
 */
export interface AuditInput {
  level?: 'info' | 'warn' | 'error';
  component: string;
  action: string;
  user: string | null;
  tenant: string;
  success: boolean;
  request_id: string | null;
  [field: string]: unknown;
}

export interface AuditEvent extends AuditInput {
  timestamp: string;
  level: 'info' | 'warn' | 'error';
}

/** Where audit events go. `emit` never throws and never blocks the request: failures are reported to `onError`. */
export interface AuditSink {
  emit(event: AuditInput): void;
  /** Waits until every emitted event has been written (used at shutdown and by tests). */
  flush(): Promise<void>;
}

export interface AuditSinkOptions {
  logger: Logger;
  /** Extra durable writer (e.g. the database audit table). Its failures are logged, never thrown. */
  persist?: (event: AuditEvent) => Promise<void>;
  now?: () => Date;
}

/**
 * The one audit sink every capability writes to: each event becomes a JSON log line with `audit: true` and,
 * when `persist` is given, a row written through it.
 */
export function createAuditSink(options: AuditSinkOptions): AuditSink {
  const log = options.logger.child({ audit: true });
  const now = options.now ?? (() => new Date());
  const pending = new Set<Promise<void>>();
  return {
    emit(input) {
      const event: AuditEvent = { ...input, timestamp: now().toISOString(), level: input.level ?? 'info' };
      const { level, timestamp: _t, ...fields } = event;
      log[level](fields, `${event.component}.${event.action}`);
      if (options.persist) {
        // Started on a later tick: whatever the writer throws (even synchronously) is a logged failure, never an
        // exception in the request that emitted the event.
        const persist = options.persist;
        const p = Promise.resolve()
          .then(() => persist(event))
          .catch((err: unknown) => {
            options.logger.error(
              { component: 'audit', err: err instanceof Error ? err.message : String(err) },
              'failed to persist audit event',
            );
          });
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }
    },
    async flush() {
      await Promise.all([...pending]);
    },
  };
}
