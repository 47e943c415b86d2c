/**
 * Counts the security decisions that already produce an audit event, so metrics and the audit trail cannot
 * disagree: the returned sink forwards every event unchanged to `sink`, and for
 * - `auth.authenticate`, `admin.authenticate`, `metrics.authenticate` with `success: false` → authFailure
 *   (reason: the event's `reason`, else `<component>_credentials`);
 * - `ratelimit.deny` → rateLimitDenial (limit_type, scope, stage);
 * - `guardrails.block` → guardrailBlock (stage, check).
 * Label values come from closed enums in those events; metrics.ts bounds them again. Nothing else of the event
 * (users, tenants, agents, reasons written by clients) reaches a label.
 */
import type { AuditInput, AuditSink } from './audit.ts';
import type { Metrics } from './telemetry.ts';

const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

export function meterAuditSink(sink: AuditSink, metrics: Metrics): AuditSink {
  const count = (e: AuditInput) => {
    if (e.action === 'authenticate' && e.success === false) {
      if (e.component === 'auth') metrics.authFailure({ reason: text(e.reason, 'unknown') });
      else if (e.component === 'admin' || e.component === 'metrics') {
        metrics.authFailure({ reason: `${e.component}_credentials` });
      }
    } else if (e.component === 'ratelimit' && e.action === 'deny') {
      metrics.rateLimitDenial({
        type: text(e.limit_type, 'unknown'),
        scope: text(e.scope, 'unknown'),
        stage: text(e.stage, 'unknown'),
      });
    } else if (e.component === 'guardrails' && e.action === 'block') {
      metrics.guardrailBlock({ stage: text(e.stage, 'unknown'), check: text(e.check, 'unknown') });
    }
  };
  // Every other member (flush, …) is the sink's own: the wrapper changes nothing but emit.
  return {
    ...sink,
    emit(event) {
      sink.emit(event);
      count(event);
    },
  };
}
