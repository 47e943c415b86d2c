/** inspectConfigText (placeholders for unset variables, raw text of references) and the guide hints. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../shared/index.ts';
import { inspectConfigText, parseConfigText } from './index.ts';
import { PLACEHOLDER_VALUES } from './inspect-config.ts';

const BASE = { baseDir: '/srv/hector-inspect-test' };

const YAML = `version: "2"
llms:
  default: {provider: openai, model: "\${MODEL:-gpt-4o}", api_key: "\${OPENAI_API_KEY}"}
agents:
  a: {llm: default, max_steps: "\${STEPS}"}
server:
  port: "\${PORT}"
  auth: {jwks_url: "\${JWKS_URL}", api_keys: ["\${K1}"]}
`;

describe('inspectConfigText', () => {
  test('unset variables get the first placeholder their field accepts; defaults are used as written', () => {
    const r = inspectConfigText(YAML, { ...BASE, env: { K1: 'set-from-the-env-0123456789' } });
    assert.deepEqual(r.placeholders, ['JWKS_URL', 'OPENAI_API_KEY', 'PORT', 'STEPS']);
    assert.equal(r.config.llms.default?.model, 'gpt-4o');
    assert.equal(r.config.llms.default?.api_key, PLACEHOLDER_VALUES[0]);
    assert.equal(r.config.server.port, 1);
    assert.equal(r.config.agents.a?.max_steps, 1);
    assert.equal(r.config.server.auth?.jwks_url, 'https://placeholder.invalid/');
    assert.equal(r.config.server.auth?.api_keys[0]?.key, 'set-from-the-env-0123456789');
    assert.ok(r.secrets.includes('set-from-the-env-0123456789'));
  });

  test('references keep the raw text by dotted path; literals have none', () => {
    const r = inspectConfigText(YAML, { ...BASE, env: {} });
    assert.equal(r.references.get('llms.default.model'), '${MODEL:-gpt-4o}');
    assert.equal(r.references.get('server.auth.api_keys.0'), '${K1}');
    assert.equal(r.references.has('llms.default.provider'), false);
  });

  test('the same document without the environment is an error for parseConfigText', () => {
    assert.throws(() => parseConfigText(YAML, { ...BASE, env: {} }), /OPENAI_API_KEY is not set/);
  });

  test('a real error is still an error, without a placeholder note', () => {
    const bad = YAML.replace('max_steps', 'max_stpes');
    assert.throws(
      () => inspectConfigText(bad, { ...BASE, env: {} }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.issues.some((i) => i.path === 'agents.a.max_stpes') &&
        !e.message.includes('placeholder'),
    );
  });

  test('a field that rejects every placeholder names the variable', () => {
    const bad = YAML.replace('port: "${PORT}"', 'host: "${HOST}:${PORT}"');
    assert.throws(
      () => inspectConfigText(bad, { ...BASE, env: {} }),
      (e: unknown) => e instanceof ConfigError && /no placeholder value fits.*HOST, PORT/.test(e.message),
    );
  });
});

describe('inspectConfigText: security switches and key errors', () => {
  test('an invalid header name is reported alone, without blaming the variable of its value', () => {
    const yaml = `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${OPENAI_API_KEY}"}
tools:
  gh: {type: mcp, url: "https://mcp.example.com/mcp", headers: {"X Token": "\${MCP_TOKEN}"}}
agents:
  a: {llm: default}
`;
    assert.throws(
      () => inspectConfigText(yaml, { ...BASE, env: {} }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.issues.some((i) => i.path === 'tools.gh.headers.X Token') &&
        !e.message.includes('no placeholder value fits') &&
        !e.message.includes('MCP_TOKEN'),
    );
  });

  test('switches from the environment are graded at their unsafe value, set, unset or defaulted', () => {
    const yaml = `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${OPENAI_API_KEY}"}
tools:
  sh: {type: command, allowed_commands: [ls], require_approval: "\${APPROVE}", deny_by_default: "\${DENY:-true}", network: "\${NET}"}
agents:
  a: {llm: default}
server:
  host: "\${BIND:-127.0.0.1}"
  auth: {enabled: "\${AUTH_ON:-true}"}
  rate_limiting: {enabled: "\${RL:-true}", requests_per_minute: 60}
`;
    const r = inspectConfigText(yaml, { ...BASE, env: { APPROVE: 'true', NET: 'false' } });
    const sh = r.config.tools.sh;
    assert.ok(sh?.type === 'command');
    assert.equal(sh.require_approval, false);
    assert.equal(sh.deny_by_default, false);
    assert.equal(sh.network, true);
    assert.equal(r.config.server.host, '0.0.0.0');
    assert.equal(r.config.server.auth?.enabled, false);
    assert.equal(r.config.server.rate_limiting?.enabled, false);
    assert.deepEqual(r.switches.get('tools.sh.require_approval'), { raw: '${APPROVE}', graded: 'false' });
    assert.deepEqual(r.switches.get('server.host'), { raw: '${BIND:-127.0.0.1}', graded: '0.0.0.0' });
    assert.equal(r.switches.has('llms.default.api_key'), false);
  });

  test('auth.enabled with a method in the file keeps its value (false would be refused at start)', () => {
    const yaml = `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${OPENAI_API_KEY}"}
agents:
  a: {llm: default}
server:
  auth: {enabled: "\${AUTH_ON:-true}", jwks_url: "https://auth.example.com/jwks.json"}
`;
    const r = inspectConfigText(yaml, { ...BASE, env: {} });
    assert.equal(r.config.server.auth?.enabled, true);
    assert.deepEqual(r.switches.get('server.auth.enabled'), { raw: '${AUTH_ON:-true}', graded: undefined });
  });
});

describe('guide hints in validation errors', () => {
  const GUIDE = `version: "2"
llms:
  default: {provider: openai, model: gpt-4o, api_key: k-123456}
tools:
  read_file: {type: function, handler: read_file}
agents:
  public_assistant: {llm: default, tools: [search]}
  internal_assistant: {llm: default, tools: [read_fil, write_file], document_stores: [internal_docs]}
document_stores: {internal_docs: {}}
vector_stores: {}
`;
  const issues = (): { path: string; message: string; hint?: string }[] => {
    try {
      parseConfigText(GUIDE, { ...BASE, env: {} });
    } catch (e) {
      if (e instanceof ConfigError) return [...e.issues];
    }
    throw new Error('expected a ConfigError');
  };

  test('the guide\'s "search" tool: what to add under tools:', () => {
    const i = issues().find((x) => x.path === 'agents.public_assistant.tools.0');
    assert.match(i?.message ?? '', /unknown tool "search"/);
    assert.match(i?.hint ?? '', /no built-in "search" tool/);
    assert.match(i?.hint ?? '', /search: \{type: function, handler: grep_search/);
  });

  test('a typo still gets did-you-mean; a built-in handler name gets its declaration', () => {
    const all = issues();
    assert.equal(all.find((x) => x.path === 'agents.internal_assistant.tools.0')?.hint, 'did you mean `read_file`?');
    assert.match(
      all.find((x) => x.path === 'agents.internal_assistant.tools.1')?.hint ?? '',
      /write_file: \{type: function, handler: write_file/,
    );
  });

  test('document_stores is reported as unsupported, at the agent and at the top level', () => {
    const all = issues();
    for (const path of ['agents.internal_assistant.document_stores', 'document_stores', 'vector_stores']) {
      const i = all.find((x) => x.path === path);
      assert.match(i?.message ?? '', /^unsupported key "(document|vector)_stores"/, path);
      assert.match(i?.hint ?? '', /not supported by this Hector/, path);
    }
  });
});
