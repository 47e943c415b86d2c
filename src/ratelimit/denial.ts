/** What a denial looks like to the client (the error) and to the operator (the audit event). */
import type { AuditSink } from '../observability/index.ts';
import { RateLimitedError, type RateSubject } from '../shared/index.ts';
import type { LimitDenial } from './limiter.ts';

/** Whole seconds until the denying rule admits again (at least 1): `Retry-After` and `retry_after`. */
export function retryAfterSeconds(denial: LimitDenial): number {
  return Math.max(1, Math.ceil(denial.retryAfterMs / 1000));
}

/** The client-facing error of a denial: the rule and numbers, nothing about other callers. */
export function denialError(denial: LimitDenial): RateLimitedError {
  const { rule } = denial;
  const what = rule.type === 'token' ? 'LLM token quota' : 'rate limit';
  const whose =
    rule.scope === 'user' ? 'per user' : rule.scope === 'address' ? 'per client address' : `per ${rule.scope}`;
  const per =
    rule.burst === undefined
      ? `${rule.limit} per ${rule.window}`
      : `${rule.limit} per ${rule.window}, burst ${rule.burst}`;
  const agent = rule.agent === undefined ? '' : ` for agent "${rule.agent}"`;
  const retry = retryAfterSeconds(denial);
  return new RateLimitedError(`${what} exceeded${agent} (${per}, ${whose}); retry after ${retry} s`, {
    type: rule.type,
    window: rule.window,
    limit: rule.limit,
    scope: rule.scope,
    retry_after: retry,
    ...(rule.agent === undefined ? {} : { agent: rule.agent }),
  });
}

/** Writes the `ratelimit.deny` audit event of a denial (`stage`: a request refused, or an LLM call's tokens). */
export function auditDenial(
  audit: AuditSink,
  subject: RateSubject,
  denial: LimitDenial,
  extra: {
    requestId: string | null;
    agent: string | null;
    method?: string;
    taskId?: string;
    stage: 'request' | 'tokens';
  },
): void {
  const { rule } = denial;
  audit.emit({
    level: 'warn',
    component: 'ratelimit',
    action: 'deny',
    user: subject.userId,
    tenant: subject.appId,
    success: false,
    request_id: extra.requestId,
    client_address: subject.address,
    agent: extra.agent,
    ...(extra.method === undefined ? {} : { method: extra.method }),
    ...(extra.taskId === undefined ? {} : { task_id: extra.taskId }),
    stage: extra.stage,
    limit_type: rule.type,
    window: rule.window,
    limit: rule.limit,
    scope: rule.scope,
    ...(rule.burst === undefined ? {} : { burst: rule.burst }),
    ...(rule.agent === undefined ? {} : { rule_agent: rule.agent }),
    used: denial.used,
    retry_after: retryAfterSeconds(denial),
  });
}
