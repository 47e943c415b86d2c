/**
 * Repeated failures through the real CLI (observability/repeat-throttle.ts): a client hammering the server with
 * bad credentials writes `audit.repeat_limit` events a minute, each naming its client address, and one
 * `repeated` event with the count of the rest (written at the latest at shutdown). The metrics still count
 * every failure, good credentials are audited as usual, and `repeat_limit: 0` writes every event.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { parsePrometheusText, total } from '../support/prometheus-text.ts';
import { basicConfig, startServer, tempDir } from './support.ts';

const SECRET = 'repeat-test-secret-0123456789abcdef';
const ATTEMPTS = 150;

function authEvents(dbPath: string): any[] {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const rows = db.prepare("SELECT event FROM audit WHERE component IN ('auth', 'admin') ORDER BY id").all() as {
      event: string;
    }[];
    return rows.map((r) => JSON.parse(r.event));
  } finally {
    db.close();
  }
}

async function hammer(url: string, path: string, count: number, token = 'wrong-secret-attempt'): Promise<void> {
  // Sequential waves of 10: the server's own pace, not the test's, decides how fast they come.
  for (let i = 0; i < count; i += 10) {
    const wave = Array.from({ length: Math.min(10, count - i) }, () =>
      fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => {
        assert.equal(r.status, 401);
        return r.arrayBuffer();
      }),
    );
    await Promise.all(wave);
  }
}

describe('repeated auth failures in the audit trail (real CLI)', () => {
  let llm: ScriptedLlm;
  before(async () => {
    llm = await startScriptedLlm();
  });
  after(async () => {
    await llm?.close();
  });

  test('a flood of bad credentials writes repeat_limit events and one repeated count; metrics count every one', async () => {
    const dir = tempDir('hector-repeats-');
    const dbPath = join(dir, 'hector.db');
    const server = await startServer({
      dir,
      config: basicConfig(llm.openaiBaseUrl, 'audit:\n  repeat_limit: 5\n'),
      env: { TEST_LLM_KEY: 'unused', HECTOR_AUTH_SECRET: SECRET },
      extraArgs: ['--metrics'],
    });
    try {
      await hammer(server.url, '/agents/assistant/.well-known/agent-card.json', ATTEMPTS);
      await hammer(server.url, '/admin/apps', ATTEMPTS);
      // Good credentials are audited whatever the flood.
      for (let i = 0; i < 3; i++) {
        const ok = await fetch(`${server.url}/agents`, { headers: { authorization: `Bearer ${SECRET}` } });
        assert.equal(ok.status, 200);
      }
      const metrics = parsePrometheusText(await (await fetch(`${server.url}/metrics`)).text());
      assert.equal(total(metrics, 'hector_auth_failures_total'), 2 * ATTEMPTS, 'metrics count every failure');
    } finally {
      assert.equal(await server.stop('SIGTERM'), 0, server.output());
    }

    const events = authEvents(dbPath);
    const failures = (component: string) =>
      events.filter((e) => e.component === component && e.action === 'authenticate' && e.success === false);
    const repeated = (component: string) => events.filter((e) => e.component === component && e.action === 'repeated');
    for (const component of ['auth', 'admin']) {
      assert.equal(failures(component).length, 5, `${component}: repeat_limit events written`);
      assert.ok(failures(component).every((e) => e.client_address === '127.0.0.1'));
      const summary = repeated(component);
      assert.equal(summary.length, 1, `${component}: one summary: ${JSON.stringify(summary)}`);
      assert.equal(summary[0].count, ATTEMPTS - 5);
      assert.equal(summary[0].repeated_action, 'authenticate');
      assert.equal(summary[0].client_address, '127.0.0.1');
      assert.equal(summary[0].success, false);
      assert.ok(Date.parse(summary[0].window_end) >= Date.parse(summary[0].window_start));
    }
    assert.equal(failures('auth')[0].reason, 'invalid_credentials');
    assert.equal(repeated('auth')[0].reason, 'invalid_credentials');
    const successes = events.filter((e) => e.component === 'auth' && e.success === true);
    assert.equal(successes.length, 3, 'the three /agents calls are audited');
    assert.ok(
      !JSON.stringify(events).includes('wrong-secret-attempt'),
      'the attempted credential is never in the trail',
    );
  });

  test('repeat_limit: 0 writes every failure', async () => {
    const dir = tempDir('hector-repeats-');
    const dbPath = join(dir, 'hector.db');
    const server = await startServer({
      dir,
      config: basicConfig(llm.openaiBaseUrl, 'audit:\n  repeat_limit: 0\n'),
      env: { TEST_LLM_KEY: 'unused', HECTOR_AUTH_SECRET: SECRET },
    });
    try {
      await hammer(server.url, '/agents/assistant/.well-known/agent-card.json', 60);
    } finally {
      assert.equal(await server.stop('SIGTERM'), 0, server.output());
    }
    const events = authEvents(dbPath);
    assert.equal(events.filter((e) => e.action === 'authenticate' && e.success === false).length, 60);
    assert.equal(events.filter((e) => e.action === 'repeated').length, 0);
  });
});
