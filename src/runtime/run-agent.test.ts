import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAuditSink, createLogger } from '../observability/index.ts';
import { type Database, openDatabase } from '../persistence/index.ts';
import type { ChatModel, ChatResult } from '../providers/index.ts';
import { type AppError, systemClock, UpstreamError } from '../shared/index.ts';
import { scriptedChatModel } from '../testing/index.ts';
import { createToolRegistry, type Tool } from '../tools/index.ts';
import { runAgent } from './run-agent.ts';
import type { AgentDefinition, RunEvent, RuntimeDeps } from './types.ts';

/** The LLM is the one thing faked: a scripted model that records what it was asked. */
const scriptedModel = (script: (ChatResult | Error | 'hang')[]) => scriptedChatModel(script);

const usage = { inputTokens: 10, outputTokens: 5 };
const answer = (text: string): ChatResult => ({ text, toolCalls: [], finishReason: 'stop', usage });
const calls = (...c: { id: string; name: string; args: unknown }[]): ChatResult => ({
  text: '',
  toolCalls: c,
  finishReason: 'tool-calls',
  usage,
});

const executed: unknown[] = [];
const echoTool: Tool = {
  name: 'echo',
  description: 'echoes its input',
  inputSchema: {
    type: 'object',
    properties: { text: { type: 'string' } },
    required: ['text'],
    additionalProperties: false,
  },
  async execute(args) {
    executed.push(args);
    return { output: `echo: ${String(args.text)}`, isError: false };
  },
};
const secretTool: Tool = {
  name: 'secret_tool',
  description: 'not listed for the agent',
  inputSchema: { type: 'object', properties: {} },
  async execute() {
    executed.push('SECRET TOOL RAN');
    return { output: 'should never run', isError: false };
  },
};

let db: Database;
let deps: RuntimeDeps;
const audited: Record<string, unknown>[] = [];
before(async () => {
  db = await openDatabase({ url: ':memory:' });
  const logger = createLogger({ level: 'silent', format: 'json', secrets: [] });
  const audit = createAuditSink({
    logger,
    persist: async (e) => {
      audited.push(e);
    },
  });
  deps = {
    sessions: db.sessions,
    tools: createToolRegistry([echoTool, secretTool]),
    audit,
    logger,
    clock: systemClock,
    approvals: { store: db.approvals, policies: new Map() },
  };
});
after(async () => {
  await db.close();
});

function agent(model: ChatModel, overrides: Partial<AgentDefinition> = {}): AgentDefinition {
  return {
    name: 'a',
    displayName: 'A',
    description: '',
    llmName: 'default',
    model,
    instruction: 'be brief',
    toolNames: ['echo'],
    streaming: false,
    maxSteps: 4,
    historyLimit: 100,
    visibility: 'public',
    subAgents: [],
    ...overrides,
  };
}

const scope = { appId: 'default', userId: 'u1' };
let n = 0;
const input = (a: AgentDefinition, text: string, contextId = `ctx-${++n}`, signal = new AbortController().signal) => ({
  scope,
  agent: a,
  contextId,
  taskId: `task-${n}`,
  requestId: 'req-1',
  userText: text,
  stream: false,
  signal,
});

test('tool loop: calls a listed tool, refuses an unlisted one without running it, then answers', async () => {
  executed.length = 0;
  const model = scriptedModel([
    calls(
      { id: 'c1', name: 'echo', args: { text: 'hi' } },
      { id: 'c2', name: 'secret_tool', args: {} },
      { id: 'c3', name: 'echo', args: { text: 5 } },
    ),
    answer('done'),
  ]);
  const events: RunEvent[] = [];
  const result = await runAgent(deps, input(agent(model), 'go'), (e) => events.push(e));
  assert.equal(result.text, 'done');
  assert.equal(result.steps, 2);
  assert.deepEqual(result.usage, { inputTokens: 20, outputTokens: 10 });
  assert.deepEqual(executed, [{ text: 'hi' }], 'only the valid call of the listed tool ran');
  assert.deepEqual(
    model.requests[0]!.tools.map((t) => t.name),
    ['echo'],
    'only the listed tool is offered',
  );
  const toolMessages = model.requests[1]!.messages.filter((m) => m.role === 'tool');
  assert.equal(toolMessages.length, 3);
  assert.equal(toolMessages[0]!.content, 'echo: hi');
  assert.match(toolMessages[1]!.content, /not available to this agent/);
  assert.ok(toolMessages[1]!.role === 'tool' && toolMessages[1]!.isError);
  assert.ok(toolMessages[2]!.role === 'tool' && toolMessages[2]!.isError, 'invalid arguments are an error result');
  const verdicts = audited.filter((e) => e.component === 'tool').map((e) => e.verdict);
  assert.deepEqual(verdicts.slice(-3), ['executed', 'refused', 'invalid_arguments']);
  assert.ok(events.some((e) => e.type === 'tool-result' && e.name === 'echo'));
});

test('history is per context and includes tool exchanges; a failed run leaves it unchanged', async () => {
  const model = scriptedModel([
    calls({ id: 'c1', name: 'echo', args: { text: 'x' } }),
    answer('first'),
    new UpstreamError('boom', { retryable: false, status: 500 }),
    answer('third'),
  ]);
  const a = agent(model);
  await runAgent(deps, input(a, 'one', 'ctx-h'));
  await assert.rejects(runAgent(deps, input(a, 'two (fails)', 'ctx-h')), (e: AppError) => {
    assert.equal(e.code, 'upstream_error');
    assert.match(e.message, /^LLM "default": boom/);
    return true;
  });
  await runAgent(deps, input(a, 'three', 'ctx-h'));
  const roles = model.requests.at(-1)!.messages.map((m) => `${m.role}:${m.content}`);
  assert.deepEqual(roles, ['user:one', 'assistant:', 'tool:echo: x', 'assistant:first', 'user:three']);
  assert.equal(model.requests.at(-1)!.system, 'be brief');
  const other = await db.sessions.history({ appId: 'default', userId: 'someone-else' }, 'ctx-h');
  assert.deepEqual(other, [], 'another user sees nothing of this context');
});

test('history_limit trims old messages without starting on an orphan tool result', async () => {
  const model = scriptedModel([calls({ id: 'c1', name: 'echo', args: { text: 'x' } }), answer('a1'), answer('a2')]);
  const a = agent(model, { historyLimit: 2 });
  await runAgent(deps, input(a, 'q1', 'ctx-trim'));
  await runAgent(deps, input(a, 'q2', 'ctx-trim'));
  // Stored: user q1, assistant(call), tool, assistant a1. The last 2 are tool + assistant; the tool is dropped.
  const sent = model.requests.at(-1)!.messages.map((m) => m.role);
  assert.deepEqual(sent, ['assistant', 'user']);
});

test('max_steps bounds the loop with an error that says how to fix it', async () => {
  const loop = calls({ id: 'c', name: 'echo', args: { text: 'again' } });
  const model = scriptedModel([loop, loop, loop]);
  await assert.rejects(
    runAgent(deps, input(agent(model, { maxSteps: 3 }), 'loop forever')),
    /used all 3 steps.*agents\.a\.max_steps/,
  );
  assert.equal(model.requests.length, 3);
});

test('aborting the signal stops the LLM call in flight and stores nothing', async () => {
  const model = scriptedModel(['hang']);
  const controller = new AbortController();
  const run = runAgent(deps, input(agent(model), 'wait', 'ctx-abort', controller.signal));
  await new Promise((r) => setTimeout(r, 20));
  controller.abort(new Error('canceled by test'));
  await assert.rejects(run, /canceled by test/);
  assert.deepEqual(await db.sessions.history(scope, 'ctx-abort'), []);
});

test('streaming reports text deltas in order', async () => {
  const model = scriptedModel([answer('one two three')]);
  const deltas: string[] = [];
  const result = await runAgent(deps, { ...input(agent(model), 's'), stream: true }, (e) => {
    if (e.type === 'text-delta') deltas.push(e.text);
  });
  assert.equal(deltas.join(''), 'one two three');
  assert.ok(deltas.length > 1);
  assert.equal(result.text, 'one two three');
});
