/**
 * The benchmark's baseline: a bare node:http server doing the same JSON work as Hector's message/send — parse
 * the JSON-RPC request, call the same OpenAI-compatible LLM once, answer with a task object — and nothing else
 * (no storage, no validation, no SDK). Prints BASELINE_URL=… when listening.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const llmBase = process.argv[2];
if (!llmBase) throw new Error('usage: baseline-server.ts <openai base url>');

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      id: number;
      params: { message: { parts: { text: string }[] } };
    };
    const text = body.params.message.parts.map((p) => p.text).join('\n');
    const llm = await fetch(`${llmBase}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
      body: JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: text }] }),
    });
    const completion = (await llm.json()) as { choices: { message: { content: string } }[] };
    const taskId = randomUUID();
    const contextId = randomUUID();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        jsonrpc: '2.0',
        id: body.id,
        result: {
          kind: 'task',
          id: taskId,
          contextId,
          status: {
            state: 'completed',
            message: {
              kind: 'message',
              role: 'agent',
              messageId: randomUUID(),
              parts: [{ kind: 'text', text: completion.choices[0]!.message.content }],
            },
          },
        },
      }),
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  if (addr && typeof addr === 'object') process.stdout.write(`BASELINE_URL=http://127.0.0.1:${addr.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
setTimeout(() => process.exit(0), 15 * 60_000).unref();
