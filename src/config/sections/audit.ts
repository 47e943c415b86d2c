/**
 * `audit:` — where the audit trail is kept, besides the JSON log lines every event always becomes.
 * - `database` (default): rows in the server's database, hash-chained, readable over the Admin API;
 * - `file`: a hash-chained JSON-lines file (`path`, default `.hector/audit.jsonl`), one server per file;
 * - `log`: the log lines only (no tamper evidence; for a log pipeline that keeps them elsewhere).
 * `repeat_limit` bounds what one source of repeated failures writes (observability/repeat-throttle.ts).
 */
import { z } from 'zod';
import { integer, text } from '../fields.ts';

export const AUDIT_SINKS = ['log', 'file', 'database'] as const;

export const auditSchema = z
  .strictObject({
    sink: z
      .enum(AUDIT_SINKS)
      .prefault('database')
      .describe('database (hash-chained rows, default), file (hash-chained JSON lines) or log (log lines only)'),
    path: text()
      .optional()
      .describe("sink: file — the audit file (relative to the config file's directory; default .hector/audit.jsonl)"),
    repeat_limit: integer(0, 100_000)
      .prefault(20)
      .describe(
        'events of one repeated failure (one client address with the same bad credentials, one subject hitting the same rate limit) written per minute; the rest are counted in one `repeated` event (0: write every one)',
      ),
  })
  .superRefine((a, ctx) => {
    if (a.path !== undefined && a.sink !== 'file') {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'path is set but sink is not file' });
    }
  })
  .prefault({})
  .describe('the audit trail');
