/** The README's first command: the quickstart config against the offline stand-in model (`--demo`). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, legacyMessage, ROOT, rpc, tempDir } from './support.ts';

test('hector serve --config examples/quickstart.yaml --demo answers with a clearly labelled stand-in', async () => {
  const dir = tempDir();
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  // No OPENAI_API_KEY in the environment: the demo must not need one.
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--config', 'examples/quickstart.yaml', '--demo', '--port', '0'],
    {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    for (let i = 0; i < 300 && !/listening on http/.test(output); i++) await new Promise((r) => setTimeout(r, 50));
    const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
    assert.ok(url, `no banner:\n${output}`);
    assert.match(output, /OFFLINE DEMO: answers come from a scripted stand-in model, NOT a real LLM/);
    assert.match(output, /storage: sqlite .*\.hector\/hector\.db/);
    const { body } = await rpc(`${url}/agents/assistant`, 'message/send', legacyMessage('hello demo'));
    const result = body.result as any;
    assert.equal(result.status.state, 'completed');
    assert.equal(
      result.status.message.parts[0].text,
      '[scripted stand-in model — not a real LLM] You said: hello demo',
    );
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});

test('without --demo and without a key, serve says which variable to set and offers the demo', async () => {
  const dir = tempDir();
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  const child = spawn(process.execPath, [BIN, 'serve', '--config', 'examples/quickstart.yaml', '--port', '0'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  assert.equal(code, 2);
  assert.match(stderr, /environment variable OPENAI_API_KEY is not set/);
  assert.match(stderr, /llms\.default\.api_key/);
  assert.match(stderr, /--demo/);
});
