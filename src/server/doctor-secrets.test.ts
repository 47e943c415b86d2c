/** Literal secrets in the file, where an attacker (or a hurried operator) would hide them. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspectConfigText } from '../config/index.ts';
import { type Finding, gradeConfig } from './doctor.ts';
import { written } from './doctor-secrets.ts';

function secrets(yaml: string, env: Record<string, string> = {}): Finding[] {
  return gradeConfig(inspectConfigText(yaml, { baseDir: '/srv/hector-doctor-test', env })).filter((f) =>
    f.id.startsWith('literal-secret'),
  );
}

function paths(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.id} ${f.path}`).sort();
}

const AGENT = 'agents:\n  a: {llm: default}\n';
const KEY = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345';

describe('doctor: literal secrets', () => {
  test('references are fine, set or unset; literals under secret fields are not', () => {
    const yaml = `version: "2"
llms:
  ref: {provider: openai, model: m, api_key: "\${OPENAI_API_KEY}"}
  lit: {provider: anthropic, model: m, api_key: not-a-real-key-but-literal}
  empty: {provider: openai, model: m, base_url: "http://127.0.0.1:1/v1", api_key: ""}
${AGENT.replace('{llm: default}', '{llm: ref}')}server:
  auth:
    secret: literal-admin-secret-0123456789
    api_keys: ["\${K1}", "literal-api-key-0123456789", {key: "another-literal-key-0123", subject: ci}]
`;
    assert.deepEqual(paths(secrets(yaml, { OPENAI_API_KEY: KEY })), [
      'literal-secret llms.lit.api_key',
      'literal-secret server.auth.api_keys.1',
      'literal-secret server.auth.api_keys.2.key',
      'literal-secret server.auth.secret',
    ]);
  });

  test('a value substituted from the environment is never reported, even when it looks like a key', () => {
    const yaml = `version: "2"\nllms:\n  default: {provider: openai, model: m, api_key: "\${OPENAI_API_KEY}"}\n${AGENT}`;
    assert.deepEqual(secrets(yaml, { OPENAI_API_KEY: KEY }), []);
  });

  test('MCP: nested header and env secrets, command-line credentials, query tokens', () => {
    const yaml = `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${OPENAI_API_KEY}"}
tools:
  gh:
    type: mcp
    url: "https://mcp.example.com/mcp?access_token=abcdef123456&x=1"
    headers:
      Authorization: "Bearer ghp_literal_token_hidden_in_header_0000"
      X-Api-Key: "\${MCP_KEY}"
      X-Trace: "Bearer \${TRACE_TOKEN}"
  fs:
    type: mcp
    command: mcp-fs
    args: ["--api-key", "literal-value-123456", "--token=also-literal", "--password=\${PW}", "--verbose", "ok"]
    env:
      GITHUB_PERSONAL_ACCESS_TOKEN: "literal-token-in-env-000"
      DB_PASS: hunter2hunter2
      LOG_LEVEL: debug
      SAFE_TOKEN: "\${SAFE_TOKEN}"
${AGENT}`;
    assert.deepEqual(paths(secrets(yaml)), [
      'literal-secret tools.fs.args.1',
      'literal-secret tools.fs.args.2',
      'literal-secret tools.fs.env.DB_PASS',
      'literal-secret tools.fs.env.GITHUB_PERSONAL_ACCESS_TOKEN',
      'literal-secret tools.gh.headers.Authorization',
      'literal-secret tools.gh.url',
    ]);
  });

  test('${VAR:-literal} defaults, partial literals and escapes', () => {
    const yaml = `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${OPENAI_API_KEY:-sk-fallback-literal}"}
  other: {provider: ollama, model: m, api_key: "\${OTHER_KEY:-}"}
  mixed: {provider: openai, model: m, api_key: "literalprefix\${SUFFIX}"}
  short: {provider: openai, model: m, api_key: "sk-\${SUFFIX}"}
${AGENT}`;
    assert.deepEqual(paths(secrets(yaml)), [
      'literal-secret llms.mixed.api_key',
      'literal-secret-default llms.default.api_key',
    ]);
  });

  test('URL passwords: redis and database, literal or defaulted, versus referenced', () => {
    const yaml = `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${OPENAI_API_KEY}"}
${AGENT}server:
  database: "postgres://hector:hunter2@db.internal/hector"
  rate_limiting:
    requests_per_minute: 60
    store: redis
    redis_url: "redis://:\${REDIS_PASSWORD:-changeme}@redis:6379/0"
`;
    assert.deepEqual(paths(secrets(yaml)), [
      'literal-secret server.database',
      'literal-secret server.rate_limiting.redis_url',
    ]);
    const fine = yaml
      .replace('hector:hunter2@', 'hector:${DB_PASSWORD}@')
      .replace('${REDIS_PASSWORD:-changeme}', '${REDIS_PASSWORD}');
    assert.deepEqual(secrets(fine), []);
  });

  test('token shapes anywhere: an instruction, a description, an alias', () => {
    const yaml = `version: "2"
llms:
  default: {provider: openai, model: m, api_key: &k "\${OPENAI_API_KEY}"}
agents:
  a:
    llm: default
    description: "uses AKIAABCDEFGHIJKLMNOP for uploads"
    instruction: "When asked, call the API with key ${KEY}."
  b: {llm: default, instruction: "no secrets here: sk-short, task-12345678901234567890123"}
`;
    assert.deepEqual(paths(secrets(yaml)), [
      'literal-secret agents.a.description',
      'literal-secret agents.a.instruction',
    ]);
  });

  test('header lines in arguments, credentials in prose and in mapping keys; guardrail patterns are not secrets', () => {
    const yaml = `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${OPENAI_API_KEY}"}
tools:
  fs:
    type: mcp
    command: mcp-proxy
    args: ["--header", "Authorization: Bearer abcdef0123456789", "--header", "Authorization: Bearer \${TOKEN}"]
  gh: {type: mcp, url: "https://mcp.example.com/mcp", headers: {"${KEY}": "x"}}
guardrails:
  g:
    output:
      content: {enabled: true, blocked_patterns: ["authorization: bearer [a-z0-9]{20,}", "sk-[a-zA-Z0-9]{48}"], action: block}
agents:
  a: {llm: default, guardrails: g, instruction: "If the vault asks, the password is Winter2026Spring."}
  b: {llm: default, instruction: "Never reveal a token: refuse politely. The secret is safe."}
`;
    assert.deepEqual(
      paths(secrets(yaml)),
      [
        'literal-secret agents.a.instruction',
        `literal-secret tools.gh.headers.${KEY}`,
        'literal-secret tools.fs.args.1',
      ].sort(),
    );
  });

  test('MCP env names without separators or with other secret words; webhook URLs; scheme credentials in any header; NAME=value arguments', () => {
    const yaml = `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${OPENAI_API_KEY}", max_tokens: 4096}
tools:
  gh:
    type: mcp
    command: npx
    args: ["-y", "some-mcp", "-e", "TOKEN=abcdef123456", "--env=API_SECRET=plainvalue", "-e", "LOG_LEVEL=debug", "-e", "GH_TOKEN=\${GH_TOKEN}"]
    env:
      GITHUBTOKEN: abcdef1234567890
      MYSQLPWD: abcdef1234567890
      CREDS: abcdef1234567890
      SESSION_COOKIE: abcdef1234567890
      SIGNING_SALT: abcdef1234567890
      PASSPHRASE2: abcdef1234567890
      WEBHOOK: "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
      DISCORD: "https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz0123456789ABCD"
      PWD: /app
      LOG_LEVEL: debug
      MAX_TOKENS: "4096"
      SLACK_WEBHOOK: "https://hooks.slack.com/services/\${SLACK_WEBHOOK_PATH}"
  remote:
    type: mcp
    url: https://mcp.example.com/mcp
    headers:
      X-Custom: "Bearer abcdef1234567890abcd"
      X-Other: "Token abcdef1234567890"
      X-Fine: "Bearer \${REMOTE_TOKEN}"
      Accept: application/json
      X-Mode: "Basic"
guardrails:
  g:
    output:
      content: {enabled: true, blocked_patterns: ["token [a-z0-9]{20,}", 'hooks\\.slack\\.com/services/.*'], action: block}
${AGENT}`;
    assert.deepEqual(paths(secrets(yaml)), [
      'literal-secret tools.gh.args.3',
      'literal-secret tools.gh.args.4',
      'literal-secret tools.gh.env.CREDS',
      'literal-secret tools.gh.env.DISCORD',
      'literal-secret tools.gh.env.GITHUBTOKEN',
      'literal-secret tools.gh.env.MYSQLPWD',
      'literal-secret tools.gh.env.PASSPHRASE2',
      'literal-secret tools.gh.env.SESSION_COOKIE',
      'literal-secret tools.gh.env.SIGNING_SALT',
      'literal-secret tools.gh.env.WEBHOOK',
      'literal-secret tools.remote.headers.X-Custom',
      'literal-secret tools.remote.headers.X-Other',
    ]);
  });

  test('a finding never contains the secret', () => {
    const yaml = `version: "2"\nllms:\n  default: {provider: openai, model: m, api_key: "${KEY}"}\n${AGENT}`;
    const found = secrets(yaml);
    assert.equal(found.length, 1);
    assert.ok(!JSON.stringify(found).includes(KEY.slice(8)));
  });

  test('written() follows the substitution grammar', () => {
    assert.deepEqual(written('x', undefined), { literal: 'x', defaults: [], marked: 'x', referenced: false });
    const w = written('', 'a$${b}${C}${D:-dd}');
    assert.equal(w.literal, 'a${b}');
    assert.deepEqual(w.defaults, ['dd']);
    assert.equal(w.referenced, true);
  });
});
