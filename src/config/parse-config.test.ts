import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, type ConfigIssue } from '../shared/index.ts';
import { parseConfigText } from './index.ts';

const BASE = '/srv/hector';
const KEY = 'sk-test-0123456789';

/** A valid document; `extra` is appended verbatim. */
function doc(extra = ''): string {
  return `version: "2"
llms:
  default:
    provider: openai
    model: gpt-4o-mini
    api_key: \${OPENAI_API_KEY}
agents:
  assistant:
    llm: default
${extra}`;
}

function parse(text: string, env: Record<string, string | undefined> = { OPENAI_API_KEY: KEY }) {
  return parseConfigText(text, { baseDir: BASE, env, source: 'hector.yaml' });
}

function issues(text: string, env: Record<string, string | undefined> = { OPENAI_API_KEY: KEY }): ConfigIssue[] {
  try {
    parse(text, env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.code, 'config_invalid');
    assert.ok(e.message.startsWith('hector.yaml: invalid configuration:\n'), e.message);
    return [...e.issues];
  }
  assert.fail('expected a ConfigError');
}

test('a minimal document gets every default', () => {
  const { config, baseDir, secrets } = parse(doc());
  assert.equal(baseDir, BASE);
  assert.deepEqual(secrets, [KEY]);
  assert.equal(config.version, '2');
  assert.equal(config.name, undefined);
  assert.deepEqual(
    { ...config.llms },
    {
      default: {
        provider: 'openai',
        model: 'gpt-4o-mini',
        api_key: KEY,
        timeout: 60_000,
        max_retries: 2,
      },
    },
  );
  assert.deepEqual(
    { ...config.agents },
    {
      assistant: {
        name: 'assistant',
        description: '',
        llm: 'default',
        instruction: '',
        tools: [],
        streaming: true,
        max_steps: 10,
        history_limit: 100,
        visibility: 'public',
        sub_agents: [],
      },
    },
  );
  assert.deepEqual({ ...config.tools }, {});
  assert.deepEqual(config.server, {
    host: '127.0.0.1',
    port: 8080,
    max_body_bytes: 1_048_576,
    shutdown_timeout: 10_000,
    task_lease: 60_000,
    max_concurrent_runs: 0,
    trusted_proxies: [],
    observability: {
      metrics: { enabled: false, path: '/metrics' },
      tracing: { enabled: false, protocol: 'grpc', sampling: 1, capture_content: false, service_name: 'hector' },
    },
  });
  assert.equal('rate_limiting' in config.server, false, 'no rate_limiting block: no limits from the file');
  assert.equal('database' in config.server, false, 'no database: the server picks its default');
  assert.deepEqual(config.logger, { level: 'info', format: 'json' });
});

test('every field, explicitly set', () => {
  const { config } = parse(
    `version: "2"
name: prod
llms:
  fast:
    provider: openai
    model: local-model
    base_url: http://127.0.0.1:11434/v1
    temperature: 0.5
    max_tokens: 2048
    timeout: 1.5s
    max_retries: 0
  claude: {provider: anthropic, model: claude-x, api_key: "\${ANTHROPIC_API_KEY}", timeout: 2m}
  local: {provider: ollama, model: llama3}
tools:
  reader: {type: function, handler: read_file, description: Reads files, enabled: true, working_directory: data}
  lister: {type: function, handler: list_directory, enabled: false}
agents:
  helper:
    name: Helper
    description: Helps
    llm: fast
    instruction: Be brief.
    tools: [reader]
    streaming: false
    max_steps: 100
    history_limit: 0
    visibility: internal
    sub_agents: []
    rate_limits: [{type: token, window: day, limit: "50000"}]
server:
  host: 0.0.0.0
  port: 0
  public_url: https://agents.example.com/base
  database: postgres://hector:pw@db:5432/hector
  max_body_bytes: 1024
  shutdown_timeout: 0s
  task_lease: 90s
  max_concurrent_runs: 50
  trusted_proxies: [10.0.0.0/8, "fd00::/8", 192.0.2.1]
  rate_limiting:
    enabled: true
    requests_per_minute: 100
    burst: 20
    per_user: true
    limits:
      - {type: count, window: second, limit: 5, scope: address, burst: 10}
      - {type: token, window: month, limit: 1000000, scope: app}
    store: redis
    redis_url: redis://:pw@cache:6379/2
    on_store_error: allow
logger: {level: silent, format: text}
`,
    { ANTHROPIC_API_KEY: 'ak-0123456789' },
  );
  assert.equal(config.name, 'prod');
  assert.deepEqual(config.llms.fast, {
    provider: 'openai',
    model: 'local-model',
    base_url: 'http://127.0.0.1:11434/v1',
    temperature: 0.5,
    max_tokens: 2048,
    timeout: 1500,
    max_retries: 0,
  });
  assert.equal(config.llms.claude?.timeout, 120_000);
  assert.equal(config.llms.local?.api_key, undefined, 'ollama needs no key');
  assert.deepEqual(config.tools.reader, {
    type: 'function',
    handler: 'read_file',
    description: 'Reads files',
    enabled: true,
    require_approval: false,
    approvers: [],
    approval_timeout: 86_400_000,
    working_directory: '/srv/hector/data',
  });
  assert.deepEqual(config.tools.lister, {
    type: 'function',
    handler: 'list_directory',
    enabled: false,
    require_approval: false,
    approvers: [],
    approval_timeout: 86_400_000,
    working_directory: '/srv/hector/workspace',
  });
  assert.deepEqual(config.agents.helper, {
    name: 'Helper',
    description: 'Helps',
    llm: 'fast',
    instruction: 'Be brief.',
    tools: ['reader'],
    streaming: false,
    max_steps: 100,
    history_limit: 0,
    visibility: 'internal',
    sub_agents: [],
    rate_limits: [{ type: 'token', window: 'day', limit: 50_000, scope: 'user' }],
  });
  assert.deepEqual(config.server, {
    host: '0.0.0.0',
    port: 0,
    public_url: 'https://agents.example.com/base',
    database: 'postgres://hector:pw@db:5432/hector',
    max_body_bytes: 1024,
    shutdown_timeout: 0,
    task_lease: 90_000,
    max_concurrent_runs: 50,
    trusted_proxies: ['10.0.0.0/8', 'fd00::/8', '192.0.2.1'],
    observability: {
      metrics: { enabled: false, path: '/metrics' },
      tracing: { enabled: false, protocol: 'grpc', sampling: 1, capture_content: false, service_name: 'hector' },
    },
    rate_limiting: {
      enabled: true,
      requests_per_minute: 100,
      burst: 20,
      per_user: true,
      limits: [
        { type: 'count', window: 'second', limit: 5, scope: 'address', burst: 10 },
        { type: 'token', window: 'month', limit: 1_000_000, scope: 'app' },
      ],
      store: 'redis',
      redis_url: 'redis://:pw@cache:6379/2',
      on_store_error: 'allow',
    },
  });
  assert.deepEqual(config.logger, { level: 'silent', format: 'text' });
});

test('unknown keys anywhere are errors, with a did-you-mean hint', () => {
  assert.deepEqual(issues(`${doc()}agnets: {}\n`), [
    { path: 'agnets', message: 'unknown key "agnets" (line 10)', hint: 'did you mean `agents`?' },
  ]);
  assert.deepEqual(
    issues(`version: "2"
llms:
  x:
    provider: openai
    modle: gpt-4o
    api_key: k
agents: {a: {llm: x}}
`),
    [
      { path: 'llms.x.model', message: 'required (line 4)' },
      { path: 'llms.x.modle', message: 'unknown key "modle" (line 5)', hint: 'did you mean `model`?' },
    ],
  );
  assert.deepEqual(issues(doc('server:\n  prot: 80\nlogger:\n  levle: info\n  colour: true\n')), [
    { path: 'server.prot', message: 'unknown key "prot" (line 11)', hint: 'did you mean `port`?' },
    { path: 'logger.levle', message: 'unknown key "levle" (line 13)', hint: 'did you mean `level`?' },
    { path: 'logger.colour', message: 'unknown key "colour" (line 14)', hint: 'allowed keys: level, format, file' },
  ]);
  assert.deepEqual(issues(doc('tools:\n  t: {type: function, handler: read_file, working_dir: ./w}\n')), [
    {
      path: 'tools.t.working_dir',
      message: 'unknown key "working_dir" (line 11)',
      hint: 'did you mean `working_directory`?',
    },
  ]);
  assert.deepEqual(issues(doc().replace('llm: default', 'llm: default\n    Tools: []')), [
    { path: 'agents.assistant.Tools', message: 'unknown key "Tools" (line 10)', hint: 'did you mean `tools`?' },
  ]);
  // Sections that are not implemented yet are refused, not ignored.
  assert.deepEqual(issues(doc('auth: {type: none}\n'))[0]?.message, 'unknown key "auth" (line 10)');
});

test('version: required, the string "2"; a number is refused; another version is reported alone', () => {
  assert.deepEqual(issues(doc().replace('version: "2"\n', '')), [
    { path: 'version', message: 'required', hint: 'add version: "2" as the first line' },
  ]);
  assert.deepEqual(issues(doc().replace('version: "2"', 'version: 2')), [
    { path: 'version', message: 'must be the string "2", not the number 2 (line 1)', hint: 'quote it: version: "2"' },
  ]);
  assert.deepEqual(issues('version: "1"\nagents: {}\nwhatever: 1\n'), [
    { path: 'version', message: 'unsupported config version "1" (line 1)', hint: 'this Hector reads version: "2"' },
  ]);
  assert.deepEqual(issues(doc().replace('version: "2"', 'version: [2]')), [
    { path: 'version', message: 'must be the string "2" (line 1)', hint: 'write version: "2"' },
  ]);
});

test('unknown provider, handler, level and type: the allowed values and a did-you-mean hint', () => {
  assert.deepEqual(issues(doc().replace('provider: openai', 'provider: opnai')), [
    {
      path: 'llms.default.provider',
      message: '"opnai" is not one of: openai, anthropic, gemini, ollama (line 4)',
      hint: 'did you mean `openai`?',
    },
  ]);
  assert.deepEqual(issues(doc().replace('provider: openai', 'provider: bedrock')), [
    { path: 'llms.default.provider', message: '"bedrock" is not one of: openai, anthropic, gemini, ollama (line 4)' },
  ]);
  assert.deepEqual(issues(doc().replace('    provider: openai\n', '')), [
    { path: 'llms.default.provider', message: 'required (line 4)', hint: 'one of: openai, anthropic, gemini, ollama' },
  ]);
  assert.deepEqual(issues(doc('logger: {level: warning}\n')), [
    {
      path: 'logger.level',
      message: '"warning" is not one of: trace, debug, info, warn, error, fatal, silent (line 10)',
      hint: 'did you mean `warn`?',
    },
  ]);
  assert.deepEqual(
    issues(
      doc(
        'tools:\n  a: {type: fucntion, handler: read_file}\n  b: {handler: read_file}\n  c: {type: function, handler: readfile}\n',
      ),
    ),
    [
      {
        path: 'tools.a.type',
        message: 'unknown type "fucntion"; allowed: function, command, mcp (line 11)',
        hint: 'did you mean `function`?',
      },
      { path: 'tools.b.type', message: 'required (line 12)', hint: 'allowed types: function, command, mcp' },
      {
        path: 'tools.c.handler',
        message:
          '"readfile" is not one of: read_file, write_file, search_replace, list_directory, grep_search, web_request (line 13)',
        hint: 'did you mean `read_file`?',
      },
    ],
  );
});

test('an API key is required for anthropic, gemini, and openai without base_url; the message names the variable', () => {
  const llm = (body: string) => `version: "2"\nllms:\n  x: {${body}}\nagents: {a: {llm: x}}\n`;
  assert.deepEqual(issues(llm('provider: anthropic, model: m')), [
    {
      path: 'llms.x.api_key',
      message: 'provider anthropic needs an API key; set api_key: ${ANTHROPIC_API_KEY} (line 3)',
    },
  ]);
  assert.deepEqual(issues(llm('provider: gemini, model: m')), [
    { path: 'llms.x.api_key', message: 'provider gemini needs an API key; set api_key: ${GEMINI_API_KEY} (line 3)' },
  ]);
  assert.deepEqual(issues(llm('provider: openai, model: m')), [
    {
      path: 'llms.x.api_key',
      message: 'provider openai needs an API key; set api_key: ${OPENAI_API_KEY} (line 3)',
      hint: 'or set base_url to an OpenAI-compatible server that needs no key',
    },
  ]);
  // An empty value (here: an empty default) is no key.
  assert.equal(issues(llm('provider: anthropic, model: m, api_key: "${K:-}"'))[0]?.path, 'llms.x.api_key');
  assert.equal(issues(llm('provider: anthropic, model: m, api_key: ""'))[0]?.path, 'llms.x.api_key');
  // Not required: openai with base_url, ollama. An empty key is then dropped from the output.
  const c1 = parse(llm('provider: openai, model: m, base_url: "http://127.0.0.1:8000/v1", api_key: "${K:-}"'), {});
  assert.equal('api_key' in c1.config.llms.x!, false);
  assert.equal(parse(llm('provider: ollama, model: m'), {}).config.llms.x?.provider, 'ollama');
});

test('agents reference existing llms and tools (did-you-mean), each tool once and enabled', () => {
  assert.deepEqual(issues(doc().replace('llm: default', 'llm: defualt')), [
    { path: 'agents.assistant.llm', message: 'unknown llm "defualt" (line 9)', hint: 'did you mean `default`?' },
  ]);
  assert.deepEqual(issues(doc().replace('llm: default', 'llm: other')), [
    { path: 'agents.assistant.llm', message: 'unknown llm "other" (line 9)', hint: 'defined llms: default' },
  ]);
  assert.deepEqual(issues(doc().replace('llm: default', 'llm: toString')), [
    { path: 'agents.assistant.llm', message: 'unknown llm "toString" (line 9)', hint: 'defined llms: default' },
  ]);
  assert.deepEqual(
    issues(
      doc(`    tools: [read_file, red_file, read_file, lister, constructor]
tools:
  read_file: {type: function, handler: read_file}
  lister: {type: function, handler: list_directory, enabled: false}
`),
    ),
    [
      {
        path: 'agents.assistant.tools.1',
        message: 'unknown tool "red_file" (line 10)',
        hint: 'did you mean `read_file`?',
      },
      {
        path: 'agents.assistant.tools.2',
        message: 'duplicate tool "read_file" (line 10)',
        hint: 'list each tool (or its toolset) once',
      },
      {
        path: 'agents.assistant.tools.3',
        message: 'tool "lister" is disabled (tools.lister.enabled: false) (line 10)',
        hint: 'remove it from the list or enable the tool',
      },
      {
        path: 'agents.assistant.tools.4',
        message: 'unknown tool "constructor" (line 10)',
        hint: 'defined tools: read_file, lister',
      },
    ],
  );
  assert.deepEqual(issues(doc('    tools: [x]\n')), [
    {
      path: 'agents.assistant.tools.0',
      message: 'unknown tool "x" (line 10)',
      hint: 'no tools are defined; add one under tools:',
    },
  ]);
});

test('agent llm may be omitted only when exactly one llm exists', () => {
  assert.equal(
    parse(doc().replace('    llm: default\n', '    description: d\n')).config.agents.assistant?.llm,
    'default',
  );
  const two = doc()
    .replace('    llm: default\n', '    description: d\n')
    .replace('agents:', '  b: {provider: ollama, model: m}\nagents:');
  assert.deepEqual(issues(two), [
    {
      path: 'agents.assistant.llm',
      message: 'required when more than one llm is defined (line 10)',
      hint: 'name one of: default, b',
    },
  ]);
  assert.deepEqual(issues('version: "2"\nagents:\n  a: {}\n'), [
    {
      path: 'agents.a.llm',
      message: 'required: no llms are defined (line 3)',
      hint: 'add an LLM under llms: and name it here',
    },
  ]);
});

test('agents: at least one; names are checked', () => {
  assert.deepEqual(issues('version: "2"\n'), [{ path: 'agents', message: 'required' }]);
  assert.deepEqual(issues('version: "2"\nagents: {}\n'), [
    { path: 'agents', message: 'no agents are defined (line 2)', hint: 'define at least one agent under agents:' },
  ]);
  assert.deepEqual(issues(doc('  9lives: {llm: default}\n  a.b: {llm: default}\n')), [
    {
      path: 'agents.9lives',
      message: 'invalid name "9lives" (line 10)',
      hint: 'a name starts with a letter, then letters, digits, _ or -, at most 64 characters',
    },
    {
      path: 'agents.a.b',
      message: 'invalid name "a.b" (line 11)',
      hint: 'a name starts with a letter, then letters, digits, _ or -, at most 64 characters',
    },
  ]);
  assert.equal(
    issues(doc(`  ${'a'.repeat(65)}: {llm: default}\n`))[0]?.message,
    `invalid name "${'a'.repeat(40)}…" (line 10)`,
  );
});

test('a missing ${VAR} names the variable and the key path; nothing else is reported for that value', () => {
  assert.deepEqual(issues(doc(), {}), [
    {
      path: 'llms.default.api_key',
      message:
        'environment variable OPENAI_API_KEY is not set (referenced by llms.default.api_key); set it or add it to .env (line 6)',
    },
  ]);
  assert.deepEqual(issues(doc('server: {port: "${PORT}"}\n')), [
    {
      path: 'server.port',
      message: 'environment variable PORT is not set (referenced by server.port); set it or add it to .env (line 10)',
    },
  ]);
  assert.deepEqual(issues(doc('    tools: ["${T}"]\n')), [
    {
      path: 'agents.assistant.tools.0',
      message:
        'environment variable T is not set (referenced by agents.assistant.tools.0); set it or add it to .env (line 10)',
    },
  ]);
  assert.deepEqual(issues(doc('    instruction: "${BAD"\n'))[0], {
    path: 'agents.assistant.instruction',
    message: 'unclosed "${" in "${BAD" (line 10)',
    hint: 'write ${NAME} or ${NAME:-default}; for a literal "${" write "$${"',
  });
});

test('${VAR:-default}, several references, lists; bare $VAR untouched; $${X} escape; keys never substituted', () => {
  const { config } = parse(
    doc(`    name: "\${FIRST} \${LAST:-Doe}"
    instruction: |
      Use $HOME and $\${NOT_A_VAR} and \${FIRST}.
    tools: ["\${TOOL}"]
tools:
  reader: {type: function, handler: read_file, working_directory: "\${WS:-./ws}"}
`),
    { OPENAI_API_KEY: KEY, FIRST: 'Jane', TOOL: 'reader' },
  );
  assert.equal(config.agents.assistant?.name, 'Jane Doe');
  assert.equal(config.agents.assistant?.instruction, 'Use $HOME and ${NOT_A_VAR} and Jane.\n');
  assert.deepEqual(config.agents.assistant?.tools, ['reader']);
  assert.equal((config.tools.reader as { working_directory: string }).working_directory, '/srv/hector/ws');
  // Keys are never substituted: `${TOOL}` as a key stays literal (and is not a valid name).
  assert.deepEqual(
    issues(doc('tools:\n  ${TOOL}: {type: function, handler: read_file}\n'), { OPENAI_API_KEY: KEY, TOOL: 'x' }),
    [
      {
        path: 'tools.${TOOL}',
        message: 'invalid name "${TOOL}" (line 11)',
        hint: 'a name starts with a letter, then letters, digits, _ or -, at most 64 characters',
      },
    ],
  );
});

test('tool defaults per type; keys of one tool type are refused on another', () => {
  const tools = (body: string) => doc(`tools:\n${body}`);
  const { config } = parse(
    tools(
      '  web: {type: function, handler: web_request}\n  rf: {type: function, handler: read_file}\n  sh: {type: command, allowed_commands: [ls]}\n',
    ),
  );
  assert.deepEqual(
    { ...config.tools.web },
    {
      type: 'function',
      handler: 'web_request',
      enabled: true,
      require_approval: false,
      approvers: [],
      approval_timeout: 86_400_000,
      denied_domains: [],
      allowed_ranges: [],
      max_response_bytes: 1024 * 1024,
      timeout: 30_000,
    },
  );
  assert.equal((config.tools.rf as { working_directory: string }).working_directory, `${BASE}/workspace`);
  assert.equal(config.tools.rf?.require_approval, false, 'reading needs no approval by default');
  assert.deepEqual(
    { ...config.tools.sh },
    {
      type: 'command',
      enabled: true,
      require_approval: true,
      approvers: [],
      approval_timeout: 86_400_000,
      allowed_commands: ['ls'],
      denied_commands: [],
      deny_by_default: true,
      working_directory: `${BASE}/workspace`,
      max_execution_time: 60_000,
      max_output_bytes: 65_536,
      network: false,
      sandbox: 'bubblewrap',
    },
  );
  assert.deepEqual(
    issues(
      tools(
        '  web: {type: function, handler: web_request, working_directory: ./w}\n  rf: {type: function, handler: read_file, allowed_domains: [example.com]}\n',
      ),
    ).map((i) => `${i.path}: ${i.message}`),
    [
      'tools.web.working_directory: working_directory does not apply to handler web_request (line 11)',
      'tools.rf.allowed_domains: allowed_domains does not apply to handler read_file (line 12)',
    ],
  );
  assert.deepEqual(
    issues(tools('  sh: {type: command}\n')).map((i) => i.path),
    ['tools.sh.allowed_commands'],
  );
  assert.deepEqual(
    issues(tools('  sh: {type: command, allowed_commands: ["/bin/ls"]}\n')).map((i) => i.path),
    ['tools.sh.allowed_commands.0'],
  );
});

test('approval: defaults per tool kind, explicit values win, approvers and timeout are checked', () => {
  const tools = (body: string) => doc(`tools:\n${body}`);
  const { config } = parse(
    tools(
      '  w: {type: function, handler: write_file}\n  s: {type: function, handler: search_replace}\n  w2: {type: function, handler: write_file, require_approval: false}\n  r: {type: function, handler: read_file, require_approval: true, approval_prompt: "Read {path}?", approvers: [admin], approval_timeout: 10m}\n',
    ),
  );
  assert.equal(config.tools.w?.require_approval, true);
  assert.equal(config.tools.s?.require_approval, true);
  assert.equal(config.tools.w2?.require_approval, false);
  assert.deepEqual(
    [
      config.tools.r?.require_approval,
      config.tools.r?.approval_prompt,
      config.tools.r?.approvers,
      config.tools.r?.approval_timeout,
    ],
    [true, 'Read {path}?', ['admin'], 600_000],
  );
  assert.deepEqual(
    issues(tools('  r: {type: function, handler: read_file, approvers: ["a b"], approval_timeout: 10}\n')).map(
      (i) => i.path,
    ),
    ['tools.r.approvers.0', 'tools.r.approval_timeout'],
  );
});

test('a value pasted into the wrong enum field is described, never quoted, when it could be a secret', () => {
  const pasted = 'sk-proj-0a1b2c3d4e5f6a7b8c9d';
  const [issue] = issues(doc().replace('    provider: openai\n', `    provider: ${pasted}\n`));
  assert.equal(issue?.path, 'llms.default.provider');
  assert.ok(!JSON.stringify(issue).includes(pasted.slice(0, 12)), JSON.stringify(issue));
  assert.match(issue!.message, /^a 28-character value is not one of: openai/);
});
