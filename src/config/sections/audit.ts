/**
 * `audit:` — where the audit trail is kept, besides the JSON log lines every event always becomes.
 * - `database` (default): rows in the server's database, hash-chained, readable over the Admin API;
 * - `file`: a hash-chained JSON-lines file (`path`, default `.hector/audit.jsonl`), one server per file;
 * - `log`: the log lines only (no tamper evidence; for a log pipeline that keeps them elsewhere).
 */
import { z } from 'zod';
import { text } from '../fields.ts';

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
  })
  .superRefine((a, ctx) => {
    if (a.path !== undefined && a.sink !== 'file') {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'path is set but sink is not file' });
    }
  })
  .prefault({})
  .describe('the audit trail');
