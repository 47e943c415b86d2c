/** The `hector` command: version, schema, validate, serve errors, graceful shutdown, restart. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { basicConfig, legacyMessage, ROOT, rpc, runCli, startServer, tempDir } from './support.ts';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('hector CLI', () => {
  test('version', async () => {
    const r = await runCli(['version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `hector ${pkg.version}\n`);
    const r2 = await runCli(['--version']);
    assert.equal(r2.stdout.trim(), pkg.version);
  });

  test('schema prints the committed JSON Schema', async () => {
    const r = await runCli(['schema']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, readFileSync(join(ROOT, 'schema', 'hector-config.schema.json'), 'utf8'));
  });

  test('validate: a valid file, and every error of a bad one with its path and a hint', async () => {
    const dir = tempDir();
    const good = join(dir, 'good.yaml');
    writeFileSync(good, basicConfig('http://127.0.0.1:9/v1'));
    let r = await runCli(['validate', good], { env: { TEST_LLM_KEY: 'k-123456' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /valid \(1 agents, 1 llms, 0 tools\)/);

    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      `version: "2"
llms:
  default: {provider: openai, modle: gpt-4o, api_key: x}
agnets: {}
agents:
  a: {llm: defualt}
`,
    );
    r = await runCli(['validate', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /agnets/);
    assert.match(r.stderr, /did you mean `?agents`?/);
    assert.match(r.stderr, /llms\.default/);
    assert.match(r.stderr, /modle/);
    assert.match(r.stderr, /did you mean `?model`?/);
    assert.match(r.stderr, /agents\.a\.llm/);
    assert.match(r.stderr, /did you mean `?default`?/);

    r = await runCli(['validate', good]);
    assert.equal(r.code, 2, 'missing ${TEST_LLM_KEY} is an error');
    assert.match(r.stderr, /TEST_LLM_KEY/);
    assert.match(r.stderr, /llms\.default\.api_key/);
  });

  test('serve refuses a bad config with exit code 2 and starts nothing', async () => {
    const dir = tempDir();
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'version: "2"\nagents: {}\nsurprise: true\n');
    const r = await runCli(['serve', '--config', file, '--port', '0'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /surprise/);
    assert.doesNotMatch(r.stdout, /listening/);
  });

  test('usage errors exit 2', async () => {
    const r = await runCli(['serve']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--config/);
    const r2 = await runCli(['serve', '--config', 'examples/quickstart.yaml', '--port', 'eighty'], {
      env: { OPENAI_API_KEY: 'sk-whatever-123' },
    });
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /--port.*not a port number/);
  });

  test('serve reports a port in use clearly', async () => {
    const llm = await startScriptedLlm();
    const port = new URL(llm.url).port;
    const dir = tempDir();
    const file = join(dir, 'c.yaml');
    writeFileSync(file, basicConfig(llm.openaiBaseUrl));
    const r = await runCli(['serve', '--config', file, '--port', port, '--database', `sqlite:${join(dir, 'db')}`], {
      cwd: dir,
      env: { TEST_LLM_KEY: 'k-123456' },
    });
    await llm.close();
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`port ${port} on 127.0.0.1 is already in use`));
  });
});

describe('server lifecycle', () => {
  let llm: ScriptedLlm;
  before(async () => {
    llm = await startScriptedLlm();
  });
  after(async () => {
    await llm.close();
  });

  test('SIGTERM drains an in-flight request and exits 0', async () => {
    const server = await startServer({ config: basicConfig(llm.openaiBaseUrl), env: { TEST_LLM_KEY: 'k-123456' } });
    llm.enqueue({ text: 'slow but complete', delayMs: 1500 });
    const pending = rpc(`${server.url}/agents/assistant`, 'message/send', legacyMessage('slow'));
    for (let i = 0; i < 100 && llm.pending() > 0 && llm.requests.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    const code = server.stop('SIGTERM');
    const { body } = await pending;
    assert.equal((body.result as any).status.state, 'completed');
    assert.equal((body.result as any).status.message.parts[0].text, 'slow but complete');
    assert.equal(await code, 0);
  });

  test('history survives a restart (SQLite file)', async () => {
    const dir = tempDir();
    const config = basicConfig(llm.openaiBaseUrl);
    let server = await startServer({ config, dir, env: { TEST_LLM_KEY: 'k-123456' } });
    llm.enqueue({ text: 'noted: the password is swordfish' });
    const first = await rpc(`${server.url}/agents/assistant`, 'message/send', legacyMessage('remember swordfish'));
    const contextId = (first.body.result as any).contextId as string;
    const taskId = (first.body.result as any).id as string;
    assert.equal(await server.stop(), 0);

    server = await startServer({ config, dir, env: { TEST_LLM_KEY: 'k-123456' } });
    llm.enqueue({ text: 'it was swordfish' });
    await rpc(`${server.url}/agents/assistant`, 'message/send', legacyMessage('what was it?', { contextId }));
    assert.match(JSON.stringify(llm.requests.at(-1)!.body), /remember swordfish/);
    const got = await rpc(`${server.url}/agents/assistant`, 'tasks/get', { id: taskId });
    assert.equal((got.body.result as any).status.state, 'completed');
    assert.equal(await server.stop(), 0);
  });
});
