export type { AuditEvent, AuditInput, AuditSink, AuditSinkOptions } from './audit.ts';
export { createAuditSink } from './audit.ts';
export type { AuditFile, AuditFileLine } from './audit-file.ts';
export { openAuditFile, readAuditFile } from './audit-file.ts';
export type { TelemetryOptions } from './create-telemetry.ts';
export { createTelemetry } from './create-telemetry.ts';
export type { LogFormat, Logger, LoggerOptions, LogLevel, SecretSet } from './logger.ts';
export { createLogger, createScrubber, createSecretSet } from './logger.ts';
export { meterAuditSink } from './metered-audit.ts';
export type { MetricsOptions } from './metrics.ts';
export type { RepeatThrottleOptions } from './repeat-throttle.ts';
export { throttleRepeatedFailures } from './repeat-throttle.ts';
export type {
  LlmCallRecord,
  Metrics,
  Span,
  SpanAttributes,
  SpanKind,
  Telemetry,
  TraceCarrier,
  Tracer,
} from './telemetry.ts';
export { NOOP_TELEMETRY } from './telemetry.ts';
export type { TracingOptions } from './tracing.ts';
