/**
 * The one factory of Telemetry: metrics and tracing each on or off. Off parts are the no-op ones from
 * telemetry.ts (never `null`). Bad tracing options (an endpoint that is not a URL) throw here, at startup.
 */
import { createMetrics, type MetricsOptions } from './metrics.ts';
import { NOOP_METRICS, NOOP_TRACER, type Telemetry } from './telemetry.ts';
import { createTracing, type TracingOptions } from './tracing.ts';

export interface TelemetryOptions {
  /** Absent: no metrics (NOOP_METRICS, `metricsEnabled` false). */
  metrics?: MetricsOptions | undefined;
  /** Absent: no tracing (NOOP_TRACER). */
  tracing?: TracingOptions | undefined;
}

export function createTelemetry(options: TelemetryOptions): Telemetry {
  const metrics = options.metrics ? createMetrics(options.metrics) : NOOP_METRICS;
  const tracing = options.tracing ? createTracing(options.tracing) : undefined;
  return {
    metrics,
    tracer: tracing ?? NOOP_TRACER,
    metricsEnabled: options.metrics !== undefined,
    shutdown: async () => {
      await tracing?.shutdown();
    },
  };
}
