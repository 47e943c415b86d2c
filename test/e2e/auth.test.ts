/**
 * Authentication, visibility and cross-user isolation through the real CLI, tested as an attacker would.
 * Users are API keys with subjects (alice, bob) and the shared admin secret.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { legacyMessage, type Server, startServer } from './support.ts';

const ALICE = 'alice-key-0123456789abcdef';
const BOB = 'bob-key-0123456789abcdef';
const ADMIN = 'admin-secret-0123456789abcdef';
const LLM_KEY = 'sk-llm-key-0123456789';

function config(llmUrl: string, extraServer = '') {
  return `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${LLM_KEY}", base_url: "${llmUrl}", max_retries: 0}
agents:
  pub: {visibility: public, description: public agent}
  inner: {visibility: internal, description: internal agent}
  hidden: {visibility: private, description: private helper, instruction: You are the private helper.}
  boss: {visibility: public, sub_agents: [hidden]}
server:
  auth:
    api_keys:
      - {key: "\${ALICE_KEY}", subject: alice}
      - {key: "\${BOB_KEY}", subject: bob, roles: [viewer]}
${extraServer}logger: {level: info, format: json}
`;
}

async function call(
  url: string,
  method: string,
  params: unknown,
  token?: string,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; text: string; json: any; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...extraHeaders,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text.startsWith('data:') ? text.split('\n')[0]!.slice(5) : text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

async function get(url: string, token?: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('authentication and visibility', () => {
  let llm: ScriptedLlm;
  let server: Server;
  let base: string;
  const env = { LLM_KEY, ALICE_KEY: ALICE, BOB_KEY: BOB, HECTOR_AUTH_SECRET: ADMIN };

  before(async () => {
    llm = await startScriptedLlm({ whenEmpty: 'echo' });
    server = await startServer({
      config: config(llm.openaiBaseUrl, '  cors: {allowed_origins: [https://app.example.com], max_age: 120}\n'),
      env,
    });
    base = server.url;
  });
  after(async () => {
    await server?.stop();
    await llm?.close();
  });

  test('/health stays open and reports the methods, never a secret', async () => {
    const r = await get(`${base}/health`);
    assert.equal(r.status, 200);
    const health = JSON.parse(r.text);
    assert.equal(health.auth.enabled, true);
    assert.equal(health.auth.methods.secret, true);
    assert.equal(health.auth.methods.api_keys, true);
    assert.equal(health.auth.methods.jwt, null);
    for (const s of [ALICE, BOB, ADMIN]) assert.ok(!r.text.includes(s));
  });

  test('calls without valid credentials are refused with 401, whatever the disguise', async () => {
    const url = `${base}/agents/pub`;
    const attempts: [string, Record<string, string>][] = [
      ['no header', {}],
      [
        'wrong key (last character)',
        { authorization: `Bearer ${ALICE.slice(0, -1)}${ALICE.endsWith('f') ? 'e' : 'f'}` },
      ],
      ['key prefix', { authorization: `Bearer ${ALICE.slice(0, 10)}` }],
      ['Basic scheme', { authorization: `Basic ${Buffer.from(`alice:${ALICE}`).toString('base64')}` }],
      ['Token scheme', { authorization: `Token ${ALICE}` }],
      ['bare key', { authorization: ALICE }],
      ['two keys', { authorization: `Bearer ${ALICE}, Bearer ${BOB}` }],
      ['garbage', { authorization: 'Bearer !!!' }],
      ['empty bearer', { authorization: 'Bearer ' }],
      ['identity header', { 'x-user': 'alice', 'x-hector-user': 'alice' }],
      [
        'alg none JWT',
        {
          authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"alice"}').toString('base64url')}.`,
        },
      ],
    ];
    for (const [what, headers] of attempts) {
      const r = await call(url, 'message/send', legacyMessage('hi'), undefined, headers);
      assert.equal(r.status, 401, what);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="hector"', what);
      assert.equal(r.json.jsonrpc, '2.0', what);
      assert.equal(r.json.error.code, -32040, what);
    }
    for (const q of [
      `api_key=${ALICE}`,
      `token=${ALICE}`,
      `access_token=${ALICE}`,
      `authorization=Bearer%20${ALICE}`,
    ]) {
      const r = await call(`${url}?${q}`, 'message/send', legacyMessage('hi'));
      assert.equal(r.status, 401, `credentials in the query string (${q}) are not accepted`);
    }
    const r = await get(`${base}/agents`, `${ALICE}x`);
    assert.equal(r.status, 401, 'a bad credential on discovery is refused, not downgraded to anonymous');
  });

  test('valid API keys and the shared secret are accepted', async () => {
    for (const token of [ALICE, BOB, ADMIN]) {
      const r = await call(`${base}/agents/pub`, 'message/send', legacyMessage('hello'), token);
      assert.equal(r.status, 200);
      assert.equal(r.json.result.status.state, 'completed');
    }
  });

  test('visibility matrix: anonymous vs authenticated × discovery, cards, default card, send, stream, tasks/get', async () => {
    const notFound = await get(`${base}/agents/no-such-agent`);
    assert.equal(notFound.status, 404);
    const notFoundRpc = await call(`${base}/agents/no-such-agent`, 'message/send', legacyMessage('x'), ALICE);

    // Anonymous: only public agents exist; calling anything needs credentials.
    const anon = JSON.parse((await get(`${base}/agents`)).text);
    assert.deepEqual(anon.agents.map((a: any) => a.name).sort(), ['boss', 'pub']);
    assert.equal(anon.total, 2);
    assert.equal((await get(`${base}/agents/pub`)).status, 200);
    assert.equal((await get(`${base}/agents/pub/.well-known/agent-card.json`)).status, 200);
    assert.equal(JSON.parse((await get(`${base}/.well-known/agent-card.json`)).text).name, 'pub');
    for (const hidden of ['inner', 'hidden']) {
      for (const path of [`/agents/${hidden}`, `/agents/${hidden}/.well-known/agent-card.json`]) {
        const r = await get(`${base}${path}`);
        assert.equal(r.status, 404, path);
        assert.equal(r.text, notFound.text.replace('no-such-agent', hidden), `${path}: same answer as a missing agent`);
      }
    }
    for (const name of ['pub', 'inner', 'hidden', 'no-such-agent']) {
      for (const method of ['message/send', 'message/stream', 'tasks/get']) {
        const params = method === 'tasks/get' ? { id: crypto.randomUUID() } : legacyMessage('x');
        assert.equal((await call(`${base}/agents/${name}`, method, params)).status, 401, `${name} ${method}`);
      }
    }

    // Authenticated: public and internal exist; private never does.
    const authed = JSON.parse((await get(`${base}/agents`, ALICE)).text);
    assert.deepEqual(authed.agents.map((a: any) => a.name).sort(), ['boss', 'inner', 'pub']);
    assert.equal((await get(`${base}/agents/inner`, ALICE)).status, 200);
    const hiddenCard = await get(`${base}/agents/hidden`, ALICE);
    assert.equal(hiddenCard.status, 404);
    assert.equal(hiddenCard.text, notFound.text.replace('no-such-agent', 'hidden'));
    for (const name of ['pub', 'inner']) {
      const sent = await call(`${base}/agents/${name}`, 'message/send', legacyMessage('hi'), ALICE);
      assert.equal(sent.json.result.status.state, 'completed', name);
      const got = await call(`${base}/agents/${name}`, 'tasks/get', { id: sent.json.result.id }, ALICE);
      assert.equal(got.json.result.id, sent.json.result.id, name);
      const streamed = await call(`${base}/agents/${name}`, 'message/stream', legacyMessage('hi'), ALICE);
      assert.equal(streamed.status, 200, name);
      assert.match(streamed.text, /"state":"completed"/, name);
    }
    for (const method of ['message/send', 'message/stream', 'tasks/get']) {
      const params = method === 'tasks/get' ? { id: crypto.randomUUID() } : legacyMessage('x');
      const r = await call(`${base}/agents/hidden`, method, params, ADMIN);
      assert.equal(r.status, 404, `private ${method}, even for the admin`);
      assert.equal(r.text, notFoundRpc.text.replace('no-such-agent', 'hidden'));
    }
  });

  test("a private agent is reachable only as another agent's sub-agent, in the caller's scope", async () => {
    llm.enqueue(
      { toolCalls: [{ id: 'c1', name: 'hidden', args: { message: 'summarise the plan' } }] },
      { text: 'private helper answer' },
      { text: 'boss relays: private helper answer' },
    );
    const r = await call(`${base}/agents/boss`, 'message/send', legacyMessage('ask the helper'), ALICE);
    assert.equal(r.json.result.status.state, 'completed', r.text);
    assert.equal(r.json.result.status.message.parts[0].text, 'boss relays: private helper answer');
    const subRequest = JSON.stringify(llm.requests.at(-2)!.body);
    assert.match(subRequest, /summarise the plan/);
    assert.match(subRequest, /You are the private helper/, 'the sub-agent ran with its own instruction');
    assert.doesNotMatch(subRequest, /ask the helper/, 'the sub-agent does not see the parent conversation');
  });

  test("cross-user matrix: bob cannot read, cancel, resubscribe to or continue alice's task or context", async () => {
    llm.enqueue({ text: 'alice secret answer: 42' });
    const mine = await call(`${base}/agents/pub`, 'message/send', legacyMessage('my secret is 42'), ALICE);
    const taskId: string = mine.json.result.id;
    const contextId: string = mine.json.result.contextId;
    const ghost = crypto.randomUUID();
    const same = async (method: string, params: (id: string) => unknown) => {
      const foreign = await call(`${base}/agents/pub`, method, params(taskId), BOB);
      const missing = await call(`${base}/agents/pub`, method, params(ghost), BOB);
      assert.equal(foreign.status, missing.status, method);
      assert.equal(
        foreign.text.replaceAll(taskId, 'ID'),
        missing.text.replaceAll(ghost, 'ID'),
        `${method}: as if it did not exist`,
      );
      assert.ok(foreign.json.error, `${method} must fail for bob`);
      // Not '42' alone: ids in the body are random hex and may contain it.
      assert.ok(!/secret answer|my secret/.test(foreign.text), `${method} leaked alice's conversation`);
    };
    await same('tasks/get', (id) => ({ id }));
    await same('tasks/cancel', (id) => ({ id }));
    await same('tasks/resubscribe', (id) => ({ id }));
    await same('message/send', (id) => legacyMessage('continue', { taskId: id, contextId }));

    // Bob reusing alice's contextId starts his own conversation: alice's history never reaches the model.
    llm.enqueue({ text: 'bob answer' });
    const bobs = await call(
      `${base}/agents/pub`,
      'message/send',
      legacyMessage('what is my secret?', { contextId }),
      BOB,
    );
    assert.equal(bobs.json.result.status.state, 'completed');
    assert.doesNotMatch(JSON.stringify(llm.requests.at(-1)!.body), /my secret is 42/);

    // Claiming alice's identity in metadata changes nothing.
    const spoof = await call(
      `${base}/agents/pub`,
      'tasks/get',
      { id: taskId, metadata: { user: 'alice', sub: 'alice', tenant: 'default' } },
      BOB,
    );
    assert.ok(spoof.json.error);

    // Alice still sees her task.
    const hers = await call(`${base}/agents/pub`, 'tasks/get', { id: taskId }, ALICE);
    assert.equal(hers.json.result.id, taskId);
  });

  test('CORS: allowed origin, disallowed origin, preflights', async () => {
    const ok = await get(`${base}/agents`, undefined, { origin: 'https://app.example.com' });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(ok.headers.get('vary') ?? '', /Origin/);
    const evil = await get(`${base}/agents`, undefined, { origin: 'https://evil.example.com' });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const suffix = await get(`${base}/agents`, undefined, { origin: 'https://app.example.com.evil.com' });
    assert.equal(suffix.headers.get('access-control-allow-origin'), null);

    const preflight = (origin: string, method = 'POST', headers = 'authorization, content-type') =>
      fetch(`${base}/agents/pub`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
      });
    const good = await preflight('https://app.example.com');
    assert.equal(good.status, 204);
    assert.equal(good.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(good.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(good.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.equal(good.headers.get('access-control-max-age'), '120');
    assert.equal(good.headers.get('access-control-allow-credentials'), null);
    const bad = await preflight('https://evil.example.com');
    assert.equal(bad.status, 403);
    assert.equal(bad.headers.get('access-control-allow-origin'), null);
    assert.equal((await preflight('https://app.example.com', 'DELETE')).status, 403);
    assert.equal((await preflight('https://app.example.com', 'POST', 'x-evil')).status, 403);
  });

  test('every authentication attempt is audited, without the credential', () => {
    const events = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((e) => e.component === 'auth' && e.action === 'authenticate');
    const seen = new Set(events.map((e) => `${e.success}:${e.success ? `${e.user}/${e.method}` : e.reason}`));
    for (const want of [
      'true:alice/api_key',
      'true:admin/secret',
      'false:missing_credentials',
      'false:invalid_credentials',
      'false:malformed_header',
    ]) {
      assert.ok(seen.has(want), `no ${want} audit event among ${[...seen].join(', ')}`);
    }
    for (const s of [ALICE, BOB, ADMIN, LLM_KEY])
      assert.ok(!server.output().includes(s), 'a credential leaked into the logs');
  });
});

describe('auth configuration at startup', () => {
  test('internal agents are unreachable without auth, and startup says so', async () => {
    const llm = await startScriptedLlm({ whenEmpty: 'echo' });
    const server = await startServer({
      config: `version: "2"
llms:
  default: {provider: openai, model: m, base_url: "${llm.openaiBaseUrl}", max_retries: 0}
agents:
  pub: {}
  inner: {visibility: internal}
server:
  cors: {allowed_origins: ["*"]}
`,
    });
    try {
      assert.match(server.output(), /inner .*\[internal: UNREACHABLE while auth is off\]/);
      await server.waitForOutput(/internal agents \(inner\) are not reachable: authentication is off/);
      assert.match(server.output(), /auth: OFF/);
      const list = JSON.parse((await get(`${server.url}/agents`)).text);
      assert.deepEqual(
        list.agents.map((a: any) => a.name),
        ['pub'],
      );
      assert.equal((await get(`${server.url}/agents/inner`)).status, 404);
      assert.equal((await call(`${server.url}/agents/inner`, 'message/send', legacyMessage('x'))).status, 404);
      assert.equal((await call(`${server.url}/agents/pub`, 'message/send', legacyMessage('x'))).status, 200);
      const wildcard = await get(`${server.url}/agents`, undefined, { origin: 'https://anything.example' });
      assert.equal(wildcard.headers.get('access-control-allow-origin'), '*');
      assert.equal(wildcard.headers.get('access-control-allow-credentials'), null);
    } finally {
      await server.stop();
      await llm.close();
    }
  });

  test('half-configured auth refuses to start', async () => {
    const { runCli, tempDir } = await import('./support.ts');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = tempDir();
    const file = join(dir, 'c.yaml');
    writeFileSync(
      file,
      `version: "2"
llms: {default: {provider: ollama, model: m}}
agents: {a: {}}
server: {auth: {enabled: true}}
`,
    );
    const r = await runCli(['serve', '--config', file, '--port', '0'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /server\.auth\.enabled: authentication is enabled but nothing is configured/);
    const r2 = await runCli(['serve', '--config', file, '--port', '0', '--auth-secret', 'short'], { cwd: dir });
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /at least 16/);
    assert.doesNotMatch(r2.stderr, /short\b.*short/);
    const r3 = await runCli(['serve', '--config', file, '--port', '0', '--auth-issuer', 'https://x.example/'], {
      cwd: dir,
      env: { HECTOR_AUTH_SECRET: ADMIN },
    });
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /no JWKS URL/);
  });
});
