/** The tool-calling loop through the real CLI, on PostgreSQL storage. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ScriptedLlm, startScriptedLlm } from '../../src/testing/index.ts';
import { postgresSkipReason, startPostgres } from '../support/postgres.ts';
import { basicConfig, legacyMessage, rpc, startServer, tempDir } from './support.ts';

describe('agent loop with tools, on PostgreSQL', { skip: postgresSkipReason() ?? false }, () => {
  let llm: ScriptedLlm;
  let pg: Awaited<ReturnType<typeof startPostgres>>;
  before(async () => {
    llm = await startScriptedLlm();
    pg = await startPostgres();
  });
  after(async () => {
    await llm?.close();
    await pg?.stop();
  });

  test('the model reads a file, an invented tool is refused, the answer completes, history is in postgres', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'ws'));
    writeFileSync(join(dir, 'ws', 'notes.txt'), 'the launch code is 0000');
    const config = basicConfig(
      llm.openaiBaseUrl,
      `    tools: [read_file]
tools:
  read_file: {type: function, handler: read_file, working_directory: ./ws}
`,
    );
    const database = await pg.createDatabase();
    const server = await startServer({ config, dir, database, env: { TEST_LLM_KEY: 'k-123456' } });
    try {
      llm.enqueue(
        {
          toolCalls: [
            { id: 'call_1', name: 'read_file', args: { path: 'notes.txt' } },
            { id: 'call_2', name: 'delete_everything', args: {} },
          ],
        },
        { text: 'The file says the launch code is 0000.' },
      );
      const { body } = await rpc(`${server.url}/agents/assistant`, 'message/send', legacyMessage('read notes.txt'));
      const result = body.result as any;
      assert.equal(result.status.state, 'completed', JSON.stringify(result));
      assert.equal(result.status.message.parts[0].text, 'The file says the launch code is 0000.');

      const offered = JSON.stringify(llm.requests.at(-2)!.body);
      assert.match(offered, /"read_file"/, 'the listed tool is offered');
      const second = JSON.stringify(llm.requests.at(-1)!.body);
      assert.match(second, /the launch code is 0000/, 'the tool result reached the model');
      assert.match(second, /not available to this agent/, 'the invented tool was refused');

      // Same context, next turn: the whole exchange is in the history stored in postgres.
      llm.enqueue({ text: 'ok' });
      await rpc(
        `${server.url}/agents/assistant`,
        'message/send',
        legacyMessage('again', { contextId: result.contextId }),
      );
      const third = JSON.stringify(llm.requests.at(-1)!.body);
      assert.match(third, /the launch code is 0000/);
      assert.match(server.output(), /postgres/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});
