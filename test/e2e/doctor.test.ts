/**
 * `hector doctor` through the real CLI on the corpus under test/fixtures/doctor (exit codes, JSON and text
 * output, no secret in any output), and the security guide's production example: verbatim it is refused with
 * errors that say what to add; completed (examples/production.yaml) it validates and has no high finding.
 * Runs without the configs' environment variables, as CI does.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT, runCli } from './support.ts';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'doctor');
const fixture = (name: string) => join(FIXTURES, name);

interface Report {
  valid: boolean;
  passed?: boolean;
  summary?: { high: number; medium: number; low: number };
  findings?: { id: string; severity: string; path: string; message: string; fix: string }[];
  placeholders?: string[];
  errors?: { path: string; message: string; hint?: string }[];
}

async function doctorJson(file: string, extra: string[] = [], env: Record<string, string> = {}) {
  const r = await runCli(['doctor', '--config', file, '--format', 'json', ...extra], { env });
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr, stdout: r.stdout };
}

/** Each bad config, the finding it must trigger, and the exit code (3: a high finding). */
const CORPUS: [file: string, expected: [id: string, path: string, severity: string][], code: number][] = [
  ['auth-off-public.yaml', [['auth-off', 'server.auth', 'high']], 3],
  ['shared-secret-public.yaml', [['auth-shared-secret-only', 'server.auth.secret', 'high']], 3],
  ['cors-wildcard-among-others.yaml', [['cors-wildcard', 'server.cors.allowed_origins.1', 'medium']], 0],
  ['command-denylist.yaml', [['command-denylist-mode', 'tools.shell.deny_by_default', 'high']], 3],
  ['command-no-sandbox.yaml', [['command-no-sandbox', 'tools.shell.sandbox', 'high']], 3],
  [
    'tool-no-approval.yaml',
    [
      ['tool-no-approval', 'tools.write_file.require_approval', 'high'],
      ['tool-no-approval', 'tools.shell.require_approval', 'high'],
      ['tool-no-approval', 'tools.github.require_approval', 'high'],
    ],
    3,
  ],
  [
    'literal-secrets.yaml',
    [
      ['literal-secret', 'llms.default.api_key', 'high'],
      ['literal-secret', 'server.auth.api_keys.0.key', 'high'],
      ['literal-secret', 'server.database', 'high'],
      ['literal-secret', 'server.rate_limiting.redis_url', 'high'],
    ],
    3,
  ],
  [
    'mcp-hidden-secrets.yaml',
    [
      ['literal-secret', 'tools.github.headers.Authorization', 'high'],
      ['literal-secret', 'tools.fs.env.GITHUB_TOKEN', 'high'],
      ['literal-secret', 'tools.fs.args.1', 'high'],
    ],
    3,
  ],
  ['secret-default.yaml', [['literal-secret-default', 'llms.default.api_key', 'high']], 3],
  [
    'internal-no-auth.yaml',
    [
      ['internal-agent-no-auth', 'agents.operator.visibility', 'medium'],
      ['auth-off', 'server.auth', 'medium'],
    ],
    0,
  ],
  ['rate-limit-off.yaml', [['rate-limit-off', 'server.rate_limiting', 'medium']], 0],
  ['log-text.yaml', [['log-format-text', 'logger.format', 'medium']], 0],
  ['tls-missing.yaml', [['tls-not-configured', 'server.host', 'high']], 3],
  [
    'env-switches.yaml',
    [
      ['env-controlled-security-switch', 'tools.shell.require_approval', 'high'],
      ['tool-no-approval', 'tools.shell.require_approval', 'high'],
      ['env-controlled-security-switch', 'tools.shell.deny_by_default', 'high'],
      ['command-denylist-mode', 'tools.shell.deny_by_default', 'high'],
      ['env-controlled-security-switch', 'tools.debug_shell.enabled', 'high'],
      ['command-no-sandbox', 'tools.debug_shell.sandbox', 'high'],
      ['env-controlled-security-switch', 'server.host', 'high'],
      ['env-controlled-security-switch', 'server.rate_limiting.enabled', 'high'],
      ['rate-limit-off', 'server.rate_limiting', 'medium'],
    ],
    3,
  ],
];

describe('hector doctor', () => {
  test('the secure config: no finding, exit 0, unset variables listed as placeholders', async () => {
    const { code, report } = await doctorJson(fixture('secure.yaml'));
    assert.equal(code, 0);
    assert.equal(report.valid, true);
    assert.equal(report.passed, true);
    assert.deepEqual(report.findings, []);
    assert.deepEqual(report.summary, { high: 0, medium: 0, low: 0 });
    assert.deepEqual(report.placeholders, [
      'CI_API_KEY',
      'DB_PASSWORD',
      'GITHUB_TOKEN',
      'OPENAI_API_KEY',
      'REDIS_PASSWORD',
    ]);
  });

  test('variables that are set are not placeholders, and their values are never reported', async () => {
    const key = 'sk-proj-SetInTheEnvironment0123456789abcd';
    const { code, report, stdout } = await doctorJson(fixture('secure.yaml'), [], { OPENAI_API_KEY: key });
    assert.equal(code, 0);
    assert.ok(!report.placeholders?.includes('OPENAI_API_KEY'));
    assert.ok(!stdout.includes(key));
  });

  for (const [file, expected, exitCode] of CORPUS) {
    test(`${file}: ${expected.map(([id]) => id).join(', ')}`, async () => {
      const { code, report } = await doctorJson(fixture(file));
      assert.equal(report.valid, true);
      for (const [id, path, severity] of expected) {
        const f = report.findings?.find((x) => x.id === id && x.path === path);
        assert.ok(f, `${id} at ${path} in ${JSON.stringify(report.findings, null, 1)}`);
        assert.equal(f.severity, severity);
        assert.ok(f.message.length > 10 && f.fix.length > 5);
      }
      assert.equal(code, exitCode);
      assert.equal(report.passed, exitCode === 0);
    });
  }

  test('text output: severity, id, path and fix; a literal secret never appears', async () => {
    const r = await runCli(['doctor', '--config', fixture('literal-secrets.yaml')]);
    assert.equal(r.code, 3);
    assert.match(r.stdout, /HIGH {3}literal-secret {2}server\.database\n/);
    assert.match(r.stdout, /fix: replace it with a reference/);
    assert.match(r.stdout, /4 high, \d+ medium, \d+ low/);
    assert.match(r.stdout, /FAIL: findings of severity high or higher/);
    const text = readFileSync(fixture('literal-secrets.yaml'), 'utf8');
    for (const secret of ['hunter2hunter2', 'changeme-please', 'ci-key-0123456789abcdef', 'sk-proj-Xr4nd0m']) {
      assert.ok(text.includes(secret), secret);
      assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `${secret} leaked`);
    }
    const json = await doctorJson(fixture('mcp-hidden-secrets.yaml'));
    for (const secret of ['ghp_R4nd0m', 'tok-literal', 'gh-literal-in-env']) assert.ok(!json.stdout.includes(secret));
  });

  test('--fail-on lowers the bar; bad flags are usage errors', async () => {
    const medium = await doctorJson(fixture('cors-wildcard-among-others.yaml'), ['--fail-on', 'medium']);
    assert.equal(medium.code, 3);
    assert.equal(medium.report.passed, false);
    const r = await runCli(['doctor', '--config', fixture('secure.yaml'), '--format', 'xml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--format must be one of: text, json/);
    const r2 = await runCli(['doctor', '--config', fixture('secure.yaml'), '--fail-on', 'critical']);
    assert.equal(r2.code, 2);
    const r3 = await runCli(['doctor']);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /--config/);
  });

  test('an invalid config is exit 2 with the validation errors (text on stderr, JSON on stdout)', async () => {
    const file = fixture('cors-wildcard-credentials.yaml');
    const r = await runCli(['doctor', '--config', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /server\.cors\.allow_credentials: "\*" in allowed_origins cannot be combined/);
    const { code, report } = await doctorJson(file);
    assert.equal(code, 2);
    assert.equal(report.valid, false);
    assert.equal(report.errors?.[0]?.path, 'server.cors.allow_credentials');
    const missing = await runCli(['doctor', '--config', fixture('no-such-file.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /config file not found/);
  });
});

describe('hector doctor: the bind of the deployment and start-time checks', () => {
  test('no host in the file: graded loopback-only, and the output says so and names --host 0.0.0.0', async () => {
    const r = await runCli(['doctor', '--config', fixture('no-host.yaml')]);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /note: the file sets no server\.host and no --host was given: graded as loopback-only/);
    assert.match(r.stdout, /container deployments .* pass --host 0\.0\.0\.0/);
    const { report } = await doctorJson(fixture('no-host.yaml'));
    assert.equal((report as { notes?: string[] }).notes?.length, 1);
    const secure = await doctorJson(fixture('secure.yaml'));
    assert.deepEqual((secure.report as { notes?: string[] }).notes, []);
  });

  test('--host 0.0.0.0 grades the bind the container uses (as serve --host); no loopback note then', async () => {
    const { code, report, stdout } = await doctorJson(fixture('no-host.yaml'), ['--host', '0.0.0.0', '--port', '8080']);
    assert.equal(code, 3);
    const at = (id: string) => report.findings?.find((f) => f.id === id);
    assert.equal(at('auth-off')?.severity, 'high');
    assert.equal(at('tls-not-configured')?.severity, 'high');
    assert.doesNotMatch(stdout, /loopback-only/);
    const local = await doctorJson(fixture('tls-missing.yaml'), ['--host', '127.0.0.1']);
    assert.ok(!local.report.findings?.some((f) => f.id === 'tls-not-configured'));
    const bound = await doctorJson(fixture('env-switches.yaml'), ['--host', '127.0.0.1']);
    const paths = bound.report.findings?.filter((f) => f.id === 'env-controlled-security-switch').map((f) => f.path);
    assert.ok(paths?.includes('tools.shell.require_approval') && !paths.includes('server.host'), String(paths));
  });

  test('a bad --host or --port is a usage error', async () => {
    const host = await runCli(['doctor', '--config', fixture('secure.yaml'), '--host', 'http://0.0.0.0']);
    assert.equal(host.code, 2);
    assert.match(host.stderr, /--host must be an IP address or host name/);
    const port = await runCli(['doctor', '--config', fixture('secure.yaml'), '--port', '99999']);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port: "99999" is not a port number/);
  });

  test('a config serve refuses at start is exit 2 with its error: a plain-http JWKS URL', async () => {
    const r = await runCli(['doctor', '--config', fixture('jwks-http.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /server\.auth\.jwks_url: the JWKS URL must use https/);
    const { code, report } = await doctorJson(fixture('jwks-http.yaml'));
    assert.equal(code, 2);
    assert.equal(report.valid, false);
    assert.equal(report.errors?.[0]?.path, 'server.auth.jwks_url');
  });

  test('rate_limiting.enabled: true with no rule is exit 2, unless HECTOR_RATE_LIMIT_LIMITS is set', async () => {
    const r = await runCli(['doctor', '--config', fixture('rate-limit-no-rule.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /server\.rate_limiting\.enabled: rate limiting is enabled but no limit is set/);
    const limits = '[{"type":"count","window":"minute","limit":60}]';
    const ok = await doctorJson(fixture('rate-limit-no-rule.yaml'), [], { HECTOR_RATE_LIMIT_LIMITS: limits });
    assert.equal(ok.code, 0, ok.stdout);
    assert.equal(ok.report.valid, true);
  });
});

test('every finding id in the code has its row in docs/doctor.md', () => {
  const dir = join(ROOT, 'src', 'server');
  const source = readdirSync(dir)
    .filter((f) => /^doctor-.*(?<!\.test)\.ts$/.test(f))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
  const ids = new Set([...source.matchAll(/(?:make\(\s*|id: )'([a-z]+(?:-[a-z]+)+)'/g)].map((m) => m[1]!));
  assert.ok(ids.size >= 30, `found only ${ids.size} ids`);
  const docs = readFileSync(join(ROOT, 'docs', 'doctor.md'), 'utf8');
  const missing = [...ids].filter((id) => !docs.includes(`\`${id}\``));
  assert.deepEqual(missing, []);
});

describe("the guide's Secure Production Setup", () => {
  const GUIDE = join(ROOT, 'test', 'fixtures', 'guide-production.yaml');
  const PRODUCTION = join(ROOT, 'examples', 'production.yaml');
  const ENV = {
    OPENAI_API_KEY: 'sk-test-not-a-real-key-0123456789',
    DATABASE_PASSWORD: 'not-a-real-password',
    HECTOR_METRICS_TOKEN: '0123456789abcdef0123456789abcdef',
  };

  const expectGuideErrors = (stderr: string) => {
    assert.match(
      stderr,
      /agents\.public_assistant\.tools\.0: unknown tool "search" \(line 34\) \(this Hector has no built-in "search" tool[^\n]*add one under tools:, e\.g\. search: \{type: function, handler: grep_search/,
    );
    assert.match(stderr, /agents\.internal_assistant\.tools\.0: unknown tool "search" \(line 40\)/);
    assert.match(
      stderr,
      /agents\.internal_assistant\.document_stores: unsupported key "document_stores" \(line 41\) \(document stores \(RAG retrieval\) are not supported by this Hector; remove document_stores/,
    );
  };

  test('hector validate: refused, saying what to add where', async () => {
    const r = await runCli(['validate', GUIDE], { env: ENV });
    assert.equal(r.code, 2);
    expectGuideErrors(r.stderr);
  });

  test('hector serve: refused the same way, nothing started', async () => {
    const r = await runCli(['serve', '--config', GUIDE, '--port', '0'], { env: ENV });
    assert.equal(r.code, 2);
    expectGuideErrors(r.stderr);
    assert.doesNotMatch(r.stdout, /listening/);
  });

  test('hector doctor: the same errors, exit 2 (without the environment too)', async () => {
    const r = await runCli(['doctor', '--config', GUIDE]);
    assert.equal(r.code, 2);
    expectGuideErrors(r.stderr);
    assert.doesNotMatch(r.stderr, /OPENAI_API_KEY/);
  });

  test('examples/production.yaml: validates, and doctor finds nothing high', async () => {
    const v = await runCli(['validate', PRODUCTION], { env: ENV });
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /valid \(3 agents, 1 llms, 5 tools\)/);
    const { code, report } = await doctorJson(PRODUCTION);
    assert.equal(code, 0, JSON.stringify(report, null, 1));
    assert.equal(report.summary?.high, 0);
    assert.deepEqual(report.placeholders, ['DATABASE_PASSWORD', 'HECTOR_METRICS_TOKEN', 'OPENAI_API_KEY']);
  });
});
