import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../shared/index.ts';
import { startScriptedLlm } from '../testing/index.ts';
import { createChatModel, PROVIDERS } from './index.ts';
import type { ProviderName } from './types.ts';

/** Construction-time validation, and what an adapter sends when no key is configured. */

const KEY = 'sk-test-SECRET-0123456789abcdef';
const live = (): AbortSignal => new AbortController().signal;

describe('configuration', () => {
  const base = { model: 'm', timeoutMs: 1000, maxRetries: 0 };

  for (const provider of ['anthropic', 'gemini', 'openai'] as const) {
    test(`${provider} without api_key is a ConfigError naming api_key`, () => {
      assert.throws(
        () => createChatModel({ provider, ...base }),
        (e) =>
          e instanceof ConfigError &&
          e.issues.length === 1 &&
          e.issues[0]!.path === 'api_key' &&
          e.issues[0]!.message === `api_key is required for provider ${provider}`,
      );
    });
  }

  test('an empty api_key (an unset ${VAR}) is rejected for every provider', () => {
    for (const provider of PROVIDERS) {
      assert.throws(
        () => createChatModel({ provider, ...base, apiKey: '  ' }),
        (e) => e instanceof ConfigError && e.issues.some((i) => i.path === 'api_key' && /empty/.test(i.message)),
      );
    }
  });

  test('ollama needs no key and sends no Authorization header', async (t) => {
    const llm = await startScriptedLlm();
    t.after(() => llm.close());
    const model = createChatModel({ provider: 'ollama', ...base, baseUrl: llm.url });
    llm.enqueue({ text: 'local' });
    assert.equal(
      (await model.generate({ messages: [{ role: 'user', content: 'x' }], tools: [] }, live())).text,
      'local',
    );
    assert.equal(llm.requests[0]!.headers.authorization, undefined);
  });

  test('openai-compatible server without a key: no Authorization header, even with OPENAI_API_KEY in the env', async (t) => {
    const llm = await startScriptedLlm();
    t.after(() => llm.close());
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'ambient-env-secret';
    t.after(() => {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    });
    const model = createChatModel({ provider: 'openai', ...base, baseUrl: llm.openaiBaseUrl });
    llm.enqueue({ text: 'vllm says hi' });
    assert.equal(
      (await model.generate({ messages: [{ role: 'user', content: 'x' }], tools: [] }, live())).text,
      'vllm says hi',
    );
    assert.equal(llm.requests[0]!.headers.authorization, undefined);
  });

  test('every bad option is reported at construction, and the key never appears in the message', () => {
    assert.throws(
      () =>
        createChatModel({
          provider: 'openai',
          model: '',
          apiKey: KEY,
          baseUrl: 'ftp://example.com/v1',
          temperature: 7,
          maxTokens: 0,
          timeoutMs: 0,
          maxRetries: -1,
        }),
      (e) => {
        assert.ok(e instanceof ConfigError);
        assert.deepEqual(e.issues.map((i) => i.path).sort(), [
          'base_url',
          'max_retries',
          'max_tokens',
          'model',
          'temperature',
          'timeout',
        ]);
        assert.ok(!e.message.includes(KEY));
        return true;
      },
    );
  });

  test('unknown provider is a ConfigError listing the known ones', () => {
    assert.throws(
      () => createChatModel({ provider: 'openia' as ProviderName, ...base, apiKey: 'k' }),
      (e) =>
        e instanceof ConfigError &&
        /unknown provider "openia"/.test(e.message) &&
        /openai, anthropic, gemini, ollama/.test(e.message),
    );
  });

  test('base_url with credentials, a query or a fragment is refused (a key must not hide in a URL)', () => {
    for (const baseUrl of [
      'https://user:pw@example.com/v1',
      'https://example.com/v1?key=abc',
      'https://example.com/v1#x',
      'not a url',
    ]) {
      assert.throws(
        () => createChatModel({ provider: 'openai', ...base, apiKey: 'k', baseUrl }),
        (e) => e instanceof ConfigError && e.issues[0]!.path === 'base_url' && !e.message.includes('pw@'),
        baseUrl,
      );
    }
  });
});
