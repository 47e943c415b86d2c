import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../shared/index.ts';
import { maskSecrets, validateAppConfig } from './app-config.ts';

const context = { appId: 'app-1', appsDir: '/srv/hector/.hector/apps', hostTools: false };
const KEY = 'sk-ant-api03-0123456789abcdef';
// The guide's example, as a JSON string.
const GUIDE = JSON.stringify({
  llms: { default: { provider: 'anthropic', model: 'claude-sonnet-4', api_key: KEY } },
  agents: { support: { llm: 'default', instruction: 'You are a support agent.' } },
});

function issues(source: unknown, ctx = context): string {
  try {
    validateAppConfig(source, ctx);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

test("the guide's config_json validates; its key is a secret, masked in answers", () => {
  const v = validateAppConfig(GUIDE, context);
  assert.deepEqual(Object.keys(v.config.agents), ['support']);
  assert.equal(v.workspace, '/srv/hector/.hector/apps/app-1');
  assert.ok(v.secrets.includes(KEY));
  const masked = JSON.stringify(maskSecrets(v.document, v.secrets));
  assert.ok(!masked.includes(KEY));
  assert.match(masked, /"api_key":"\*\*\*"/);
  assert.deepEqual(
    Object.keys(validateAppConfig(JSON.parse(GUIDE), context).config.agents),
    ['support'],
    'an object works too',
  );
});

test('deployment sections, the server environment and bad documents are refused with their paths', () => {
  const doc = JSON.parse(GUIDE);
  assert.match(issues({ ...doc, server: { port: 1 } }), /server: is not allowed in an app config/);
  assert.match(issues({ ...doc, logger: { level: 'trace' } }), /logger: is not allowed/);
  assert.match(issues({ ...doc, audit: { sink: 'file', path: '/etc/cron.d/x' } }), /audit: is not allowed/);
  const leaky = { ...doc, llms: { default: { ...doc.llms.default, api_key: '$' + '{HECTOR_AUTH_SECRET}' } } };
  const message = issues(leaky);
  assert.match(message, /llms\.default\.api_key/);
  assert.match(message, /HECTOR_AUTH_SECRET/);
  assert.match(issues('{"llms": '), /config_json: is not valid JSON/);
  assert.match(issues('[1, 2]'), /must be a JSON object/);
  assert.match(issues({ ...doc, agnets: {} }), /unknown key "agnets"/);
});

test('tool workspaces stay under the app directory; host paths are refused', () => {
  const doc = JSON.parse(GUIDE);
  const withTool = (tool: Record<string, unknown>) => ({
    ...doc,
    tools: { t: tool },
    agents: { support: { ...doc.agents.support, tools: ['t'] } },
  });
  const ok = validateAppConfig(
    withTool({ type: 'function', handler: 'read_file', working_directory: 'data' }),
    context,
  );
  const tool = ok.config.tools.t as { working_directory: string };
  assert.equal(tool.working_directory, '/srv/hector/.hector/apps/app-1/data');
  for (const path of ['/etc', '../app-2', '/srv/hector/.hector/apps/app-10', '..', 'data/../../app-2']) {
    assert.match(
      issues(withTool({ type: 'function', handler: 'read_file', working_directory: path })),
      /tools\.t\.working_directory: (must be inside the app's own directory|the working directory .* contains the config file's directory)/,
      path,
    );
  }
});

test('command tools and MCP stdio servers only with host tools enabled; MCP over HTTP is fine', () => {
  const doc = JSON.parse(GUIDE);
  const withTool = (tool: Record<string, unknown>) => ({ ...doc, tools: { t: tool } });
  const command = { type: 'command', allowed_commands: ['ls'] };
  assert.match(issues(withTool(command)), /tools\.t: command tools run programs on the host/);
  const stdio = { type: 'mcp', command: 'npx', args: ['server'] };
  assert.match(issues(withTool(stdio)), /MCP stdio servers run programs on the host/);
  const trusted = { ...context, hostTools: true };
  assert.ok(validateAppConfig(withTool(command), trusted));
  assert.match(
    issues(withTool({ ...command, sandbox: 'none' }), trusted),
    /tools\.t\.sandbox: an app cannot run tools outside/,
  );
  assert.match(
    issues(withTool({ ...command, working_directory: '/etc' }), trusted),
    /working_directory: must be inside/,
    'host tools do not open host paths',
  );
  assert.ok(
    validateAppConfig(
      withTool({ type: 'mcp', transport: 'streamable-http', url: 'https://mcp.example.com/mcp' }),
      context,
    ),
  );
});

test('a __proto__ key (in any JSON spelling) is refused, not silently dropped; absurd nesting is named as such', () => {
  const doc = JSON.parse(GUIDE);
  const withProto = `${JSON.stringify(doc).slice(0, -1)},"__proto__":{"admin":true}}`;
  assert.match(issues(withProto), /config_json: has a "__proto__" key/);
  assert.match(issues(withProto.replace('__proto__', '\\u005f_proto__')), /"__proto__" key/);
  assert.match(issues(`${'['.repeat(20000)}${']'.repeat(20000)}`), /nested too deeply|must be a JSON object/);
  assert.match(issues(`{"a":${'['.repeat(200000)}`), /nested too deeply|not valid JSON/);
});

test('masking by field holds under tools named like the root maps (tools, llms, agents, guardrails)', () => {
  const doc = JSON.parse(GUIDE);
  for (const name of ['tools', 'llms', 'agents', 'guardrails', 'search']) {
    const v = validateAppConfig(
      {
        ...doc,
        tools: {
          [name]: { type: 'mcp', url: 'https://mcp.example.com/mcp', headers: { 'X-Auth': 'plain-header-secret-999' } },
        },
      },
      context,
    );
    const shown = JSON.stringify(maskSecrets(v.document, v.secrets));
    assert.ok(!shown.includes('plain-header-secret-999'), `${name}: ${shown}`);
  }
});
