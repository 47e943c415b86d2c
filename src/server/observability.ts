/**
 * `server.observability` → Telemetry, and where the metrics are served. Command-line overrides win: `--metrics`
 * switches metrics on, `--tracing-endpoint URL` switches tracing on with that endpoint.
 *
 * Fails closed at startup (ConfigError naming the key and the fix): tracing enabled without an endpoint, an
 * unusable `--tracing-endpoint`, a metrics port equal to the main port.
 */
import { type ObservabilityConfig, tracingEndpointProblem } from '../config/index.ts';
import { createMetricsApp, type Listener, listen } from '../http/index.ts';
import {
  type AuditSink,
  createTelemetry,
  type Logger,
  type SecretSet,
  type Telemetry,
} from '../observability/index.ts';
import { ConfigError } from '../shared/index.ts';

export interface ObservabilityOverrides {
  /** `--metrics`: serve metrics even when the config does not enable them. */
  metrics?: boolean | undefined;
  /** `--tracing-endpoint`: export spans to this collector (enables tracing). */
  tracingEndpoint?: string | undefined;
}

export interface ResolvedObservability {
  metrics?: { path: string; bearerToken?: string; port?: number };
  tracing?: {
    endpoint: string;
    protocol: 'grpc' | 'http';
    sampling: number;
    captureContent: boolean;
    serviceName: string;
  };
}

/** Applies the overrides and checks what the schema cannot (it runs before the overrides are known). */
export function resolveObservability(
  config: ObservabilityConfig,
  overrides: ObservabilityOverrides,
  mainPort: number,
): ResolvedObservability {
  const out: ResolvedObservability = {};
  const m = config.metrics;
  if (m.enabled || overrides.metrics === true) {
    if (m.port !== undefined && m.port !== 0 && m.port === mainPort) {
      throw new ConfigError([
        {
          path: 'server.observability.metrics.port',
          message: `is the main port (${mainPort}); pick another port, or remove it to serve ${m.path} on the main port`,
        },
      ]);
    }
    out.metrics = {
      path: m.path,
      ...(m.bearer_token === undefined ? {} : { bearerToken: m.bearer_token }),
      ...(m.port === undefined ? {} : { port: m.port }),
    };
  }
  const t = config.tracing;
  const flag = overrides.tracingEndpoint;
  if (t.enabled || flag !== undefined) {
    const endpoint = flag ?? t.endpoint;
    if (endpoint === undefined) {
      throw new ConfigError([
        {
          path: 'server.observability.tracing.endpoint',
          message:
            'tracing is enabled but has no endpoint; set it (e.g. http://otel-collector:4317, or http://otel-collector:4318 with protocol: http) or pass --tracing-endpoint',
        },
      ]);
    }
    const problem = flag === undefined ? undefined : tracingEndpointProblem(flag, t.protocol);
    if (problem) {
      throw new ConfigError([
        { path: '--tracing-endpoint', message: `${problem} (server.observability.tracing.protocol is ${t.protocol})` },
      ]);
    }
    out.tracing = {
      endpoint,
      protocol: t.protocol,
      sampling: t.sampling,
      captureContent: t.capture_content,
      serviceName: t.service_name,
    };
  }
  return out;
}

/** How often a failing span export is logged at most (the first failure is logged at once). */
const EXPORT_ERROR_LOG_MS = 60_000;

export function createServerTelemetry(
  resolved: ResolvedObservability,
  deps: {
    logger: Logger;
    version: string;
    /** Values scrubbed from captured span content (the logger's list). */
    secrets: readonly string[] | SecretSet;
    /** Pending approvals for the gauge (read at every scrape). */
    pendingApprovals: () => Promise<number>;
  },
): Telemetry {
  const { logger } = deps;
  let lastExportLog = Number.NEGATIVE_INFINITY;
  const t = resolved.tracing;
  return createTelemetry({
    metrics: resolved.metrics && {
      pendingApprovals: deps.pendingApprovals,
      onCollectError: (err) =>
        logger.warn(
          { component: 'metrics', error: err instanceof Error ? err.message : String(err) },
          'reading pending approvals for hector_approvals_pending failed',
        ),
    },
    tracing: t && {
      endpoint: t.endpoint,
      protocol: t.protocol,
      sampling: t.sampling,
      captureContent: t.captureContent,
      serviceName: t.serviceName,
      serviceVersion: deps.version,
      secrets: deps.secrets,
      onExportError: (err) => {
        const now = Date.now();
        if (now - lastExportLog < EXPORT_ERROR_LOG_MS) return;
        lastExportLog = now;
        logger.warn(
          { component: 'tracing', endpoint: t.endpoint, error: err?.message ?? 'unknown error' },
          'exporting spans failed; spans are dropped until the collector answers',
        );
      },
    },
  });
}

/**
 * Starts the metrics listener on 127.0.0.1:`port` when metrics have their own port; undefined otherwise (they
 * are then served by the main app).
 */
export async function startMetricsListener(
  resolved: ResolvedObservability,
  telemetry: Telemetry,
  audit: AuditSink,
): Promise<{ listener: Listener; url: string } | undefined> {
  const m = resolved.metrics;
  if (m?.port === undefined) return undefined;
  const app = createMetricsApp({
    path: m.path,
    bearerToken: m.bearerToken,
    render: () => telemetry.metrics.render(),
    audit,
  });
  const listener = await listen(app, '127.0.0.1', m.port);
  return { listener, url: `http://127.0.0.1:${listener.port}${m.path}` };
}

/** Startup log lines about where metrics and spans go, and the warning for metrics anyone can read. */
export function logObservability(
  logger: Logger,
  resolved: ResolvedObservability,
  where: { metricsUrl?: string | undefined; publicBind: boolean },
): void {
  const m = resolved.metrics;
  if (m) {
    logger.info(
      { component: 'metrics', url: where.metricsUrl, bearer_token: m.bearerToken !== undefined },
      `Prometheus metrics on ${where.metricsUrl}${m.bearerToken ? ' (bearer token required)' : ''}`,
    );
    if (m.port === undefined && m.bearerToken === undefined && where.publicBind) {
      logger.warn(
        { component: 'metrics' },
        `metrics on ${m.path} can be read by anyone who reaches this non-loopback address; set server.observability.metrics.bearer_token (from \${VAR}) or server.observability.metrics.port (loopback only)`,
      );
    }
  }
  const t = resolved.tracing;
  if (t) {
    logger.info(
      { component: 'tracing', endpoint: t.endpoint, protocol: t.protocol, sampling: t.sampling },
      `exporting spans to ${t.endpoint} (OTLP ${t.protocol}, sampling ${t.sampling}${t.captureContent ? ', content captured' : ''})`,
    );
  }
}
