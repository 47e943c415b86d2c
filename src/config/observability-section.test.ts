import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, type ConfigIssue } from '../shared/index.ts';
import { parseConfigText, tracingEndpointProblem } from './index.ts';

const env = { OPENAI_API_KEY: 'sk-test-0123456789', METRICS_TOKEN: 'metrics-token-0123456789abcdef' };
const head = `version: "2"
llms:
  default: {provider: openai, model: gpt-4o, api_key: "\${OPENAI_API_KEY}"}
agents:
  a: {}
server:
  observability:
`;

const parse = (text: string) => parseConfigText(text, { baseDir: '/srv/hector', env, source: 'hector.yaml' });

function issuesOf(text: string): ConfigIssue[] {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.issues];
    throw e;
  }
  assert.fail('expected a ConfigError');
}

test('defaults: both off, /metrics, grpc, sampling 1, no content, service hector', () => {
  const { config } = parse(`${head}    {}\n`);
  assert.deepEqual(config.server.observability, {
    metrics: { enabled: false, path: '/metrics' },
    tracing: { enabled: false, protocol: 'grpc', sampling: 1, capture_content: false, service_name: 'hector' },
  });
  assert.equal(
    parse(head.replace('server:\n  observability:\n', '')).config.server.observability.metrics.enabled,
    false,
  );
});

test("the guide's production block loads (endpoint host:port is gRPC over TLS)", () => {
  const { config } = parse(`${head}    metrics:
      enabled: true
    tracing:
      enabled: true
      endpoint: jaeger-collector:4317
`);
  assert.equal(config.server.observability.metrics.enabled, true);
  assert.equal(config.server.observability.tracing.endpoint, 'jaeger-collector:4317');
  assert.equal(config.server.observability.tracing.protocol, 'grpc');
});

test('every option, with the bearer token from ${VAR} (and it counts as a secret)', () => {
  const { config, secrets } = parse(`${head}    metrics:
      enabled: true
      path: /internal/metrics
      bearer_token: "\${METRICS_TOKEN}"
      port: 9464
    tracing:
      enabled: "true"
      endpoint: https://otel.example.com:4318/custom/traces
      protocol: http
      sampling: "0.25"
      capture_content: true
      service_name: hector-prod
`);
  assert.deepEqual(config.server.observability, {
    metrics: { enabled: true, path: '/internal/metrics', bearer_token: env.METRICS_TOKEN, port: 9464 },
    tracing: {
      enabled: true,
      endpoint: 'https://otel.example.com:4318/custom/traces',
      protocol: 'http',
      sampling: 0.25,
      capture_content: true,
      service_name: 'hector-prod',
    },
  });
  assert.ok(secrets.includes(env.METRICS_TOKEN));
});

test('mistakes are errors naming the key', () => {
  const cases: [string, string, RegExp][] = [
    ['    metrics: {enabled: true, bearer: x}\n', 'server.observability.metrics', /bearer/],
    ['    tracing: {enabled: true, sample: 0.5}\n', 'server.observability.tracing', /sample/],
    ['    metric: {enabled: true}\n', 'server.observability', /metric/],
    ['    metrics: {enabled: true, bearer_token: short}\n', 'server.observability.metrics.bearer_token', /16/],
    ['    metrics: {enabled: true, path: metrics}\n', 'server.observability.metrics.path', /path such as/],
    ['    metrics: {enabled: true, path: /health}\n', 'server.observability.metrics.path', /own paths/],
    ['    metrics: {enabled: true, path: /api/metrics}\n', 'server.observability.metrics.path', /own paths/],
    ['    metrics: {enabled: true, port: 70000}\n', 'server.observability.metrics.port', /between/],
    ['    tracing: {sampling: 1.5}\n', 'server.observability.tracing.sampling', /between 0 and 1/],
    ['    tracing: {protocol: zipkin}\n', 'server.observability.tracing.protocol', /grpc/],
    [
      '    tracing: {endpoint: "collector:4318", protocol: http}\n',
      'server.observability.tracing.endpoint',
      /http:\/\//,
    ],
    ['    tracing: {endpoint: "http://c:4317/v1/traces"}\n', 'server.observability.tracing.endpoint', /no path/],
    ['    tracing: {endpoint: "collector"}\n', 'server.observability.tracing.endpoint', /host:port/],
    [
      '    tracing: {endpoint: "http://u:p@c:4318", protocol: http}\n',
      'server.observability.tracing.endpoint',
      /credentials/,
    ],
  ];
  for (const [yaml, path, message] of cases) {
    const issues = issuesOf(`${head}${yaml}`);
    const issue = issues.find((i) => i.path === path || i.path.startsWith(path));
    assert.ok(issue, `${yaml}: expected an issue at ${path}, got ${JSON.stringify(issues)}`);
    assert.match(`${issue.message} ${issue.hint ?? ''} ${issue.path}`, message, yaml);
  }
});

test('tracingEndpointProblem accepts the documented forms', () => {
  for (const ok of [
    'collector:4317',
    '10.0.0.5:4317',
    '[::1]:4317',
    'http://collector:4317',
    'https://c.example:443',
  ]) {
    assert.equal(tracingEndpointProblem(ok, 'grpc'), undefined, ok);
  }
  for (const ok of ['http://collector:4318', 'https://c.example/v1/traces']) {
    assert.equal(tracingEndpointProblem(ok, 'http'), undefined, ok);
  }
  for (const bad of ['collector', 'ftp://c:21', 'http://c:4317/x', 'c:4317 ']) {
    assert.ok(tracingEndpointProblem(bad, 'grpc'), bad);
  }
});
