/** gradeConfig over configs parsed from YAML (placeholders for unset variables, as `hector doctor` does). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Config, inspectConfigText } from '../config/index.ts';
import { countFindings, type Finding, failsAt, gradeConfig } from './doctor.ts';

const BASE_DIR = '/srv/hector-doctor-test';

function grade(yaml: string, env: Record<string, string> = {}): Finding[] {
  return gradeConfig(inspectConfigText(yaml, { baseDir: BASE_DIR, env }));
}

function ids(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.id} ${f.path}`);
}

function has(findings: readonly Finding[], id: string, path: string, severity?: string): void {
  const f = findings.find((x) => x.id === id && x.path === path);
  assert.ok(f, `expected ${id} at ${path}, got:\n${ids(findings).join('\n')}`);
  if (severity) assert.equal(f.severity, severity, `${id} at ${path}`);
}

function lacks(findings: readonly Finding[], id: string): void {
  assert.ok(!findings.some((f) => f.id === id), `unexpected ${id}:\n${ids(findings).join('\n')}`);
}

const LLM = `version: "2"
llms:
  default: {provider: openai, model: gpt-4o, api_key: "\${OPENAI_API_KEY}"}
`;

/** A public deployment behind TLS with JWT auth, rate limits, JSON logs and guarded agents. */
const SECURE = `${LLM}guardrails:
  strict:
    input:
      injection: {enabled: true, action: block}
agents:
  a: {llm: default, guardrails: strict}
server:
  host: 0.0.0.0
  public_url: https://agents.company.com
  trusted_proxies: [10.0.0.0/8]
  auth:
    jwks_url: https://auth.company.com/.well-known/jwks.json
    issuer: https://auth.company.com/
    audience: hector-api
  rate_limiting: {requests_per_minute: 60, per_user: true}
logger: {format: json}
`;

describe('doctor: exposure, auth, TLS', () => {
  test('a secure public deployment has no finding at all', () => {
    assert.deepEqual(ids(grade(SECURE)), []);
  });

  test('auth off on a public bind is high; on loopback it is medium', () => {
    const open = grade(`${LLM}agents: {a: {llm: default}}\nserver: {host: 0.0.0.0}\n`);
    has(open, 'auth-off', 'server.auth', 'high');
    has(open, 'tls-not-configured', 'server.host', 'high');
    has(open, 'rate-limit-off', 'server.rate_limiting', 'medium');
    assert.ok(failsAt(open, 'high'));
    const local = grade(`${LLM}agents: {a: {llm: default}}\n`);
    has(local, 'auth-off', 'server.auth', 'medium');
    lacks(local, 'tls-not-configured');
    assert.equal(countFindings(local).high, 0);
  });

  test('loopback bind behind a proxy (public_url, trusted_proxies) still counts as public', () => {
    const f = grade(
      `${LLM}agents: {a: {llm: default}}\nserver: {public_url: "https://x.example.com", trusted_proxies: [127.0.0.1]}\n`,
    );
    has(f, 'auth-off', 'server.auth', 'high');
    lacks(f, 'tls-not-configured');
    lacks(f, 'proxy-not-trusted');
  });

  test('enabled: false is off even with a public_url', () => {
    const f = grade(
      `${LLM}agents: {a: {llm: default}}\nserver: {public_url: "https://x.example.com", auth: {enabled: false}}\n`,
    );
    has(f, 'auth-off', 'server.auth', 'high');
    has(f, 'proxy-not-trusted', 'server.trusted_proxies', 'medium');
  });

  test('only the shared secret on a public bind is high', () => {
    const f = grade(SECURE.replace(/ {2}auth:\n(?: {4}.*\n)+/, '  auth: {secret: "${HECTOR_AUTH_SECRET}"}\n'));
    has(f, 'auth-shared-secret-only', 'server.auth.secret', 'high');
    lacks(f, 'literal-secret');
  });

  test('enabled: true with the method outside the file (a shared secret at best) is medium, high when public', () => {
    const f = grade(SECURE.replace(/ {2}auth:\n(?: {4}.*\n)+/, '  auth: {enabled: true}\n'));
    has(f, 'auth-method-external', 'server.auth.enabled', 'high');
    lacks(f, 'auth-off');
    const fix = f.find((x) => x.id === 'auth-method-external')?.fix ?? '';
    assert.match(fix, /jwks_url/);
    assert.match(fix, /api_keys/);
    const local = grade(`${LLM}agents: {a: {llm: default}}\nserver: {auth: {enabled: true}}\n`);
    has(local, 'auth-method-external', 'server.auth.enabled', 'medium');
  });

  test('JWT without audience or issuer; API keys without subject', () => {
    const f = grade(
      SECURE.replace('    issuer: https://auth.company.com/\n    audience: hector-api\n', '    api_keys: ["${K1}"]\n'),
    );
    has(f, 'jwt-no-audience', 'server.auth.audience', 'medium');
    has(f, 'jwt-no-issuer', 'server.auth.issuer', 'medium');
    has(f, 'api-key-no-subject', 'server.auth.api_keys.0', 'low');
  });

  test('plain-http public_url, and trusting every peer', () => {
    const f = grade(
      SECURE.replace('https://agents.company.com', 'http://agents.company.com').replace('[10.0.0.0/8]', '[0.0.0.0/0]'),
    );
    has(f, 'tls-public-url-http', 'server.public_url', 'high');
    has(f, 'trusted-proxies-any', 'server.trusted_proxies.0', 'high');
    const halves = grade(SECURE.replace('[10.0.0.0/8]', '[0.0.0.0/1, 128.0.0.0/1, "::/0", fd00::/8]'));
    for (const i of [0, 1, 2]) has(halves, 'trusted-proxies-any', `server.trusted_proxies.${i}`, 'high');
    lacks(grade(SECURE.replace('[10.0.0.0/8]', '[fd00::/8, 172.16.0.0/12]')), 'trusted-proxies-any');
  });

  test('internal agents with no auth', () => {
    const f = grade(`${LLM}agents: {a: {llm: default, visibility: internal}}\n`);
    has(f, 'internal-agent-no-auth', 'agents.a.visibility', 'medium');
    lacks(
      grade(SECURE.replace('{llm: default, guardrails: strict}', '{llm: default, visibility: internal}')),
      'internal-agent-no-auth',
    );
  });

  test('CORS: "*" among other origins, and plain-http origins', () => {
    const f = grade(
      `${SECURE}`.replace(
        'server:\n',
        'server:\n  cors: {allowed_origins: ["https://a.company.com", "*", "http://b.company.com"]}\n',
      ),
    );
    has(f, 'cors-wildcard', 'server.cors.allowed_origins.1', 'medium');
    has(f, 'cors-insecure-origin', 'server.cors.allowed_origins.2', 'low');
  });

  test('"*" with credentials is high (the loader refuses it; the grader still knows)', () => {
    const inspected = inspectConfigText(SECURE, { baseDir: BASE_DIR, env: {} });
    const config = {
      ...inspected.config,
      server: {
        ...inspected.config.server,
        cors: {
          allowed_origins: ['*'],
          allowed_methods: ['GET'],
          allowed_headers: [],
          max_age: 0,
          allow_credentials: true,
        },
      },
    } as Config;
    has(gradeConfig({ ...inspected, config }), 'cors-wildcard-credentials', 'server.cors.allowed_origins.0', 'high');
  });

  test('rate limiting off (or failing open), text logs, quiet logs', () => {
    const f = grade(
      SECURE.replace('{requests_per_minute: 60, per_user: true}', '{enabled: false}').replace(
        'logger: {format: json}',
        'logger: {format: text, level: warn}',
      ),
    );
    has(f, 'rate-limit-off', 'server.rate_limiting', 'medium');
    has(f, 'log-format-text', 'logger.format', 'medium');
    has(f, 'log-level-hides-audit', 'logger.level', 'medium');
    has(grade(`${SECURE}audit: {sink: log}\n`), 'audit-log-only', 'audit.sink', 'low');
    has(
      grade(SECURE.replace('server:\n', 'server:\n  task_lease: 5s\n')),
      'task-lease-short',
      'server.task_lease',
      'low',
    );
    lacks(grade(SECURE.replace('server:\n', 'server:\n  task_lease: 15s\n')), 'task-lease-short');
    lacks(grade(SECURE), 'task-lease-short');
    const agentLimits = SECURE.replace('  rate_limiting: {requests_per_minute: 60, per_user: true}\n', '').replace(
      '{llm: default, guardrails: strict}',
      '{llm: default, guardrails: strict, rate_limits: [{type: count, window: minute, limit: 10}]}',
    );
    lacks(grade(agentLimits), 'rate-limit-off');
    const partly = grade(agentLimits.replace('agents:\n', 'agents:\n  b: {llm: default, guardrails: strict}\n'));
    has(partly, 'rate-limit-off', 'server.rate_limiting', 'medium');
    assert.match(partly.find((x) => x.id === 'rate-limit-off')?.message ?? '', /without their own rate_limits \(b\)/);
    const open = grade(SECURE.replace('per_user: true}', 'per_user: true, on_store_error: allow}'));
    has(open, 'rate-limit-fails-open', 'server.rate_limiting.on_store_error', 'medium');
  });

  test('an LLM over plain http to a remote host; loopback model servers are fine', () => {
    const f = grade(
      SECURE.replace(
        'llms:\n',
        'llms:\n  remote: {provider: openai, model: m, base_url: "http://llm.example.com/v1", api_key: "${K}"}\n  local: {provider: ollama, model: m, base_url: "http://127.0.0.1:11434"}\n',
      ).replace(
        '{llm: default, guardrails: strict}',
        '{llm: default, guardrails: strict}\n  b: {llm: remote, guardrails: strict}',
      ),
    );
    has(f, 'llm-plain-http', 'llms.remote.base_url', 'medium');
    assert.ok(!f.some((x) => x.path === 'llms.local.base_url'));
  });

  test('metrics without a token on a public server; traces with content', () => {
    const f = grade(
      SECURE.replace(
        'server:\n',
        'server:\n  observability: {metrics: {enabled: true}, tracing: {enabled: true, endpoint: "otel:4317", capture_content: true}}\n',
      ),
    );
    has(f, 'metrics-unauthenticated', 'server.observability.metrics', 'medium');
    has(f, 'tracing-captures-content', 'server.observability.tracing.capture_content', 'medium');
  });
});

describe('doctor: tools', () => {
  const withTools = (tools: string, agentTools = '[]', visibility = 'internal') =>
    SECURE.replace(
      'agents:\n  a: {llm: default, guardrails: strict}',
      `tools:\n${tools}agents:\n  a: {llm: default, guardrails: strict, visibility: ${visibility}, tools: ${agentTools}}`,
    );

  test('command tool in deny-list mode, unsandboxed, with network, without approval', () => {
    const f = grade(
      withTools(
        '  sh: {type: command, deny_by_default: false, denied_commands: [rm], sandbox: none, network: true, require_approval: false}\n',
      ),
    );
    has(f, 'command-denylist-mode', 'tools.sh.deny_by_default', 'high');
    has(f, 'command-no-sandbox', 'tools.sh.sandbox', 'high');
    has(f, 'command-network', 'tools.sh.network', 'medium');
    has(f, 'tool-no-approval', 'tools.sh.require_approval', 'high');
  });

  test('the guide whitelist: interpreters are medium, approval default on keeps it off high', () => {
    const f = grade(withTools('  sh: {type: command, allowed_commands: [git, python, ls]}\n'));
    has(f, 'command-runs-code', 'tools.sh.allowed_commands.1', 'medium');
    lacks(f, 'tool-no-approval');
    assert.equal(countFindings(f).high, 0);
  });

  test('writing file tools and MCP toolsets without approval; partial MCP approval; a disabled tool is ignored', () => {
    const f = grade(
      withTools(
        [
          '  w: {type: function, handler: write_file, require_approval: false}',
          '  r: {type: function, handler: read_file}',
          '  gh: {type: mcp, url: "https://mcp.example.com/mcp", require_approval: false}',
          '  fs: {type: mcp, command: mcp-fs, require_approval: [write_*]}',
          '  off: {type: function, handler: search_replace, require_approval: false, enabled: false}',
          '',
        ].join('\n'),
      ),
    );
    has(f, 'tool-no-approval', 'tools.w.require_approval', 'high');
    has(f, 'tool-no-approval', 'tools.gh.require_approval', 'high');
    has(f, 'mcp-partial-approval', 'tools.fs.require_approval', 'low');
    assert.ok(!f.some((x) => x.path.startsWith('tools.r.') || x.path.startsWith('tools.off.')));
  });

  test('MCP: stdio without sandbox, HTTP over plain http; web_request to any domain', () => {
    const f = grade(
      withTools(
        [
          '  fs: {type: mcp, command: mcp-fs, sandbox: none, network: true}',
          '  gh: {type: mcp, url: "http://mcp.example.com/mcp"}',
          '  local: {type: mcp, url: "http://127.0.0.1:9000/mcp", allowed_ranges: [127.0.0.1/32]}',
          '  web: {type: function, handler: web_request}',
          '',
        ].join('\n'),
      ),
    );
    has(f, 'mcp-no-sandbox', 'tools.fs.sandbox', 'high');
    has(f, 'mcp-network', 'tools.fs.network', 'low');
    has(f, 'mcp-plain-http', 'tools.gh.url', 'medium');
    assert.ok(!f.some((x) => x.path === 'tools.local.url'));
    has(f, 'web-any-domain', 'tools.web.allowed_domains', 'medium');
  });

  test('a public agent with a tool that writes or executes, directly or through a sub-agent chain', () => {
    const f = grade(withTools('  sh: {type: command, allowed_commands: [ls]}\n', '[sh]', 'public'));
    has(f, 'public-agent-privileged-tool', 'agents.a.tools.0', 'medium');
    const chain = grade(
      withTools('  sh: {type: command, allowed_commands: [ls], require_approval: false}\n', '[]', 'public').replace(
        'tools: []}',
        'tools: [], sub_agents: [b]}\n  b: {llm: default, visibility: private, sub_agents: [c]}\n  c: {llm: default, visibility: private, tools: [sh]}',
      ),
    );
    has(chain, 'public-agent-privileged-tool', 'agents.a.sub_agents.0', 'medium');
    assert.match(chain.find((x) => x.path === 'agents.a.sub_agents.0')?.message ?? '', /may call sh/);
    const gated = grade(
      withTools('  sh: {type: command, allowed_commands: [ls]}\n', '[]', 'public').replace(
        'tools: []}',
        'tools: [], sub_agents: [b]}\n  b: {llm: default, visibility: private, tools: [sh]}',
      ),
    );
    lacks(gated, 'public-agent-privileged-tool');
  });

  test('tools confined to system or home directories', () => {
    const f = grade(
      withTools(
        [
          '  etc: {type: function, handler: read_file, working_directory: /etc/hector}',
          '  home: {type: function, handler: list_directory, working_directory: /home/alice}',
          '  var: {type: command, allowed_commands: [ls], working_directory: /var}',
          '  ok: {type: function, handler: read_file, working_directory: /var/lib/hector/workspace}',
          '',
        ].join('\n'),
      ),
    );
    has(f, 'tool-system-directory', 'tools.etc.working_directory', 'medium');
    has(f, 'tool-system-directory', 'tools.home.working_directory', 'medium');
    has(f, 'tool-system-directory', 'tools.var.working_directory', 'medium');
    assert.ok(!f.some((x) => x.path === 'tools.ok.working_directory'));
  });

  test('values from the environment never appear in a finding; placeholder values are left alone', () => {
    const yaml = `${LLM}agents: {a: {llm: default}}\nserver: {public_url: "\${URL}"}\n`;
    const f = gradeConfig(inspectConfigText(yaml, { baseDir: BASE_DIR, env: { URL: 'http://10.1.2.3:8080' } }));
    has(f, 'auth-off', 'server.auth', 'high');
    has(f, 'tls-public-url-http', 'server.public_url', 'high');
    const text = JSON.stringify(f);
    assert.ok(!text.includes('10.1.2.3'), text);
    assert.match(text, /server\.public_url is \*\*\*/);
    const placeholder = gradeConfig(
      inspectConfigText(SECURE.replace('public_url: https://agents.company.com', 'public_url: "${URL}"'), {
        baseDir: BASE_DIR,
        env: {},
      }),
    );
    assert.deepEqual(ids(placeholder), []);
  });
});

describe('doctor: security switches from the environment', () => {
  const tools = (yaml: string, tool: string) =>
    yaml.replace(
      'agents:\n  a: {llm: default, guardrails: strict}',
      `tools:\n${tool}agents:\n  a: {llm: default, guardrails: strict}`,
    );

  test('an unset ${VAR} on require_approval, deny_by_default, auth and rate limiting is graded at the unsafe value', () => {
    const yaml = tools(
      SECURE.replace('  auth:\n', '  auth:\n    require_tenant_claim: "${TENANT}"\n').replace(
        '{requests_per_minute: 60, per_user: true}',
        '{enabled: "${RL_ON}", requests_per_minute: 60, per_user: true}',
      ),
      '  sh: {type: command, allowed_commands: [ls], require_approval: "${APPROVE}", deny_by_default: "${DENY}"}\n',
    );
    const f = grade(yaml);
    for (const path of [
      'tools.sh.require_approval',
      'tools.sh.deny_by_default',
      'server.rate_limiting.enabled',
      'server.auth.require_tenant_claim',
    ]) {
      has(f, 'env-controlled-security-switch', path, 'high');
    }
    has(f, 'tool-no-approval', 'tools.sh.require_approval', 'high');
    has(f, 'command-denylist-mode', 'tools.sh.deny_by_default', 'high');
    has(f, 'rate-limit-off', 'server.rate_limiting', 'medium');
    const msg = f.find((x) => x.path === 'tools.sh.require_approval' && x.id.startsWith('env'))?.message ?? '';
    assert.match(msg, /\$\{APPROVE\}/);
    assert.match(msg, /unsafe value \(false\)/);
  });

  test('auth.enabled from the environment with no method in the file is graded off', () => {
    const f = grade(`${LLM}agents: {a: {llm: default}}\nserver: {auth: {enabled: "\${AUTH_ON}"}}\n`);
    has(f, 'env-controlled-security-switch', 'server.auth.enabled', 'medium');
    has(f, 'auth-off', 'server.auth', 'medium');
  });

  test('a ${VAR:-safe} default is graded at the unsafe value too, even when the variable is set safe', () => {
    const yaml = `${LLM}tools:
  sh: {type: command, enabled: "\${SH_ON:-false}", allowed_commands: [ls], sandbox: none}
agents: {a: {llm: default}}
server: {host: "\${BIND:-127.0.0.1}"}
`;
    for (const env of [{}, { SH_ON: 'false', BIND: '127.0.0.1' }] as Record<string, string>[]) {
      const f = grade(yaml, env);
      has(f, 'env-controlled-security-switch', 'server.host', 'high');
      has(f, 'env-controlled-security-switch', 'tools.sh.enabled', 'high');
      has(f, 'tls-not-configured', 'server.host', 'high');
      has(f, 'command-no-sandbox', 'tools.sh.sandbox', 'high');
    }
  });

  test('on loopback it is medium; credentials and JWT addresses from the environment are not switches', () => {
    const f = grade(
      tools(
        SECURE.replace(
          '  host: 0.0.0.0\n  public_url: https://agents.company.com\n  trusted_proxies: [10.0.0.0/8]\n',
          '',
        )
          .replace('https://auth.company.com/.well-known/jwks.json', '"${JWKS_URL}"')
          .replace('audience: hector-api', 'audience: "${AUD}"\n    api_keys: [{key: "${K1}", subject: ci}]'),
        '  w: {type: function, handler: write_file, require_approval: "${W:-true}"}\n',
      ),
    );
    has(f, 'env-controlled-security-switch', 'tools.w.require_approval', 'medium');
    assert.deepEqual(
      f.filter((x) => x.id === 'env-controlled-security-switch').map((x) => x.path),
      ['tools.w.require_approval'],
    );
  });

  test('an environment value that is an ordinary word is not scrubbed from messages', () => {
    const yaml = `${LLM}tools:\n  sh: {type: command, allowed_commands: [ls], require_approval: "\${SHELL_APPROVAL}"}\nagents: {a: {llm: default}}\n`;
    const f = grade(yaml, { SHELL_APPROVAL: 'false' });
    const text = JSON.stringify(f);
    assert.ok(!text.includes('***'), text);
    assert.match(text, /unsafe value \(false\)/);
  });
});

describe('doctor: more tool and transport checks', () => {
  const withTools = (tools: string) =>
    SECURE.replace(
      'agents:\n  a: {llm: default, guardrails: strict}',
      `tools:\n${tools}agents:\n  a: {llm: default, guardrails: strict, visibility: internal}`,
    );

  test('versioned interpreters are graded like the runtime matches them (python3, python3.11, node20)', () => {
    const f = grade(
      withTools('  sh: {type: command, allowed_commands: [ls, python3, python3.11, node20, vim.basic]}\n'),
    );
    for (const i of [1, 2, 3, 4]) has(f, 'command-runs-code', `tools.sh.allowed_commands.${i}`, 'medium');
    assert.ok(!f.some((x) => x.path === 'tools.sh.allowed_commands.0'));
  });

  test('web_request allowing a whole top-level domain (*.com, *.io) is web-any-domain', () => {
    const f = grade(
      withTools(
        '  web: {type: function, handler: web_request, allowed_domains: ["*.com", api.example.com, "*.io", "*.example.org"]}\n',
      ),
    );
    has(f, 'web-any-domain', 'tools.web.allowed_domains.0', 'medium');
    has(f, 'web-any-domain', 'tools.web.allowed_domains.2', 'medium');
    assert.ok(!f.some((x) => x.path === 'tools.web.allowed_domains.1' || x.path === 'tools.web.allowed_domains.3'));
  });

  test('web_request allowing every subdomain of a tunnel or shared hosting service is web-open-subdomains', () => {
    const f = grade(
      withTools(
        '  web: {type: function, handler: web_request, allowed_domains: ["*.ngrok-free.app", "*.x.github.io", myapp.vercel.app, "*.S3.amazonaws.com", "*.example.com", "*.notngrok.io"]}\n',
      ),
    );
    has(f, 'web-open-subdomains', 'tools.web.allowed_domains.0', 'medium');
    has(f, 'web-open-subdomains', 'tools.web.allowed_domains.1', 'medium');
    has(f, 'web-open-subdomains', 'tools.web.allowed_domains.3', 'medium');
    for (const i of [2, 4, 5]) {
      assert.ok(!f.some((x) => x.path === `tools.web.allowed_domains.${i}`), `entry ${i} is a host of its own`);
    }
  });

  test('test and build runners run workspace code: command-runs-code (pytest, py.test, mvn, gradlew)', () => {
    const f = grade(withTools('  sh: {type: command, allowed_commands: [ls, pytest, py.test, mvn, gradlew, jest]}\n'));
    for (const i of [1, 2, 3, 4, 5]) has(f, 'command-runs-code', `tools.sh.allowed_commands.${i}`, 'medium');
  });

  test('working directories that hold credentials: homes, /root, /run, /var/run, /var/lib (not /var/lib/hector)', () => {
    const dirs = [
      '/home/alice/project',
      '/root/work',
      '/run/secrets',
      '/var/run/docker',
      '/var/lib/postgresql',
      '/Users/bob/src',
    ];
    const f = grade(
      withTools(
        [
          ...dirs.map((d, i) => `  t${i}: {type: function, handler: read_file, working_directory: ${d}}`),
          '  ok: {type: function, handler: read_file, working_directory: /var/lib/hector/workspace}',
          '  ok2: {type: function, handler: read_file, working_directory: /var/lib/hector-agents}',
          '',
        ].join('\n'),
      ),
    );
    dirs.forEach((_, i) => {
      has(f, 'tool-system-directory', `tools.t${i}.working_directory`, 'medium');
    });
    assert.ok(!f.some((x) => x.path.startsWith('tools.ok')), ids(f).join('\n'));
  });

  test("a working directory holding the server's database, audit file or log file is high", () => {
    const f = grade(
      withTools(
        [
          '  db: {type: function, handler: read_file, working_directory: /srv/data}',
          '  logs: {type: function, handler: read_file, working_directory: /srv/logs}',
          '  inner: {type: function, handler: read_file, working_directory: /srv/audit/trail.jsonl}',
          '  apart: {type: function, handler: read_file, working_directory: /srv/work}',
          '',
        ].join('\n'),
      )
        .replace('server:\n', 'server:\n  database: sqlite:/srv/data/hector.db\n')
        .replace(
          'logger: {format: json}',
          'logger: {format: json, file: /srv/logs/hector.log}\naudit: {sink: file, path: /srv/audit/trail.jsonl}',
        ),
    );
    has(f, 'tool-directory-server-files', 'tools.db.working_directory', 'high');
    has(f, 'tool-directory-server-files', 'tools.logs.working_directory', 'high');
    has(f, 'tool-directory-server-files', 'tools.inner.working_directory', 'high');
    assert.match(f.find((x) => x.path === 'tools.db.working_directory')?.message ?? '', /server\.database/);
    assert.ok(!f.some((x) => x.path === 'tools.apart.working_directory'));
  });

  test('plaintext PostgreSQL, Redis with a password, and trace collectors to remote hosts', () => {
    const server = (extra: string) =>
      grade(SECURE.replace('  rate_limiting: {requests_per_minute: 60, per_user: true}\n', extra));
    const bad = server(
      [
        '  database: "postgres://hector:${DB_PASSWORD}@db.internal:5432/hector?sslmode=disable"',
        '  rate_limiting: {requests_per_minute: 60, per_user: true, store: redis, redis_url: "redis://:${REDIS_PASSWORD}@redis.internal:6379/0"}',
        '  observability: {tracing: {enabled: true, protocol: http, endpoint: "http://otel.internal:4318/v1/traces"}}',
        '',
      ].join('\n'),
    );
    has(bad, 'db-plaintext', 'server.database', 'medium');
    has(bad, 'redis-plaintext', 'server.rate_limiting.redis_url', 'medium');
    has(bad, 'tracing-plaintext', 'server.observability.tracing.endpoint', 'medium');
    has(
      server('  database: "postgres://hector:${P}@db.internal/hector"\n  rate_limiting: {requests_per_minute: 60}\n'),
      'db-plaintext',
      'server.database',
    );
    const good = server(
      [
        '  database: "postgres://hector:${DB_PASSWORD}@db.internal:5432/hector?sslmode=verify-full"',
        '  rate_limiting: {requests_per_minute: 60, per_user: true, store: redis, redis_url: "rediss://:${REDIS_PASSWORD}@redis.internal:6379/0"}',
        '  observability: {tracing: {enabled: true, protocol: http, endpoint: "https://otel.internal:4318/v1/traces"}}',
        '',
      ].join('\n'),
    );
    const local = server(
      [
        '  database: "postgres://hector:${DB_PASSWORD}@127.0.0.1:5432/hector?sslmode=disable"',
        '  rate_limiting: {requests_per_minute: 60, per_user: true, store: redis, redis_url: "redis://:${REDIS_PASSWORD}@localhost:6379/0"}',
        '  observability: {tracing: {enabled: true, endpoint: "http://127.0.0.1:4317"}}',
        '',
      ].join('\n'),
    );
    for (const f of [good, local]) {
      for (const id of ['db-plaintext', 'redis-plaintext', 'tracing-plaintext']) lacks(f, id);
    }
  });
});

describe('doctor: placeholders', () => {
  test('unset variables do not stop grading, whatever type the field needs', () => {
    const yaml = `${SECURE.replace('port: 8080', '')}`
      .replace('https://auth.company.com/.well-known/jwks.json', '"${JWKS_URL}"')
      .replace('requests_per_minute: 60', 'requests_per_minute: "${RPM}"');
    const inspected = inspectConfigText(yaml, { baseDir: BASE_DIR, env: {} });
    assert.deepEqual(inspected.placeholders, ['JWKS_URL', 'OPENAI_API_KEY', 'RPM']);
    assert.equal(inspected.config.server.rate_limiting?.requests_per_minute, 1);
    assert.deepEqual(ids(gradeConfig(inspected)), []);
  });
});
