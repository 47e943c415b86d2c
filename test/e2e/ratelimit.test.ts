/**
 * Rate limits and token quotas through the real CLI, tested as an attacker would: exact counts under
 * concurrency, keys that headers cannot move, spoofed X-Forwarded-For, quotas that end open streams, and
 * configuration mistakes that stop the start.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { legacyMessage, runCli, type Server, startServer, tempDir } from './support.ts';

const ALICE = 'alice-key-0123456789abcdef';
const BOB = 'bob-key-0123456789abcdef';
const LLM_KEY = 'sk-llm-key-0123456789';
const env = { LLM_KEY, ALICE_KEY: ALICE, BOB_KEY: BOB };

function config(llmUrl: string, opts: { server?: string; agents?: string; auth?: boolean; llm?: string } = {}) {
  const auth =
    opts.auth === false
      ? ''
      : `  auth:
    api_keys:
      - {key: "\${ALICE_KEY}", subject: alice}
      - {key: "\${BOB_KEY}", subject: bob}
`;
  return `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${LLM_KEY}", base_url: "${llmUrl}", max_retries: 0${opts.llm ?? ''}}
agents:
${opts.agents ?? '  assistant: {description: test}\n'}server:
${auth}${opts.server ?? ''}logger: {level: info, format: json}
`;
}

interface Reply {
  status: number;
  json: any;
  headers: Headers;
  text: string;
}

async function send(
  url: string,
  token?: string,
  headers: Record<string, string> = {},
  method = 'message/send',
  params: unknown = legacyMessage('hello'),
): Promise<Reply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, headers: res.headers, text };
}

function auditLines(server: Server): Record<string, any>[] {
  return server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>)
    .filter((e) => e.component === 'ratelimit' && e.action === 'deny');
}

describe('request limits from the environment (the guide form), per user', () => {
  let llm: ScriptedLlm;
  let server: Server;
  let agent: string;

  before(async () => {
    llm = await startScriptedLlm({ whenEmpty: 'echo' });
    server = await startServer({
      config: config(llm.openaiBaseUrl, {
        server: '  rate_limiting:\n    limits: [{type: count, window: minute, limit: 1000}]\n',
      }),
      env: {
        ...env,
        HECTOR_RATE_LIMIT_ENABLED: 'true',
        HECTOR_RATE_LIMIT_LIMITS:
          '[{"type": "count", "window": "minute", "limit": 3}, {"type": "token", "window": "day", "limit": 100000}]',
      },
    });
    agent = `${server.url}/agents/assistant`;
  });
  after(async () => {
    await server?.stop();
    await llm?.close();
  });

  test('the environment overrides the file and says so at startup', async () => {
    await server.waitForOutput(/HECTOR_RATE_LIMIT_LIMITS overrides server\.rate_limiting/);
    assert.match(server.output(), /rate limits: 2 rule\(s\), store memory/);
  });

  test('N concurrent requests against a limit of 3 admit exactly 3; the rest get a 429 that says why', async () => {
    const replies = await Promise.all(Array.from({ length: 12 }, () => send(agent, ALICE)));
    const ok = replies.filter((r) => r.status === 200);
    const denied = replies.filter((r) => r.status === 429);
    assert.equal(ok.length, 3);
    assert.equal(denied.length, 9);
    for (const r of ok) {
      assert.equal(r.json.result.status.state, 'completed');
      assert.equal(r.headers.get('ratelimit-limit'), '3');
      assert.match(r.headers.get('ratelimit-policy') ?? '', /^3;w=60, 100000;w=86400$/);
    }
    const d = denied[0]!;
    assert.equal(d.json.jsonrpc, '2.0');
    assert.equal(d.json.id, 7);
    assert.equal(d.json.error.code, -32029);
    assert.match(d.json.error.message, /rate limit exceeded \(3 per minute, per user\); retry after \d+ s/);
    assert.equal(d.json.limit, 3);
    assert.equal(d.json.window, 'minute');
    const retry = Number(d.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    assert.equal(d.json.retry_after, retry);
    assert.equal(d.json.error.data.retry_after, retry);
    assert.equal(d.headers.get('ratelimit-remaining'), '0');
    assert.equal(d.headers.get('ratelimit-limit'), '3');
    assert.ok(!d.text.includes(ALICE));
  });

  test('rotating headers, forwarded addresses and the streaming method do not reset a user', async () => {
    const disguises: Record<string, string>[] = [
      { 'x-forwarded-for': '203.0.113.9' },
      { 'x-real-ip': '203.0.113.10', forwarded: 'for=203.0.113.11' },
      { 'user-agent': 'another-client/1.0', 'x-request-id': 'mine' },
      { 'x-user': 'bob', 'x-hector-user': 'bob', 'x-tenant-id': 'other' },
    ];
    for (const headers of disguises) {
      assert.equal((await send(agent, ALICE, headers)).status, 429, JSON.stringify(headers));
    }
    const stream = await send(agent, ALICE, {}, 'message/stream');
    assert.equal(stream.status, 429, 'the streaming method counts too, and is refused before the stream opens');
    assert.equal(stream.json.error.code, -32029);
    const core = await send(agent, ALICE, { 'a2a-version': '1.0' }, 'SendMessage', {
      message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hi' }] },
    });
    assert.equal(core.status, 429, 'the 1.0 method names count too');
  });

  test('another user has a budget of their own; discovery, health, reads and usage are not counted', async () => {
    const own = await send(agent, BOB);
    assert.equal(own.status, 200);
    const taskId = own.json.result.id as string;
    for (let i = 0; i < 5; i++) {
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
      assert.equal((await fetch(`${server.url}/agents`, { headers: { authorization: `Bearer ${BOB}` } })).status, 200);
      const get = await send(agent, BOB, {}, 'tasks/get', { id: taskId });
      assert.equal(get.status, 200);
      assert.equal(get.json.result.id, taskId);
    }
    const usage = await fetch(`${server.url}/api/usage`, { headers: { authorization: `Bearer ${BOB}` } });
    assert.equal(usage.status, 200);
    const body = (await usage.json()) as any;
    assert.equal(body.enabled, true);
    assert.equal(body.user, 'bob');
    const count = body.limits.find((l: any) => l.type === 'count');
    assert.deepEqual([count.limit, count.used, count.remaining, count.window], [3, 1, 2, 'minute']);
    const tokens = body.limits.find((l: any) => l.type === 'token');
    assert.equal(tokens.used, 15, "bob's one request used the scripted model's 10 + 5 tokens");
    assert.ok(tokens.reset_after > 0 && tokens.reset_after <= 86_400);
    assert.equal((await fetch(`${server.url}/api/usage`)).status, 401, 'usage needs credentials');
  });

  test('every denial is an audit event with the rule, the user and the address, never the credential', async () => {
    await server.waitForOutput(/"component":"ratelimit","action":"deny"/);
    const events = auditLines(server);
    assert.ok(events.length >= 9 + 6, `${events.length} denial events`);
    const e = events[0]!;
    assert.equal(e.user, 'alice');
    assert.equal(e.tenant, 'default');
    assert.equal(e.success, false);
    assert.equal(e.limit_type, 'count');
    assert.equal(e.window, 'minute');
    assert.equal(e.limit, 3);
    assert.equal(e.client_address, '127.0.0.1');
    assert.equal(e.agent, 'assistant');
    assert.ok(typeof e.request_id === 'string' && e.request_id.length > 0);
    assert.ok(!server.output().includes(ALICE));
  });
});

describe('anonymous callers are keyed by address; X-Forwarded-For only from trusted proxies', () => {
  let llm: ScriptedLlm;
  let direct: Server;
  let proxied: Server;

  before(async () => {
    llm = await startScriptedLlm({ whenEmpty: 'echo' });
    const limits = '  rate_limiting: {enabled: true, requests_per_minute: 2}\n';
    direct = await startServer({ config: config(llm.openaiBaseUrl, { auth: false, server: limits }), env });
    proxied = await startServer({
      config: config(llm.openaiBaseUrl, {
        auth: false,
        server: `${limits}  trusted_proxies: [127.0.0.1, "::1"]\n`,
      }),
      env,
    });
  });
  after(async () => {
    await direct?.stop();
    await proxied?.stop();
    await llm?.close();
  });

  test('without trusted proxies a spoofed X-Forwarded-For is ignored: every spoof shares the peer budget', async () => {
    const agent = `${direct.url}/agents/assistant`;
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await send(agent, undefined, { 'x-forwarded-for': `198.51.100.${i}` })).status);
    }
    assert.deepEqual(statuses, [200, 200, 429, 429, 429, 429]);
    const events = auditLines(direct);
    assert.ok(events.every((e) => e.client_address === '127.0.0.1' && e.user === 'ip:127.0.0.1'));
  });

  test('behind a trusted proxy the client is the right-most untrusted hop; garbage and prepended hops do not help', async () => {
    const agent = `${proxied.url}/agents/assistant`;
    const as = (xff: string) => send(agent, undefined, { 'x-forwarded-for': xff });
    assert.equal((await as('203.0.113.7')).status, 200);
    assert.equal((await as('203.0.113.7')).status, 200);
    assert.equal((await as('203.0.113.7')).status, 429, 'the client behind the proxy is counted');
    assert.equal((await as('10.9.9.9, 203.0.113.7')).status, 429, 'a hop the client prepended is not believed');
    assert.equal((await as('not-an-ip, 203.0.113.7')).status, 429, 'garbage on the left changes nothing');
    assert.equal((await as('203.0.113.8')).status, 200, 'another client behind the proxy has its own budget');
    assert.equal((await as('203.0.113.8:51234')).status, 200, 'a port after the address is the same client');
    assert.equal((await as('[2001:db8:9::1]:443')).status, 200, 'so is a bracketed IPv6 address with a port');
    assert.equal((await as('203.0.113.8:40000')).status, 429);
    // IPv6 clients are counted by /64: rotating the interface id does not reset them.
    assert.equal((await as('2001:db8:1:2::1')).status, 200);
    assert.equal((await as('2001:db8:1:2::ffff')).status, 200);
    assert.equal((await as('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).status, 429);
    assert.equal((await as('2001:db8:1:3::1')).status, 200, 'another /64 is another client');
    await proxied.waitForOutput(/"client_address":"2001:db8:1:2::\/64"/);
  });
});

describe('token quotas: reserved before each LLM call, settled to real usage; open streams end failed', () => {
  let llm: ScriptedLlm;
  let server: Server;
  let agent: string;

  before(async () => {
    llm = await startScriptedLlm({ whenEmpty: 'echo' });
    server = await startServer({
      config: config(llm.openaiBaseUrl, {
        llm: ', max_tokens: 200',
        server: '  rate_limiting:\n    limits: [{type: token, window: day, limit: 900, scope: user}]\n',
        agents: '  assistant: {description: test}\n  tooler:\n    description: test\n    tools: [ls]\n',
      }).replace('server:\n', 'tools:\n  ls: {type: function, handler: list_directory}\nserver:\n'),
      env,
    });
    agent = `${server.url}/agents/assistant`;
  });
  after(async () => {
    await server?.stop();
    await llm?.close();
  });

  test('a call is capped to what is left, usage is settled, and an exhausted quota is a 429 before any work', async () => {
    llm.enqueue({ text: 'one', usage: { inputTokens: 300, outputTokens: 100 } });
    const first = await send(agent, ALICE);
    assert.equal(first.json.result.status.state, 'completed');
    const firstBody = llm.requests.at(-1)!.body as Record<string, unknown>;
    assert.equal(firstBody.max_tokens ?? firstBody.max_completion_tokens, 200, 'the full output cap fits');

    llm.enqueue({ text: 'two', usage: { inputTokens: 300, outputTokens: 100 } });
    const second = await send(agent, ALICE);
    assert.equal(second.json.result.status.state, 'completed', JSON.stringify(second.json.result.status));
    const usage = (await (
      await fetch(`${server.url}/api/usage`, { headers: { authorization: `Bearer ${ALICE}` } })
    ).json()) as any;
    assert.equal(usage.limits[0].used, 800, 'settled to the reported 400 + 400');

    // 100 left: enough for a small prompt and a capped answer.
    llm.enqueue({ text: 'three', usage: { inputTokens: 60, outputTokens: 40 } });
    const third = await send(agent, ALICE);
    assert.equal(third.json.result.status.state, 'completed');
    const thirdBody = llm.requests.at(-1)!.body as Record<string, unknown>;
    const cap = Number(thirdBody.max_tokens ?? thirdBody.max_completion_tokens);
    assert.ok(cap >= 16 && cap < 100, `the output was capped to what was left (${cap})`);

    const before = llm.requests.length;
    const spent = await send(agent, ALICE);
    assert.equal(spent.status, 429);
    assert.match(spent.json.error.message, /LLM token quota exceeded \(900 per day, per user\)/);
    assert.equal(spent.json.error.data.type, 'token');
    assert.equal(llm.requests.length, before, 'no LLM call was made');
    assert.equal((await send(agent, BOB)).status, 200, 'bob has his own quota');
  });

  test('a stream whose next LLM call does not fit ends with a failed status naming the quota', async () => {
    // Bob has 900 - 15 left. Step one (a tool call) uses 850 of it; step two cannot reserve its prompt.
    llm.enqueue(
      { toolCalls: [{ name: 'ls', args: { path: '.' } }], usage: { inputTokens: 800, outputTokens: 50 } },
      { text: 'never sent' },
    );
    const res = await fetch(`${server.url}/agents/tooler`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${BOB}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/stream', params: legacyMessage('what time?') }),
    });
    assert.equal(res.status, 200);
    const text = await res.text();
    const events = text
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)) as any);
    const last = events.at(-1)!.result;
    assert.equal(last.kind, 'status-update');
    assert.equal(last.status.state, 'failed');
    assert.equal(last.final, true);
    assert.match(last.status.message.parts[0].text, /LLM token quota exceeded/);
    assert.equal(llm.pending(), 1, 'the second step never reached the model');
    await server.waitForOutput(/"stage":"tokens"/);
  });
});

describe('burst, per-agent limits and configuration errors', () => {
  let llm: ScriptedLlm;
  let server: Server;

  before(async () => {
    llm = await startScriptedLlm({ whenEmpty: 'echo' });
    server = await startServer({
      config: config(llm.openaiBaseUrl, {
        server: '  rate_limiting: {requests_per_minute: 60, burst: 3, per_user: true}\n',
        agents:
          '  assistant: {description: test}\n  expensive:\n    description: big model\n    rate_limits: [{type: count, window: hour, limit: 1}]\n',
      }),
      env,
    });
  });
  after(async () => {
    await server?.stop();
    await llm?.close();
  });

  test('burst: 3 at once pass, the next waits about a second', async () => {
    const replies = await Promise.all(Array.from({ length: 6 }, () => send(`${server.url}/agents/assistant`, ALICE)));
    assert.equal(replies.filter((r) => r.status === 200).length, 3);
    const denied = replies.find((r) => r.status === 429)!;
    assert.equal(denied.headers.get('retry-after'), '1');
    assert.match(denied.json.error.message, /60 per minute, burst 3, per user/);
  });

  test("an expensive agent's own limit applies to it alone", async () => {
    assert.equal((await send(`${server.url}/agents/expensive`, BOB)).status, 200);
    const again = await send(`${server.url}/agents/expensive`, BOB);
    assert.equal(again.status, 429);
    assert.match(again.json.error.message, /for agent "expensive" \(1 per hour, per user\)/);
    assert.equal((await send(`${server.url}/agents/assistant`, BOB)).status, 200);
  });

  test('bad settings stop the start with the variable or key named, and nothing listens', async () => {
    const dir = tempDir();
    const file = `${dir}/hector.yaml`;
    const { writeFileSync } = await import('node:fs');
    const cases: [string, Record<string, string>, RegExp][] = [
      ['', { HECTOR_RATE_LIMIT_LIMITS: '[{"type": "count"' }, /HECTOR_RATE_LIMIT_LIMITS: is not valid JSON/],
      [
        '',
        { HECTOR_RATE_LIMIT_LIMITS: '[{"type": "count", "window": "fortnight", "limit": 5}]' },
        /HECTOR_RATE_LIMIT_LIMITS\[0\]\.window/,
      ],
      [
        '',
        { HECTOR_RATE_LIMIT_LIMITS: '[{"type": "requests", "window": "minute", "limit": 5}]' },
        /HECTOR_RATE_LIMIT_LIMITS\[0\]\.type/,
      ],
      ['', { HECTOR_RATE_LIMIT_LIMITS: '{"type": "count"}' }, /expected a JSON list/],
      ['', { HECTOR_RATE_LIMIT_ENABLED: 'yes' }, /HECTOR_RATE_LIMIT_ENABLED: must be true or false/],
      ['', { HECTOR_RATE_LIMIT_ENABLED: 'true' }, /rate limiting is enabled but no limit is set/],
      ['  rate_limiting: {requests_per_minute: 5, store: redis}\n', {}, /server\.rate_limiting\.redis_url/],
      ['  rate_limiting: {burst: 5}\n', {}, /burst is set but requests_per_minute is not/],
      [
        '  rate_limiting: {limits: [{type: token, window: minute, limit: 5, burst: 2}]}\n',
        {},
        /burst applies to count limits only/,
      ],
      ['  rate_limiting: {requests_per_minute: 5, on_store_error: ignore}\n', {}, /on_store_error/],
      ['  trusted_proxies: [10.0.0.1/8]\n', {}, /trusted_proxies\.0: must be an IP address or CIDR/],
      ['  rate_limiting: {requests_per_minute: 5, store: memory, stroe: redis}\n', {}, /unknown key "stroe"/],
    ];
    for (const [server, extraEnv, pattern] of cases) {
      writeFileSync(file, config('http://127.0.0.1:9/v1', { server }));
      const run = await runCli(['serve', '--config', file, '--port', '0'], { env: { ...env, ...extraEnv }, cwd: dir });
      assert.equal(run.code, 2, `${pattern}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, pattern);
      assert.doesNotMatch(run.stdout, /listening on/);
    }
    writeFileSync(file, config('http://127.0.0.1:9/v1'));
    const flag = await runCli(
      [
        'serve',
        '--config',
        file,
        '--port',
        '0',
        '--rate-limit-store',
        'etcd',
        '--rate-limit-limits',
        '[{"type":"count","window":"minute","limit":5}]',
      ],
      { env, cwd: dir },
    );
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--rate-limit-store: unknown store "etcd"/);
  });
});
