import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectSecrets, isSecretKey } from './secrets.ts';

test('secret-looking field names', () => {
  for (const k of [
    'api_key',
    'apiKey',
    'api-key',
    'client_secret',
    'secret',
    'password',
    'db_passwd',
    'auth_token',
    'token',
    'private_key',
    'api_keys',
    'credentials',
  ]) {
    assert.ok(isSecretKey(k), k);
  }
  for (const k of ['max_tokens', 'model', 'keyboard', 'monkey', 'tokenizer', 'base_url', 'description']) {
    assert.ok(!isSecretKey(k), k);
  }
});

test('collectSecrets: env values, secret fields (nested, in lists), URL passwords; not names; >= 4 chars; longest first', () => {
  const doc = {
    llms: {
      token: { provider: 'openai', model: 'gpt-x', api_key: 'literal-key' },
      other: { api_key: 'abc' },
    },
    future: { client_secret: 'cs-value', api_keys: ['key-one', 'key-two'], nested: { password: { any: 'deep-pw' } } },
    server: { database: 'postgres://u:p%2Fw0rd@h/db' },
  };
  const secrets = collectSecrets(doc, ['from-env-value', 'ab', 'from-env-value']);
  assert.deepEqual(secrets, [
    'from-env-value',
    'literal-key',
    'cs-value',
    'p%2Fw0rd',
    'deep-pw',
    'key-one',
    'key-two',
    'p/w0rd',
  ]);
  assert.ok(!secrets.includes('openai'), 'an llm named "token" does not make its fields secret');
  assert.ok(Object.isFrozen(secrets));
});

test('a credential header value is secret; a block named like one (tool.authorization) is configuration', () => {
  const secrets = collectSecrets(
    {
      tools: { gh: { headers: { Authorization: 'Bearer literal-token', Cookie: 'sid=abcdef' } } },
      guardrails: { strict: { tool: { authorization: { blocked_tools: ['writer', 'delete_*'] } } } },
    },
    [],
  );
  assert.ok(secrets.includes('Bearer literal-token') && secrets.includes('sid=abcdef'));
  assert.ok(!secrets.includes('writer') && !secrets.includes('delete_*'), 'tool names stay readable in the audit log');
});
