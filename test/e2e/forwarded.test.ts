/**
 * X-Forwarded-Proto is believed for agent-card URLs only from server.trusted_proxies peers; X-Forwarded-Host
 * never (src/http/base-url.ts). The attacker here talks to the real CLI directly from 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basicConfig, type Server, startServer } from './support.ts';

const LLM = 'http://127.0.0.1:9/v1'; // never called
const cardUrl = async (server: Server, headers: Record<string, string>, path = '/agents/assistant') =>
  ((await (await fetch(`${server.url}${path}`, { headers })).json()) as { url: string }).url;

describe('forwarded headers and agent-card URLs (real CLI)', () => {
  let untrusting: Server;
  let trusting: Server;
  before(async () => {
    untrusting = await startServer({ config: basicConfig(LLM), env: { TEST_LLM_KEY: 'k' } });
    trusting = await startServer({
      config: basicConfig(LLM, 'server:\n  trusted_proxies: [127.0.0.1/32]\n'),
      env: { TEST_LLM_KEY: 'k' },
    });
  });
  after(async () => {
    await untrusting?.stop();
    await trusting?.stop();
  });

  test('from an untrusted peer, X-Forwarded-Proto and X-Forwarded-Host change nothing', async () => {
    const spoof = {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
      forwarded: 'proto=https;host=evil.example',
    };
    for (const path of [
      '/agents/assistant',
      '/agents/assistant/.well-known/agent-card.json',
      '/.well-known/agent-card.json',
    ]) {
      assert.equal(await cardUrl(untrusting, spoof, path), `${untrusting.url}/agents/assistant`, path);
    }
    const list = (await (await fetch(`${untrusting.url}/agents`, { headers: spoof })).json()) as any;
    assert.equal(list.agents[0].url, `${untrusting.url}/agents/assistant`);
  });

  test('from a trusted proxy, its X-Forwarded-Proto sets the scheme; X-Forwarded-Host is still ignored', async () => {
    const host = new URL(trusting.url).host;
    assert.equal(await cardUrl(trusting, { 'x-forwarded-proto': 'https' }), `https://${host}/agents/assistant`);
    assert.equal(
      await cardUrl(trusting, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' }),
      `https://${host}/agents/assistant`,
    );
    assert.equal(await cardUrl(trusting, { 'x-forwarded-proto': 'https, http' }), `http://${host}/agents/assistant`);
    assert.equal(await cardUrl(trusting, { 'x-forwarded-proto': 'gopher' }), `http://${host}/agents/assistant`);
    assert.equal(await cardUrl(trusting, {}), `http://${host}/agents/assistant`);
  });
});
