/**
 * Multi-tenancy through the real CLI with a real admin secret: apps created over the Admin API serve their own
 * agents to their own tokens, and never meet each other or the file's default app. Tested as an attacker would.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { legacyMessage, readSse, requestJson, type Server, startServer, tempDir } from './support.ts';

const ADMIN = 'admin-secret-0123456789abcdef';
const USER_KEY = 'file-user-key-0123456789abcdef';
const APP_LLM_KEY = 'sk-app-secret-key-0123456789';
/** The scripted LLM listens on loopback: apps reach it only because the admin grants the range. */
const LOOPBACK = ['127.0.0.0/8'];

function fileConfig(llmUrl: string) {
  return `version: "2"
llms:
  default: {provider: openai, model: m, api_key: "\${LLM_KEY}", base_url: "${llmUrl}", max_retries: 0}
agents:
  assistant: {description: the file's agent}
server:
  auth:
    api_keys: [{key: "\${USER_KEY}", subject: fileuser}]
logger: {level: info, format: json}
`;
}

function appConfig(llmUrl: string, who: string) {
  return JSON.stringify({
    llms: { default: { provider: 'openai', model: 'm', api_key: APP_LLM_KEY, base_url: llmUrl, max_retries: 0 } },
    agents: { support: { description: `support of ${who}`, instruction: `You are the support agent of ${who}.` } },
  });
}

const json = requestJson;

const rpc = (url: string, token: string, method: string, params: unknown) =>
  json(url, { method: 'POST', token, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });

function suite(label: string, skip: string | false, database: () => Promise<string | undefined>) {
  describe(`apps over the Admin API, isolated from each other and from the default app (${label})`, { skip }, () => {
    let llm: ScriptedLlm;
    let server: Server;
    const dir = tempDir();
    const env = { LLM_KEY: 'sk-file-0123456789', USER_KEY, HECTOR_AUTH_SECRET: ADMIN };
    let a: { id: string; token: string };
    let b: { id: string; token: string };
    let db: string | undefined;

    before(async () => {
      llm = await startScriptedLlm({ whenEmpty: 'echo' });
      db = await database();
      server = await startServer({ config: fileConfig(llm.openaiBaseUrl), env, dir, ...(db ? { database: db } : {}) });
    });
    after(async () => {
      await server?.stop();
      await llm?.close();
    });

    test('create two apps; the answers hold a token and never the app secret', async () => {
      for (const [name, set] of [
        ['alpha', (v: typeof a) => (a = v)],
        ['beta', (v: typeof b) => (b = v)],
      ] as const) {
        const r = await json(`${server.url}/admin/apps`, {
          method: 'POST',
          token: ADMIN,
          body: JSON.stringify({ name, config_json: appConfig(llm.openaiBaseUrl, name), allowed_ranges: LOOPBACK }),
        });
        assert.equal(r.status, 201, r.text);
        assert.equal(r.body.token_type, 'bearer');
        assert.ok(!r.text.includes(APP_LLM_KEY));
        set({ id: r.body.app.id, token: r.body.access_token });
      }
      await server.waitForOutput(/Admin API on \/admin\/apps; .*derived from the admin secret/);
      assert.ok(!server.output().includes(APP_LLM_KEY), 'the app key never reaches the log');
    });

    test('discovery and calls are per app: two agents named support never meet', async () => {
      const listA = await json(`${server.url}/agents`, { token: a.token });
      assert.deepEqual(
        listA.body.agents.map((c: { name: string; description: string }) => c.description),
        ['support of alpha'],
      );
      const listFile = await json(`${server.url}/agents`, { token: USER_KEY });
      assert.deepEqual(
        listFile.body.agents.map((c: { description: string }) => c.description),
        ["the file's agent"],
      );
      const sentA = await rpc(
        `${server.url}/agents/support`,
        a.token,
        'message/send',
        legacyMessage('alpha secret plan'),
      );
      assert.equal(sentA.body.result.status.state, 'completed', sentA.text);
      const lastA = JSON.stringify(llm.requests.at(-1)!.messages);
      assert.match(lastA, /support agent of alpha/);
      const taskA = sentA.body.result.id as string;
      const contextA = sentA.body.result.contextId as string;

      // B cannot read A's task or continue A's context; the file's user cannot either.
      for (const [token, agent] of [
        [b.token, 'support'],
        [USER_KEY, 'assistant'],
      ] as const) {
        const get = await rpc(`${server.url}/agents/${agent}`, token, 'tasks/get', { id: taskA });
        assert.equal(get.body.error?.code, -32001, `tasks/get ${get.text}`);
      }
      const sentB = await rpc(
        `${server.url}/agents/support`,
        b.token,
        'message/send',
        legacyMessage('hello', { contextId: contextA }),
      );
      assert.equal(sentB.body.result.status.state, 'completed');
      const lastB = JSON.stringify(llm.requests.at(-1)!.messages);
      assert.match(lastB, /support agent of beta/);
      assert.doesNotMatch(lastB, /alpha secret plan/, "B's model never sees A's history");
      assert.equal(
        (await json(`${server.url}/agents/assistant`, { token: a.token })).status,
        404,
        "the file's agent is not A's",
      );
      const cancel = await rpc(`${server.url}/agents/support`, b.token, 'tasks/cancel', { id: taskA });
      assert.ok(cancel.body.error, 'B cannot cancel A');
      // Streaming: A streams from its own agent; B resubscribing to A's task gets "not found".
      const stream = async (token: string, method: string, params: unknown) =>
        readSse(
          await fetch(`${server.url}/agents/support`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ jsonrpc: '2.0', id: 2, method, params }),
          }),
        );
      const streamed = await stream(a.token, 'message/stream', legacyMessage('stream please'));
      assert.equal((streamed.at(-1)?.result as { status?: { state?: string } })?.status?.state, 'completed');
      const resubscribed = await stream(b.token, 'tasks/resubscribe', { id: taskA });
      assert.equal((resubscribed.at(-1)?.error as { code?: number })?.code, -32001, "B cannot watch A's task");
    });

    test('approvals stay in their app: another app cannot decide, the owner can, the file lands in its workspace', async () => {
      const withTool = JSON.parse(appConfig(llm.openaiBaseUrl, 'alpha'));
      withTool.tools = { write_file: { type: 'function', handler: 'write_file', working_directory: 'files' } };
      withTool.agents.support.tools = ['write_file'];
      const put = await json(`${server.url}/admin/apps/${a.id}`, {
        method: 'PUT',
        token: ADMIN,
        body: JSON.stringify({ config: withTool }),
      });
      assert.equal(put.status, 200, put.text);
      llm.enqueue(
        { toolCalls: [{ id: 'w1', name: 'write_file', args: { path: 'note.txt', content: 'hello' } }] },
        { text: 'written' },
      );
      const paused = await rpc(`${server.url}/agents/support`, a.token, 'message/send', legacyMessage('write a note'));
      assert.equal(paused.body.result?.status.state, 'input-required', paused.text);
      const taskId = paused.body.result.id as string;
      const decide = (token: string) =>
        json(`${server.url}/api/tasks/${taskId}/approvals/w1`, {
          method: 'POST',
          token,
          body: JSON.stringify({ decision: 'approve' }),
        });
      assert.equal((await decide(b.token)).status, 404, 'B: no such call');
      assert.equal((await decide(USER_KEY)).status, 404, "the file's user: no such call");
      const approved = await decide(a.token);
      assert.equal(approved.status, 200, approved.text);
      assert.equal(approved.body.task.status.state, 'completed');
      assert.equal(readFileSync(join(dir, '.hector', 'apps', a.id, 'files', 'note.txt'), 'utf8'), 'hello');
    });

    test('forged tokens are refused: alg none, HMAC with the admin secret, tenant edited', async () => {
      const [h, p, s] = a.token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const none = `${b64({ alg: 'none' })}.${p}.`;
      const hsInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: JSON.parse(Buffer.from(h, 'base64url').toString()).kid })}.${p}`;
      const hs = `${hsInput}.${createHmac('sha256', ADMIN).update(hsInput).digest('base64url')}`;
      const edited = `${h}.${b64({ ...claims, tenant_id: b.id })}.${s}`;
      for (const token of [none, hs, edited, `${a.token}x`]) {
        assert.equal((await json(`${server.url}/agents`, { token })).status, 401);
      }
      assert.equal(
        (await json(`${server.url}/admin/apps`, { token: a.token })).status,
        401,
        'app tokens are not admin',
      );
    });

    test('an app config naming a host path is refused and creates nothing', async () => {
      const bad = JSON.parse(appConfig(llm.openaiBaseUrl, 'evil'));
      bad.tools = { rd: { type: 'function', handler: 'read_file', working_directory: '/etc' } };
      const r = await json(`${server.url}/admin/apps`, {
        method: 'POST',
        token: ADMIN,
        body: JSON.stringify({ name: 'evil', config: bad }),
      });
      assert.equal(r.status, 400);
      assert.match(r.text, /must be inside the app's own directory/);
      const list = await json(`${server.url}/admin/apps`, { token: ADMIN });
      assert.deepEqual(list.body.apps.map((x: { name: string }) => x.name).sort(), ['alpha', 'beta']);
    });

    test('regenerate revokes the old token; delete revokes at once; a restart keeps apps and revocations', async () => {
      const regenerated = await json(`${server.url}/admin/apps/${a.id}/token`, { method: 'POST', token: ADMIN });
      assert.equal(regenerated.status, 200);
      assert.equal((await json(`${server.url}/agents`, { token: a.token })).status, 401, 'the old token stopped');
      const newA = regenerated.body.access_token as string;
      assert.equal((await json(`${server.url}/agents`, { token: newA })).status, 200);
      assert.equal((await json(`${server.url}/admin/apps/${b.id}`, { method: 'DELETE', token: ADMIN })).status, 204);
      assert.equal((await json(`${server.url}/agents`, { token: b.token })).status, 401, 'deleted: at once');

      await server.stop();
      server = await startServer({ config: fileConfig(llm.openaiBaseUrl), env, dir, ...(db ? { database: db } : {}) });
      assert.equal((await json(`${server.url}/agents`, { token: newA })).status, 200, 'A survives a restart');
      assert.equal(
        (await json(`${server.url}/agents`, { token: a.token })).status,
        401,
        'the revoked token stays revoked',
      );
      assert.equal((await json(`${server.url}/agents`, { token: b.token })).status, 401, 'B stays deleted');
      const sent = await rpc(`${server.url}/agents/support`, newA, 'message/send', legacyMessage('after restart'));
      assert.equal(sent.body.result.status.state, 'completed');
    });
  });
}

suite('SQLite', false, async () => undefined);

let pg: TestPostgres | undefined;
after(async () => {
  await pg?.stop();
});
suite('PostgreSQL', postgresSkipReason() ?? false, async () => {
  pg = await startPostgres();
  return pg.createDatabase();
});
