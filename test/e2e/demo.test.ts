/** The README's first command: the quickstart config against the offline stand-in model (`--demo`). */
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { legacyMessage, ROOT, rpc, spawnHector, tempDir } from './support.ts';

function quickstartDir(): string {
  const dir = tempDir();
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  return dir;
}

test('hector serve --config examples/quickstart.yaml --demo answers with a clearly labelled stand-in', async () => {
  // No OPENAI_API_KEY in the environment: the demo must not need one.
  const run = spawnHector(['serve', '--config', 'examples/quickstart.yaml', '--demo', '--port', '0'], {
    cwd: quickstartDir(),
  });
  try {
    for (let i = 0; i < 300 && !/listening on http/.test(run.output()); i++)
      await new Promise((r) => setTimeout(r, 50));
    const url = /listening on (http:\/\/\S+)/.exec(run.output())?.[1];
    assert.ok(url, `no banner:\n${run.output()}`);
    assert.match(run.output(), /OFFLINE DEMO: answers come from a scripted stand-in model, NOT a real LLM/);
    assert.match(run.output(), /storage: sqlite .*\.hector\/hector\.db/);
    const { body } = await rpc(`${url}/agents/assistant`, 'message/send', legacyMessage('hello demo'));
    const result = body.result as any;
    assert.equal(result.status.state, 'completed');
    assert.equal(
      result.status.message.parts[0].text,
      '[scripted stand-in model — not a real LLM] You said: hello demo',
    );
  } finally {
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  }
});

test('without --demo and without a key, serve says which variable to set and offers the demo', async () => {
  const run = spawnHector(['serve', '--config', 'examples/quickstart.yaml', '--port', '0'], { cwd: quickstartDir() });
  assert.equal(await run.exited, 2);
  assert.match(run.output(), /environment variable OPENAI_API_KEY is not set/);
  assert.match(run.output(), /llms\.default\.api_key/);
  assert.match(run.output(), /--demo/);
});
