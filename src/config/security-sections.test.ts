import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, type ConfigIssue } from '../shared/index.ts';
import { parseConfigText } from './index.ts';

const env = {
  OPENAI_API_KEY: 'sk-test-0123456789',
  API_KEY_1: 'key-abc123-0123456789',
  API_KEY_2: 'key-def456-0123456789',
};

function parse(text: string) {
  return parseConfigText(text, { baseDir: '/srv/hector', env, source: 'hector.yaml' });
}

function issuesOf(text: string): ConfigIssue[] {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.issues];
    throw e;
  }
  assert.fail('expected a ConfigError');
}

const head = `version: "2"
llms:
  default: {provider: openai, model: gpt-4o, api_key: "\${OPENAI_API_KEY}"}
`;

test('the security guide examples load: jwks_url, api_keys, combined, cors, visibility', () => {
  const { config, secrets } = parse(`${head}agents:
  public_assistant: {visibility: public}
  internal_analyst: {visibility: internal}
  private_helper: {visibility: private}
server:
  auth:
    enabled: true
    jwks_url: https://auth.yourdomain.com/.well-known/jwks.json
    api_keys:
      - \${API_KEY_1}
      - \${API_KEY_2}
  cors:
    allowed_origins: [https://app.yourdomain.com, https://dashboard.yourdomain.com]
    allowed_methods: [GET, POST, OPTIONS]
    allowed_headers: [Authorization, Content-Type]
    max_age: 86400
`);
  assert.deepEqual(config.server.auth, {
    enabled: true,
    api_keys: [
      { key: env.API_KEY_1, roles: [] },
      { key: env.API_KEY_2, roles: [] },
    ],
    jwks_url: 'https://auth.yourdomain.com/.well-known/jwks.json',
    tenant_claim: 'tenant_id',
  });
  assert.equal(config.server.cors?.max_age, 86400);
  assert.equal(config.server.cors?.allow_credentials, false);
  assert.deepEqual(
    Object.entries(config.agents).map(([n, a]) => [n, a.visibility]),
    [
      ['public_assistant', 'public'],
      ['internal_analyst', 'internal'],
      ['private_helper', 'private'],
    ],
  );
  assert.ok(secrets.includes(env.API_KEY_1) && secrets.includes(env.API_KEY_2), 'API keys are scrubbed from logs');
});

test('api key entries may carry a subject and roles', () => {
  const { config } = parse(`${head}agents: {a: {}}
server:
  auth:
    api_keys:
      - {key: "\${API_KEY_1}", subject: ci-bot, roles: [deployer]}
`);
  assert.deepEqual(config.server.auth?.api_keys, [{ key: env.API_KEY_1, subject: 'ci-bot', roles: ['deployer'] }]);
});

test('half-configured JWT, unknown auth keys, bad algorithms are errors', () => {
  const found = issuesOf(`${head}agents: {a: {}}
server:
  auth:
    issuer: https://issuer.example.com/
    audience: hector-api
    algorithm: [RS256]
`);
  const paths = found.map((i) => `${i.path}: ${i.message}`).join('\n');
  assert.match(paths, /server\.auth\.issuer: issuer is set but jwks_url is not/);
  assert.match(paths, /server\.auth\.audience: audience is set but jwks_url is not/);
  assert.match(paths, /server\.auth\.algorithm: unknown key "algorithm"/);
  assert.ok(found.some((i) => i.hint?.includes('algorithms')));

  const none = issuesOf(`${head}agents: {a: {}}
server:
  auth: {jwks_url: https://x.example.com/jwks, algorithms: [none, HS256]}
`);
  assert.equal(none.filter((i) => i.path.startsWith('server.auth.algorithms')).length, 2);
});

test('cors: "*" never with credentials; origins are origins; unknown keys refused', () => {
  const found = issuesOf(`${head}agents: {a: {}}
server:
  cors:
    allowed_origins: ["*", "https://ok.example.com/path", "javascript:alert(1)"]
    allow_credentials: true
    allowed_origin: []
`);
  const text = found.map((i) => `${i.path}: ${i.message}`).join('\n');
  assert.match(text, /server\.cors\.allow_credentials: "\*" in allowed_origins cannot be combined/);
  assert.match(text, /server\.cors\.allowed_origins\.1: must be "\*" or an origin/);
  assert.match(text, /server\.cors\.allowed_origins\.2: must be "\*" or an origin/);
  assert.match(text, /server\.cors\.allowed_origin: unknown key "allowed_origin"/);
});

test('visibility: only public, internal, private', () => {
  const found = issuesOf(`${head}agents:
  a: {visibility: secret}
`);
  assert.equal(found[0]?.path, 'agents.a.visibility');
});

test('sub_agents: must exist, not self, not duplicated, not a tool name, no cycles', () => {
  const found = issuesOf(`${head}tools:
  helper: {type: function, handler: read_file}
agents:
  helper: {}
  a: {sub_agents: [a, b, ghostt, b]}
  b: {sub_agents: [c]}
  c: {sub_agents: [a]}
  d: {sub_agents: [helper]}
  ghost: {}
`);
  const text = found.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`).join('\n');
  assert.match(text, /agents\.a\.sub_agents\.0: an agent cannot be its own sub-agent/);
  assert.match(text, /agents\.a\.sub_agents\.2: unknown agent "ghostt".*ghost/);
  assert.match(text, /agents\.a\.sub_agents\.3: duplicate sub-agent "b"/);
  assert.match(text, /agents\.d\.sub_agents\.0: sub-agent "helper" has the same name as tool "helper"/);
  assert.match(text, /sub-agents form a cycle: a → b → c → a/);
});

test("an API key entry's key is secret, its subject and roles are not (they appear in audit logs)", () => {
  const { secrets } = parse(`${head}agents: {a: {}}
server:
  auth:
    api_keys:
      - {key: "\${API_KEY_1}", subject: alice-the-user, roles: [deployer]}
      - literal-key-value-123456
`);
  assert.ok(secrets.includes(env.API_KEY_1));
  assert.ok(secrets.includes('literal-key-value-123456'));
  assert.ok(!secrets.includes('alice-the-user'));
  assert.ok(!secrets.includes('deployer'));
});
