/** `tools.<name>: {type: mcp}` — stdio and HTTP shapes, defaults, references from agents, and every refusal. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, type ConfigIssue } from '../shared/index.ts';
import { parseConfigText } from './index.ts';

const BASE = '/srv/hector';

function doc(tools: string, agentTools: string): string {
  return `version: "2"
llms:
  default: {provider: openai, model: m, base_url: "http://127.0.0.1:1/v1"}
tools:
${tools}
agents:
  assistant:
    tools: ${agentTools}
`;
}

function parse(text: string, env: Record<string, string> = {}) {
  return parseConfigText(text, { baseDir: BASE, env, source: 'hector.yaml' }).config;
}

function issues(text: string, env: Record<string, string> = {}): string[] {
  try {
    parse(text, env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.issues.map((i: ConfigIssue) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
  }
  assert.fail('expected a ConfigError');
}

const STDIO = `  github:
    type: mcp
    command: npx
    args: [-y, "@modelcontextprotocol/server-github"]
    env: {GITHUB_TOKEN: "\${GITHUB_TOKEN}"}
    filter: [get_issue, "list_*", create_issue]
    deny: [delete_*]
    require_approval: [create_issue]`;

test('stdio toolset: defaults applied, secrets from ${VAR}, paths resolved against the config directory', () => {
  const config = parse(doc(STDIO, '[github]'), { GITHUB_TOKEN: 'ghp_secret' });
  assert.deepEqual(config.tools.github, {
    type: 'mcp',
    enabled: true,
    filter: ['get_issue', 'list_*', 'create_issue'],
    deny: ['delete_*'],
    require_approval: ['create_issue'],
    approvers: [],
    approval_timeout: 86_400_000,
    timeout: 60_000,
    connect_timeout: 15_000,
    max_result_bytes: 262_144,
    transport: 'stdio',
    command: 'npx',
    args: ['-y', '@modelcontextprotocol/server-github'],
    env: { GITHUB_TOKEN: 'ghp_secret' },
    working_directory: '/srv/hector/workspace',
    sandbox: 'bubblewrap',
    network: false,
    read_only_paths: [],
  });
  assert.deepEqual(config.agents.assistant?.tools, ['github']);
});

test('HTTP toolset: streamable-http by default, headers with secrets; require_approval defaults to true', () => {
  const config = parse(
    doc(
      `  remote:
    type: mcp
    url: https://mcp.example.com/mcp
    headers: {Authorization: "Bearer \${MCP_TOKEN}"}`,
      '[remote.search]',
    ),
    { MCP_TOKEN: 't0ken' },
  );
  const tool = config.tools.remote;
  assert.ok(tool?.type === 'mcp' && tool.transport !== 'stdio');
  assert.equal(tool.transport, 'streamable-http');
  assert.deepEqual(tool.headers, { Authorization: 'Bearer t0ken' });
  assert.equal(tool.require_approval, true);
  assert.deepEqual(config.agents.assistant?.tools, ['remote.search']);
});

test('a missing ${VAR} in env or headers is an error naming it', () => {
  const found = issues(doc(STDIO, '[github]')).join('\n');
  assert.match(found, /GITHUB_TOKEN/);
});

test('shape errors: both or neither of command/url, keys of the other transport, bad patterns and names', () => {
  const found = issues(
    doc(
      `  both: {type: mcp, command: x, url: "http://a"}
  neither: {type: mcp}
  mixed: {type: mcp, url: "http://a", sandbox: none, env: {A: b}}
  mixed2: {type: mcp, command: x, headers: {a: b}, transport: sse}
  pats: {type: mcp, command: x, filter: ["$(rm)"], deny: ["a b"], require_approval: [";"]}
  envs: {type: mcp, command: x, env: {"BAD-NAME": v}}
  bad__name: {type: mcp, command: x}`,
      '[]',
    ),
  );
  const text = found.join('\n');
  for (const pattern of [
    /tools\.both\.url: give either command \(stdio\) or url \(HTTP\), not both/,
    /tools\.neither\.command: required: command \(stdio\) or url \(HTTP\)/,
    /tools\.mixed\.sandbox: sandbox applies only to stdio/,
    /tools\.mixed\.env: env applies only to stdio/,
    /tools\.mixed2\.headers: headers applies only to HTTP/,
    /tools\.mixed2\.transport: transport applies only to HTTP/,
    /tools\.pats\.filter\.0/,
    /tools\.pats\.deny\.0/,
    /tools\.pats\.require_approval/,
    /tools\.envs\.env/,
    /tools\.bad__name: a tool name may not contain "__"/,
  ]) {
    assert.match(text, pattern);
  }
});

test('agent references: <toolset>.<tool> must pass filter and deny; no toolset and its tool together', () => {
  const found = issues(
    doc(
      STDIO,
      '[github.get_issue, github.list_repos, github.delete_repo, github.push, github, nothere.x, github.get_issue]',
    ),
    { GITHUB_TOKEN: 't' },
  );
  const text = found.join('\n');
  assert.match(
    text,
    /agents\.assistant\.tools\.2: "delete_repo" is excluded by tools\.github\.filter or tools\.github\.deny/,
  );
  assert.match(text, /agents\.assistant\.tools\.3: "push" is excluded/);
  assert.match(text, /agents\.assistant\.tools\.4: toolset "github" already lists "github\.get_issue"/);
  assert.match(text, /agents\.assistant\.tools\.5: unknown tool "nothere\.x"/);
  assert.match(text, /agents\.assistant\.tools\.6: duplicate tool "github\.get_issue"/);
  assert.doesNotMatch(text, /tools\.0:|tools\.1:/);
});

test('only MCP toolsets take <toolset>.<tool>; agent names with "__" are refused', () => {
  const found = issues(`version: "2"
llms:
  default: {provider: openai, model: m, base_url: "http://127.0.0.1:1/v1"}
tools:
  reader: {type: function, handler: read_file}
agents:
  a__b: {tools: [reader.read]}
`);
  const text = found.join('\n');
  assert.match(text, /agents\.a__b: an agent name may not contain "__"/);
  assert.match(text, /unknown tool "reader\.read".*only MCP tools are referenced as <toolset>\.<tool>/);
});
