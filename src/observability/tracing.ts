/**
 * OpenTelemetry tracing behind the `Tracer` port (telemetry.ts). One TracerProvider per call of createTracing;
 * nothing is registered globally (no global tracer provider, context manager or propagator): parents are passed
 * explicitly, so two servers in one process never mix spans.
 *
 * Contract:
 * - Export: OTLP over HTTP (JSON to `<endpoint>/v1/traces`) or gRPC, batched; `shutdown` exports what is
 *   buffered, waiting at most about EXPORT_TIMEOUT_MS. Export failures are reported to `onExportError` (the
 *   request path never waits for an export).
 * - Incoming context: only W3C `traceparent`/`tracestate` are read (never `baggage`). A malformed traceparent
 *   starts a new trace. The caller's sampled flag is not obeyed: every trace is sampled at `sampling` by its
 *   trace id, so a client cannot force tracing of its requests on (or off) beyond that ratio.
 * - Content (`Span.content`) is kept only with `captureContent`; it is then scrubbed of every value in
 *   `secrets` (createScrubber) and cut at MAX_CONTENT_CHARS. Attributes are capped at 64 per span.
 * - Trace and span ids come from the CSPRNG.
 */
import {
  type Context,
  defaultTextMapGetter,
  type Span as OtelSpan,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { randomHex } from '../shared/index.ts';
import { createSecretSet, isSecretSet, type SecretSet } from './logger.ts';
import type { SpanKind as PortSpanKind, Span, SpanAttributes, TraceCarrier, Tracer } from './telemetry.ts';

/** Longest content value kept on a span, in characters (longer values are cut with a marker). */
export const MAX_CONTENT_CHARS = 8192;
/** How long one export may take, and how long `shutdown` waits for the last one, in ms. */
export const EXPORT_TIMEOUT_MS = 5000;

export interface TracingOptions {
  /** For `http`: the collector URL (`/v1/traces` is appended to a URL without a path). For `grpc`: host:port or URL. */
  endpoint: string;
  protocol: 'grpc' | 'http';
  /** Fraction of traces kept, 0..1. */
  sampling: number;
  captureContent: boolean;
  serviceName: string;
  serviceVersion: string;
  /** Values scrubbed from captured content (API keys, resolved `${VAR}` secrets). */
  secrets: readonly string[] | SecretSet;
  onExportError?: (err: Error | undefined) => void;
  /** Test hook: use this exporter instead of OTLP. */
  exporter?: SpanExporter;
  /** How long spans are buffered before a batch is sent, in ms (default 2000). */
  batchDelayMs?: number;
  /** How long one export, and `shutdown`, may take, in ms (default EXPORT_TIMEOUT_MS). */
  exportTimeoutMs?: number;
}

export interface TracingHandle extends Tracer {
  shutdown(): Promise<void>;
}

const KINDS: Record<PortSpanKind, SpanKind> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
};

/** The exporter's URL for `http`: the endpoint as given when it has a path, else `<endpoint>/v1/traces`. */
export function httpTracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/traces';
  return url.toString();
}

function createExporter(options: TracingOptions): SpanExporter {
  if (options.exporter) return options.exporter;
  if (options.protocol === 'http') {
    return new HttpExporter({ url: httpTracesUrl(options.endpoint), timeoutMillis: EXPORT_TIMEOUT_MS });
  }
  return new GrpcExporter({ url: options.endpoint, timeoutMillis: EXPORT_TIMEOUT_MS });
}

/** Reports failed exports instead of letting them vanish into OpenTelemetry's global diag logger. */
function reporting(inner: SpanExporter, onError: (err: Error | undefined) => void): SpanExporter {
  return {
    export(spans: ReadableSpan[], done) {
      inner.export(spans, (result) => {
        if (result.code !== 0) onError(result.error);
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    ...(inner.forceFlush ? { forceFlush: () => inner.forceFlush!() } : {}),
  };
}

class TracedSpan implements Span {
  #ended = false;
  readonly otel: OtelSpan;
  readonly #keep: ((value: unknown) => string) | undefined;
  constructor(otel: OtelSpan, keep: ((value: unknown) => string) | undefined) {
    this.otel = otel;
    this.#keep = keep;
  }
  set(attributes: SpanAttributes): void {
    for (const [k, v] of Object.entries(attributes)) {
      if (v !== undefined) this.otel.setAttribute(k, v as string);
    }
  }
  content(key: string, value: unknown): void {
    if (this.#keep && value !== undefined) this.otel.setAttribute(key, this.#keep(value));
  }
  fail(code: string): void {
    this.otel.setAttribute('error.type', code);
    this.otel.setStatus({ code: SpanStatusCode.ERROR, message: code });
  }
  rename(name: string): void {
    this.otel.updateName(name);
  }
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.otel.end();
  }
}

/**
 * Samples `ratio` of new traces on the server's own randomness. (The SDK's TraceIdRatioBasedSampler decides on
 * the trace id, which a client chooses in `traceparent`: a crafted id is sampled at any ratio, so a client could
 * force every one of its requests into the collector.)
 */
function randomRatioSampler(ratio: number): Sampler {
  const threshold = Math.max(0, Math.min(1, ratio)) * 0x1_0000_0000;
  return {
    shouldSample: () => ({
      decision:
        Number.parseInt(randomHex(4), 16) < threshold
          ? SamplingDecision.RECORD_AND_SAMPLED
          : SamplingDecision.NOT_RECORD,
    }),
    toString: () => `RandomRatioSampler{${ratio}}`,
  };
}

/** Creates a tracer exporting to the configured collector. Throws on an endpoint that is not a valid URL. */
export function createTracing(options: TracingOptions): TracingHandle {
  const onExportError = options.onExportError ?? (() => {});
  const processor = new BatchSpanProcessor({
    exporter: reporting(createExporter(options), onExportError),
    scheduledDelayMillis: options.batchDelayMs ?? 2000,
    exportTimeoutMillis: options.exportTimeoutMs ?? EXPORT_TIMEOUT_MS,
  });
  const ratio = randomRatioSampler(options.sampling);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      'service.version': options.serviceVersion,
    }),
    sampler: new ParentBasedSampler({ root: ratio, remoteParentSampled: ratio, remoteParentNotSampled: ratio }),
    spanLimits: { attributeCountLimit: 64, attributeValueLengthLimit: MAX_CONTENT_CHARS + 64 },
    idGenerator: { generateTraceId: () => randomHex(16), generateSpanId: () => randomHex(8) },
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('hector', options.serviceVersion);
  const propagator = new W3CTraceContextPropagator();
  const secretSet = isSecretSet(options.secrets) ? options.secrets : createSecretSet(options.secrets);
  const scrub = (text: string) => secretSet.scrub(text);
  const keep = options.captureContent
    ? (value: unknown) => {
        const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
        const clean = scrub(text);
        return clean.length <= MAX_CONTENT_CHARS
          ? clean
          : `${clean.slice(0, MAX_CONTENT_CHARS)}…[+${clean.length - MAX_CONTENT_CHARS} chars]`;
      }
    : undefined;

  /** The spans this tracer started: only they can be parents (a span of another server's tracer cannot). */
  const own = new WeakSet<TracedSpan>();
  const startIn = (name: string, ctx: Context, attributes: SpanAttributes | undefined, kind: SpanKind): Span => {
    const span = new TracedSpan(tracer.startSpan(name, { kind }, ctx), keep);
    own.add(span);
    if (attributes) span.set(attributes);
    return span;
  };

  return {
    capturesContent: options.captureContent,
    startRequest(name, carrier: TraceCarrier, attributes) {
      const headers: Record<string, string> = {};
      if (carrier.traceparent) headers.traceparent = carrier.traceparent;
      if (carrier.tracestate && carrier.traceparent) headers.tracestate = carrier.tracestate;
      const ctx = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      return startIn(name, ctx, attributes, SpanKind.SERVER);
    },
    start(name, parent, attributes, kind = 'internal') {
      const ctx =
        parent instanceof TracedSpan && own.has(parent) ? trace.setSpan(ROOT_CONTEXT, parent.otel) : ROOT_CONTEXT;
      return startIn(name, ctx, attributes, KINDS[kind]);
    },
    /** Exports what is buffered; gives up after EXPORT_TIMEOUT_MS (a dead collector cannot hold up a stop). */
    async shutdown() {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, (options.exportTimeoutMs ?? EXPORT_TIMEOUT_MS) + 500);
        timer.unref();
      });
      await Promise.race([provider.shutdown().catch(() => {}), gaveUp]);
      clearTimeout(timer);
    },
  };
}
