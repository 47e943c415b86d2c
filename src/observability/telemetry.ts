/**
 * The observability port: what the rest of the server records about itself (Prometheus metrics, OpenTelemetry
 * spans) without importing `prom-client` or `@opentelemetry/*`. Capabilities take a `Telemetry` through their
 * deps; with metrics and tracing off they get NOOP_TELEMETRY, whose every call does nothing.
 *
 * Contract for callers:
 * - Metric label values must be bounded: route templates, configured names, closed enums. The implementation
 *   also enforces this (see metrics.ts: safe characters, a cap of distinct values per label), so a mistake
 *   costs one `other` series, never unbounded memory.
 * - Span attributes never carry content (prompts, tool arguments, outputs) or identities (user ids). Content
 *   goes only through `Span.content`, which the implementation drops unless `capture_content` is on and
 *   scrubs of every known secret when it is.
 */

/** Attribute values a span accepts; `undefined` entries are skipped. */
export type SpanAttributes = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

export interface Span {
  /** Adds metadata attributes (ids, names, counts, codes; never content). */
  set(attributes: SpanAttributes): void;
  /**
   * Records content (a prompt, tool arguments, a tool result, a completion) under `key`. Dropped unless the
   * tracer captures content; then JSON-encoded when not a string, cut at a size limit and scrubbed of secrets.
   * Callers may skip building expensive values when `Tracer.capturesContent` is false.
   */
  content(key: string, value: unknown): void;
  /** Marks the span failed with a stable code (an error code or class name, never an error message). */
  fail(code: string): void;
  /** Renames the span (a request span is named once its route is known). */
  rename(name: string): void;
  /** Ends the span (later calls do nothing). */
  end(): void;
}

/** Incoming W3C trace context (`traceparent`, `tracestate` header values). Baggage is never read. */
export interface TraceCarrier {
  traceparent?: string | undefined;
  tracestate?: string | undefined;
}

export type SpanKind = 'internal' | 'server' | 'client';

export interface Tracer {
  /** Whether `Span.content` keeps anything (false: callers need not build content). */
  readonly capturesContent: boolean;
  /**
   * Starts the span of an incoming request, continuing the caller's trace when `carrier.traceparent` is a valid
   * W3C trace context (only its trace id and parent span id are used; the sampling decision stays ours).
   */
  startRequest(name: string, carrier: TraceCarrier, attributes?: SpanAttributes): Span;
  /** Starts a span under `parent` (a span this tracer started), or a new trace without one. */
  start(name: string, parent: Span | undefined, attributes?: SpanAttributes, kind?: SpanKind): Span;
}

/** LLM call outcome for metrics: `ok`, or `error` (provider failure, cancellation, blocked output). */
export interface LlmCallRecord {
  provider: string;
  agent: string;
  outcome: 'ok' | 'error';
  seconds: number;
  inputTokens: number;
  outputTokens: number;
}

export interface Metrics {
  /** One answered HTTP request; `route` is the matched route template (or `unmatched`). */
  httpRequest(record: { method: string; route: string; status: number; seconds: number }): void;
  llmCall(record: LlmCallRecord): void;
  /** One tool call the model asked for; `tool` is a name the agent was offered (else `unknown`). */
  toolCall(record: { tool: string; verdict: string }): void;
  guardrailBlock(record: { stage: string; check: string }): void;
  rateLimitDenial(record: { type: string; scope: string; stage: string }): void;
  authFailure(record: { reason: string }): void;
  /** The Prometheus text exposition of this registry (empty when metrics are off). */
  render(): Promise<{ contentType: string; body: string }>;
}

export interface Telemetry {
  readonly metrics: Metrics;
  readonly tracer: Tracer;
  /** True when metrics are collected (a /metrics endpoint should be served). */
  readonly metricsEnabled: boolean;
  /** Exports every finished span still buffered and stops the exporter; metrics stay readable. */
  shutdown(): Promise<void>;
}

const NOOP_SPAN: Span = {
  set: () => {},
  content: () => {},
  fail: () => {},
  rename: () => {},
  end: () => {},
};

export const NOOP_TRACER: Tracer = {
  capturesContent: false,
  startRequest: () => NOOP_SPAN,
  start: () => NOOP_SPAN,
};

export const NOOP_METRICS: Metrics = {
  httpRequest: () => {},
  llmCall: () => {},
  toolCall: () => {},
  guardrailBlock: () => {},
  rateLimitDenial: () => {},
  authFailure: () => {},
  render: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '' }),
};

/** Telemetry that records nothing (metrics and tracing off; tests). */
export const NOOP_TELEMETRY: Telemetry = {
  metrics: NOOP_METRICS,
  tracer: NOOP_TRACER,
  metricsEnabled: false,
  shutdown: async () => {},
};
