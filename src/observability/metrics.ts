/**
 * Prometheus metrics behind the `Metrics` port (telemetry.ts). Each call of createMetrics makes its own
 * registry: two servers in one process never share a series, and prom-client's process-global default
 * registry is never used.
 *
 * Label safety (enforced here, whatever callers pass): every label value must match SAFE_LABEL (else it is
 * recorded as `invalid`), and each label of each metric takes at most MAX_VALUES_PER_LABEL distinct values;
 * later new values are recorded as `other`. Callers are still expected to pass bounded values (route templates,
 * configured names, closed enums): the cap is a backstop, not the design.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics } from './telemetry.ts';

export const SAFE_LABEL = /^[A-Za-z0-9_.:/*-]{1,128}$/;
export const MAX_VALUES_PER_LABEL = 200;
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface MetricsOptions {
  /** Pending (undecided, unexpired) approvals right now, read at every scrape. Absent: the gauge stays 0. */
  pendingApprovals?: () => Promise<number>;
  /** Called when reading `pendingApprovals` fails (the gauge keeps its last value; the scrape still answers). */
  onCollectError?: (err: unknown) => void;
  /** Also export prom-client's process metrics (CPU, memory, event loop lag, GC). Default true. */
  processMetrics?: boolean;
}

/** Bounds label values: SAFE_LABEL, and at most MAX_VALUES_PER_LABEL distinct values per (metric, label). */
export function createLabelGuard(max = MAX_VALUES_PER_LABEL) {
  const seen = new Map<string, Set<string>>();
  return (metric: string, label: string, value: string): string => {
    if (!SAFE_LABEL.test(value)) return 'invalid';
    const key = `${metric}\u0000${label}`;
    let values = seen.get(key);
    if (!values) {
      values = new Set();
      seen.set(key, values);
    }
    if (values.has(value)) return value;
    if (values.size >= max) return 'other';
    values.add(value);
    return value;
  };
}

/** Creates a Metrics implementation with its own prom-client registry. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const guard = createLabelGuard();
  const registers = [registry];
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

  const httpRequests = new Counter({
    name: 'hector_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'hector_http_request_duration_seconds',
    help: 'Time to the response headers, by method and route template (SSE streams: until the stream opens)',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const llmCalls = new Counter({
    name: 'hector_llm_calls_total',
    help: 'LLM calls (one per agent step), by provider, agent and outcome (ok or error)',
    labelNames: ['provider', 'agent', 'outcome'] as const,
    registers,
  });
  const llmTokens = new Counter({
    name: 'hector_llm_tokens_total',
    help: 'LLM tokens the provider reported, by provider, agent and type (input or output)',
    labelNames: ['provider', 'agent', 'type'] as const,
    registers,
  });
  const llmDuration = new Histogram({
    name: 'hector_llm_call_duration_seconds',
    help: 'LLM call latency (whole call, including retries), by provider and agent',
    labelNames: ['provider', 'agent'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
    registers,
  });
  const toolCalls = new Counter({
    name: 'hector_tool_calls_total',
    help: 'Tool calls the model asked for, by tool and verdict (executed, denied, held, refused, invalid_arguments, failed)',
    labelNames: ['tool', 'verdict'] as const,
    registers,
  });
  const guardrailBlocks = new Counter({
    name: 'hector_guardrail_blocks_total',
    help: 'Guardrail blocks, by stage and check',
    labelNames: ['stage', 'check'] as const,
    registers,
  });
  const rateLimitDenials = new Counter({
    name: 'hector_rate_limit_denials_total',
    help: 'Rate-limit and token-quota denials, by limit type, scope and stage (request or tokens)',
    labelNames: ['type', 'scope', 'stage'] as const,
    registers,
  });
  const authFailures = new Counter({
    name: 'hector_auth_failures_total',
    help: 'Refused credentials, by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  const { pendingApprovals, onCollectError } = options;
  new Gauge({
    name: 'hector_approvals_pending',
    help: 'Tool calls waiting for a human decision (not yet decided or expired), across all apps',
    registers,
    async collect() {
      if (!pendingApprovals) return;
      try {
        this.set(await pendingApprovals());
      } catch (err) {
        onCollectError?.(err);
      }
    },
  });

  const label = (metric: string, name: string, value: string) => guard(metric, name, value);
  return {
    httpRequest({ method, route, status, seconds }) {
      const m = HTTP_METHODS.has(method) ? method : 'other';
      const r = label('http', 'route', route);
      httpRequests.inc({ method: m, route: r, status: String(Math.trunc(status)) });
      httpDuration.observe({ method: m, route: r }, seconds);
    },
    llmCall({ provider, agent, outcome, seconds, inputTokens, outputTokens }) {
      const p = label('llm', 'provider', provider);
      const a = label('llm', 'agent', agent);
      llmCalls.inc({ provider: p, agent: a, outcome });
      llmDuration.observe({ provider: p, agent: a }, seconds);
      if (inputTokens > 0) llmTokens.inc({ provider: p, agent: a, type: 'input' }, inputTokens);
      if (outputTokens > 0) llmTokens.inc({ provider: p, agent: a, type: 'output' }, outputTokens);
    },
    toolCall({ tool, verdict }) {
      toolCalls.inc({ tool: label('tool', 'tool', tool), verdict: label('tool', 'verdict', verdict) });
    },
    guardrailBlock({ stage, check }) {
      guardrailBlocks.inc({ stage: label('guard', 'stage', stage), check: label('guard', 'check', check) });
    },
    rateLimitDenial({ type, scope, stage }) {
      rateLimitDenials.inc({
        type: label('rl', 'type', type),
        scope: label('rl', 'scope', scope),
        stage: label('rl', 'stage', stage),
      });
    },
    authFailure({ reason }) {
      authFailures.inc({ reason: label('auth', 'reason', reason) });
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
