import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ObservabilityConfig } from '../config/index.ts';
import { ConfigError } from '../shared/index.ts';
import { resolveObservability } from './observability.ts';

const off: ObservabilityConfig = {
  metrics: { enabled: false, path: '/metrics' },
  tracing: { enabled: false, protocol: 'grpc', sampling: 1, capture_content: false, service_name: 'hector' },
};

function configError(fn: () => unknown): { path: string; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.issues[0]!;
  }
  assert.fail('expected a ConfigError');
}

test('off unless enabled; --metrics and --tracing-endpoint switch them on', () => {
  assert.deepEqual(resolveObservability(off, {}, 8080), {});
  const on = resolveObservability(off, { metrics: true, tracingEndpoint: 'http://collector:4317' }, 8080);
  assert.deepEqual(on.metrics, { path: '/metrics' });
  assert.deepEqual(on.tracing, {
    endpoint: 'http://collector:4317',
    protocol: 'grpc',
    sampling: 1,
    captureContent: false,
    serviceName: 'hector',
  });
});

test('the flag endpoint wins over the file; a bad flag names --tracing-endpoint and the protocol', () => {
  const file: ObservabilityConfig = { ...off, tracing: { ...off.tracing, enabled: true, endpoint: 'a:4317' } };
  assert.equal(resolveObservability(file, { tracingEndpoint: 'b:4317' }, 8080).tracing?.endpoint, 'b:4317');
  const issue = configError(() => resolveObservability(off, { tracingEndpoint: 'not a url' }, 8080));
  assert.equal(issue.path, '--tracing-endpoint');
  assert.match(issue.message, /protocol is grpc/);
});

test('tracing enabled without an endpoint fails closed, naming the key and the fix', () => {
  const issue = configError(() =>
    resolveObservability({ ...off, tracing: { ...off.tracing, enabled: true } }, {}, 8080),
  );
  assert.equal(issue.path, 'server.observability.tracing.endpoint');
  assert.match(issue.message, /--tracing-endpoint/);
});

test('a metrics port equal to the main port is refused; port 0 and other ports are fine', () => {
  const withPort = (port: number): ObservabilityConfig => ({ ...off, metrics: { enabled: true, path: '/m', port } });
  const issue = configError(() => resolveObservability(withPort(8080), {}, 8080));
  assert.equal(issue.path, 'server.observability.metrics.port');
  assert.equal(resolveObservability(withPort(0), {}, 0).metrics?.port, 0);
  assert.equal(resolveObservability(withPort(9464), {}, 8080).metrics?.port, 9464);
});
