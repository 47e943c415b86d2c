#!/usr/bin/env node
// A full pause -> approve -> result round trip against a running Hector server.
//
//   node examples/approval/approve-demo.mjs http://127.0.0.1:8080/agents/writer [--deny] [--token T]
//
// 1. sends "write hello.txt" with message/send; the task pauses in state input-required;
// 2. prints the approval prompt and the tool_approval_request data part;
// 3. answers on the same taskId/contextId with a tool_approval data part (approve, or deny with --deny);
// 4. prints the final task state and answer.
const [url, ...rest] = process.argv.slice(2);
if (!url) {
  console.error('usage: approve-demo.mjs AGENT_URL [--deny] [--token TOKEN]');
  process.exit(2);
}
const deny = rest.includes('--deny');
const tokenAt = rest.indexOf('--token');
const token = tokenAt >= 0 ? rest[tokenAt + 1] : undefined;

let id = 0;
async function send(message) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'message/send', params: { message } }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${body.error.code}: ${body.error.message}`);
  return body.result;
}

const task = await send({
  kind: 'message',
  role: 'user',
  messageId: `demo-${Date.now()}`,
  parts: [{ kind: 'text', text: 'Please write "hello from Hector" to hello.txt' }],
});
console.log(`task ${task.id}: ${task.status.state}`);
if (task.status.state !== 'input-required') {
  console.log('the model did not ask for an approval-gated tool:', JSON.stringify(task.status.message?.parts));
  process.exit(1);
}
const requests = task.status.message.parts.filter((p) => p.kind === 'data' && p.data.type === 'tool_approval_request');
for (const { data } of requests) {
  console.log(
    `\n${data.prompt}\n  tool: ${data.tool_name}\n  arguments: ${JSON.stringify(data.arguments)}\n  expires: ${data.expires_at}`,
  );
}

const decided = await send({
  kind: 'message',
  role: 'user',
  messageId: `demo-${Date.now()}-decision`,
  taskId: task.id,
  contextId: task.contextId,
  parts: requests.map(({ data }) => ({
    kind: 'data',
    data: {
      type: 'tool_approval',
      decision: deny ? 'deny' : 'approve',
      tool_call_id: data.tool_call_id,
      ...(deny ? { reason: 'denied by approve-demo.mjs' } : {}),
    },
  })),
});
console.log(`\n${deny ? 'denied' : 'approved'} -> task ${decided.id}: ${decided.status.state}`);
console.log(decided.status.message?.parts?.map((p) => p.text ?? JSON.stringify(p.data)).join('\n'));
