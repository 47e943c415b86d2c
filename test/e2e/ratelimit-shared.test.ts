/**
 * Two real server processes sharing one store enforce one limit together: PostgreSQL (store: sql over the
 * shared server.database) and Redis (store: redis). Requests alternate between the servers and run concurrently.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { postgresSkipReason, startPostgres } from '../support/postgres.ts';
import { redisSkipReason, startRedis, type TestRedis } from '../support/redis.ts';
import { legacyMessage, type Server, startServer } from './support.ts';

const KEY = 'alice-key-0123456789abcdef';
const env = { LLM_KEY: 'sk-test-0123456789', ALICE_KEY: KEY };

function config(llmUrl: string, store: string) {
  return `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${LLM_KEY}", base_url: "${llmUrl}", max_retries: 0}
agents:
  assistant: {description: test}
server:
  auth:
    api_keys: [{key: "\${ALICE_KEY}", subject: alice}]
  rate_limiting:
    limits:
      - {type: count, window: hour, limit: 7}
      - {type: count, window: minute, limit: 1000, burst: 500}
      - {type: token, window: day, limit: 1000000}
${store}logger: {level: info, format: json}
`;
}

async function send(url: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: legacyMessage('hi') }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** 30 concurrent requests, alternating between the two servers, against an hourly limit of 7. */
async function oneLimitForBoth(a: Server, b: Server): Promise<void> {
  const statuses = await Promise.all(
    Array.from({ length: 30 }, (_, i) => send(`${(i % 2 ? a : b).url}/agents/assistant`)),
  );
  assert.equal(statuses.filter((s) => s === 200).length, 7, `statuses: ${statuses.join(' ')}`);
  assert.equal(statuses.filter((s) => s === 429).length, 23);
  const usage = (await (await fetch(`${a.url}/api/usage`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as {
    limits: { type: string; window: string; used: number }[];
  };
  assert.equal(usage.limits.find((l) => l.window === 'hour')?.used, 7, 'the other server sees the same counter');
  assert.equal(usage.limits.find((l) => l.type === 'token')?.used, 7 * 15, 'tokens settled on both, counted once');
}

describe('two servers on one PostgreSQL database (store: sql)', { skip: postgresSkipReason() ?? false }, () => {
  let llm: ScriptedLlm;
  let pg: Awaited<ReturnType<typeof startPostgres>>;
  const servers: Server[] = [];

  before(async () => {
    llm = await startScriptedLlm({ whenEmpty: 'echo' });
    pg = await startPostgres();
    const database = await pg.createDatabase();
    for (let i = 0; i < 2; i++) {
      servers.push(
        await startServer({
          config: config(llm.openaiBaseUrl, '    store: sql\n'),
          database,
          env,
        }),
      );
    }
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await pg?.stop();
    await llm?.close();
  });

  test('enforce one limit together', async () => {
    assert.match(servers[0]!.output(), /rate limits: 3 rule\(s\), store sql \(postgres/);
    await oneLimitForBoth(servers[0]!, servers[1]!);
  });
});

describe('two servers on one Redis (store: redis)', { skip: redisSkipReason() ?? false }, () => {
  let llm: ScriptedLlm;
  let redis: TestRedis;
  const servers: Server[] = [];
  const password = 'redis-pass-0123456789';

  before(async () => {
    llm = await startScriptedLlm({ whenEmpty: 'echo' });
    redis = await startRedis({ password });
    for (const onError of ['deny', 'allow']) {
      servers.push(
        await startServer({
          config: config(
            llm.openaiBaseUrl,
            `    store: redis\n    redis_url: \${REDIS_URL}\n    on_store_error: ${onError}\n`,
          ),
          env: { ...env, REDIS_URL: redis.url },
        }),
      );
    }
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await redis?.stop();
    await llm?.close();
  });

  test('enforce one limit together; the password never shows', async () => {
    assert.match(servers[0]!.output(), /rate limits: 3 rule\(s\), store redis 127\.0\.0\.1:\d+\/0/);
    await oneLimitForBoth(servers[0]!, servers[1]!);
    for (const s of servers) assert.ok(!s.output().includes(password));
  });

  test('when Redis dies: on_store_error deny refuses with 503, allow lets requests through; both log it', async () => {
    redis.kill();
    await new Promise((r) => setTimeout(r, 300));
    const [deny, allow] = servers as [Server, Server];
    const denied = await fetch(`${deny.url}/agents/assistant`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'message/send', params: legacyMessage('hi') }),
    });
    assert.equal(denied.status, 503);
    const body = (await denied.json()) as { error: { code: number; message: string } };
    assert.equal(body.error.code, -32063);
    assert.match(body.error.message, /rate limits cannot be checked right now/);
    assert.ok(!JSON.stringify(body).includes('127.0.0.1'), 'no store internals in the answer');
    assert.equal(await send(`${allow.url}/agents/assistant`), 200);
    await deny.waitForOutput(/rate limit store failed; requests are refused with 503/);
    await allow.waitForOutput(/rate limit store failed; requests are let through uncounted/);
    for (const s of servers) assert.ok(!s.output().includes(password));
  });
});

describe('a Redis that cannot be reached stops the start', { skip: redisSkipReason() ?? false }, () => {
  test('exit 1, the host and port named, never the password', async () => {
    const { runCli, tempDir } = await import('./support.ts');
    const { writeFileSync } = await import('node:fs');
    const gone = await startRedis();
    await gone.stop();
    const dir = tempDir();
    writeFileSync(
      `${dir}/hector.yaml`,
      config('http://127.0.0.1:9/v1', '    store: redis\n    redis_url: ${REDIS_URL}\n'),
    );
    const run = await runCli(['serve', '--config', `${dir}/hector.yaml`, '--port', '0'], {
      env: { ...env, REDIS_URL: `redis://:topsecret-pw@127.0.0.1:${gone.port}/0` },
      cwd: dir,
    });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`cannot connect to redis 127\\.0\\.0\\.1:${gone.port}/0`));
    assert.ok(!`${run.stdout}${run.stderr}`.includes('topsecret'));
    assert.doesNotMatch(run.stdout, /listening on/);
  });
});
