/**
 * `server.observability:` — Prometheus metrics and OpenTelemetry tracing. Both off unless enabled (or switched
 * on by `--metrics` / `--tracing-endpoint`). Whether an enabled tracing block has an endpoint is checked by the
 * server, after command-line overrides (a flag may supply it).
 */
import { z } from 'zod';
import { boolean, decimal, integer, text } from '../fields.ts';

export const TRACING_PROTOCOLS = ['grpc', 'http'] as const;
/** Paths the server's own routes use: the metrics path must not shadow them. */
const RESERVED_PREFIXES = ['/health', '/agents', '/api', '/admin', '/.well-known'];
const METRICS_PATH = /^\/[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;
const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):[0-9]{1,5}$/;
/** A bearer token shorter than this is guessable: generate one with `openssl rand -hex 32`. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

/**
 * Why `endpoint` is unusable for `protocol`, or undefined when it is fine. http: an http(s):// URL (a URL
 * without a path gets `/v1/traces`). grpc: `host:port` (TLS), `https://host:port` (TLS) or `http://host:port`
 * (plaintext), without a path.
 */
export function tracingEndpointProblem(endpoint: string, protocol: 'grpc' | 'http'): string | undefined {
  const isUrl = /^https?:\/\//i.test(endpoint);
  if (isUrl && URL.canParse(endpoint)) {
    const url = new URL(endpoint);
    if (url.username || url.password) return 'must not contain credentials (user:password@)';
  }
  if (protocol === 'http') {
    if (!isUrl || !URL.canParse(endpoint)) {
      return 'with protocol http, the endpoint must be an http:// or https:// URL such as http://otel-collector:4318';
    }
    return undefined;
  }
  if (!isUrl) {
    return HOST_PORT.test(endpoint)
      ? undefined
      : 'with protocol grpc, the endpoint must be host:port (TLS), https://host:port or http://host:port (plaintext)';
  }
  if (!URL.canParse(endpoint)) return 'is not a valid URL';
  const url = new URL(endpoint);
  if (url.pathname !== '/' || url.search || url.hash) {
    return 'a gRPC endpoint has no path: write it as http://host:4317 (use protocol: http for a /v1/traces URL)';
  }
  return undefined;
}

export const metricsSchema = z
  .strictObject({
    enabled: boolean().prefault(false).describe('serve Prometheus metrics'),
    path: text()
      .regex(METRICS_PATH, 'must be a path such as /metrics (letters, digits, . _ ~ - between slashes)')
      .refine(
        (p) => !RESERVED_PREFIXES.some((r) => p === r || p.startsWith(`${r}/`)),
        `must not be one of the server's own paths (${RESERVED_PREFIXES.join(', ')})`,
      )
      .prefault('/metrics')
      .describe('HTTP path of the metrics'),
    bearer_token: text()
      .min(MIN_METRICS_TOKEN_LENGTH, {
        error: `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters (generate one with: openssl rand -hex 32)`,
      })
      .optional()
      .describe('require Authorization: Bearer <token> on the metrics path; set it from an environment variable'),
    port: integer(0, 65_535)
      .optional()
      .describe('serve the metrics on this port of 127.0.0.1 only, instead of the main port (0: any free port)'),
  })
  .prefault({})
  .describe('Prometheus metrics');

export const tracingSchema = z
  .strictObject({
    enabled: boolean().prefault(false).describe('export OpenTelemetry spans'),
    endpoint: text().max(2048).optional().describe('OTLP collector: host:port or http(s)://host:port'),
    protocol: z.enum(TRACING_PROTOCOLS).prefault('grpc').describe('OTLP transport: grpc or http (JSON)'),
    sampling: decimal(0, 1).prefault(1).describe('fraction of traces kept, 0 to 1'),
    capture_content: boolean()
      .prefault(false)
      .describe('record prompts, tool arguments and outputs in spans (scrubbed of known secrets)'),
    service_name: text().max(128).prefault('hector').describe('service.name of the spans'),
  })
  .superRefine((t, ctx) => {
    if (t.endpoint === undefined) return;
    const problem = tracingEndpointProblem(t.endpoint, t.protocol);
    if (problem) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: problem });
  })
  .prefault({})
  .describe('OpenTelemetry tracing');

export const observabilitySchema = z
  .strictObject({ metrics: metricsSchema, tracing: tracingSchema })
  .prefault({})
  .describe('metrics and tracing');

/** `server.observability` as the server reads it. */
export interface ObservabilityConfig {
  readonly metrics: {
    readonly enabled: boolean;
    readonly path: string;
    readonly bearer_token?: string;
    readonly port?: number;
  };
  readonly tracing: {
    readonly enabled: boolean;
    readonly endpoint?: string;
    readonly protocol: (typeof TRACING_PROTOCOLS)[number];
    readonly sampling: number;
    readonly capture_content: boolean;
    readonly service_name: string;
  };
}

/** The output form (absent optionals left out). */
export function buildObservability(o: z.output<typeof observabilitySchema>): ObservabilityConfig {
  const { metrics: m, tracing: t } = o;
  return {
    metrics: {
      enabled: m.enabled,
      path: m.path,
      ...(m.bearer_token === undefined ? {} : { bearer_token: m.bearer_token }),
      ...(m.port === undefined ? {} : { port: m.port }),
    },
    tracing: {
      enabled: t.enabled,
      ...(t.endpoint === undefined ? {} : { endpoint: t.endpoint }),
      protocol: t.protocol,
      sampling: t.sampling,
      capture_content: t.capture_content,
      service_name: t.service_name,
    },
  };
}
