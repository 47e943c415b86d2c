import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  createAuditSink,
  createLogger,
  type LlmCallRecord,
  NOOP_TELEMETRY,
  type Span,
  type SpanAttributes,
  type Telemetry,
} from '../observability/index.ts';
import { type Database, openDatabase } from '../persistence/index.ts';
import type { ChatModel, ChatResult } from '../providers/index.ts';
import { systemClock, UpstreamError } from '../shared/index.ts';
import { scriptedChatModel } from '../testing/index.ts';
import { createToolRegistry, type Tool } from '../tools/index.ts';
import { createAgentTool } from './agent-tool.ts';
import { runAgent } from './run-agent.ts';
import type { AgentDefinition, RuntimeDeps } from './types.ts';

/** A recording Telemetry: spans with their parent's name, attributes, contents, failure, and metric calls. */
interface Recorded {
  name: string;
  parent: string | undefined;
  attributes: Record<string, unknown>;
  contents: Record<string, unknown>;
  failed?: string;
  ended: boolean;
}
function recorder(capturesContent: boolean) {
  const spans: Recorded[] = [];
  const llm: LlmCallRecord[] = [];
  const tools: { tool: string; verdict: string }[] = [];
  const names = new WeakMap<Span, Recorded>();
  const start = (name: string, parent: Span | undefined, attributes?: SpanAttributes): Span => {
    const r: Recorded = {
      name,
      parent: parent && names.get(parent)?.name,
      attributes: { ...attributes },
      contents: {},
      ended: false,
    };
    spans.push(r);
    const span: Span = {
      set: (a) => Object.assign(r.attributes, a),
      content: (k, v) => {
        if (capturesContent) r.contents[k] = v;
      },
      fail: (code) => {
        r.failed = code;
      },
      rename: (n) => {
        r.name = n;
      },
      end: () => {
        r.ended = true;
      },
    };
    names.set(span, r);
    return span;
  };
  const telemetry: Telemetry = {
    ...NOOP_TELEMETRY,
    metrics: { ...NOOP_TELEMETRY.metrics, llmCall: (r) => llm.push(r), toolCall: (r) => tools.push(r) },
    tracer: { capturesContent, startRequest: (n, _c, a) => start(n, undefined, a), start },
  };
  return { telemetry, spans, llm, tools, root: start('POST /agents/:name', undefined) };
}

const usage = { inputTokens: 10, outputTokens: 5 };
const answer = (text: string): ChatResult => ({ text, toolCalls: [], finishReason: 'stop', usage });
const calls = (...c: { id: string; name: string; args: unknown }[]): ChatResult => ({
  text: '',
  toolCalls: c,
  finishReason: 'tool-calls',
  usage,
});
const echo: Tool = {
  name: 'echo',
  description: 'echoes',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  execute: async (args) => ({ output: `echo: ${String(args.text)}`, isError: false }),
};

function agent(name: string, model: ChatModel, toolNames: string[]): AgentDefinition {
  return {
    name,
    displayName: name,
    description: `the ${name} agent`,
    llmName: 'default',
    model,
    instruction: 'be brief',
    toolNames,
    streaming: false,
    maxSteps: 4,
    historyLimit: 10,
    visibility: 'public',
    subAgents: [],
  };
}

let db: Database;
before(async () => {
  db = await openDatabase({ url: ':memory:' });
});
after(async () => {
  await db.close();
});

function depsWith(telemetry: Telemetry, tools: Tool[]): RuntimeDeps {
  const logger = createLogger({ level: 'silent', format: 'json', secrets: [] });
  return {
    sessions: db.sessions,
    tools: createToolRegistry(tools),
    audit: createAuditSink({ logger }),
    logger,
    clock: systemClock,
    approvals: { store: db.approvals, policies: new Map() },
    telemetry,
  };
}

let n = 0;
const input = (a: AgentDefinition, trace: Span, text = 'go') => ({
  scope: { appId: 'default', userId: 'u1' },
  agent: a,
  contextId: `ctx-${++n}`,
  taskId: 'task-1',
  requestId: 'req-1',
  userText: text,
  stream: false,
  signal: new AbortController().signal,
  trace,
});

test('spans nest request → run → chat / tool → sub-agent run, with ids; metrics per call', async () => {
  const rec = recorder(false);
  const helper = agent(
    'helper',
    scriptedChatModel([calls({ id: 'h1', name: 'echo', args: { text: 'x' } }), answer('ok')]),
    ['echo'],
  );
  let deps: RuntimeDeps;
  const helperTool = createAgentTool(helper, () => deps);
  deps = depsWith(rec.telemetry, [echo, helperTool]);
  const main = agent(
    'main',
    scriptedChatModel([
      calls({ id: 'c1', name: 'helper', args: { message: 'help' } }, { id: 'c2', name: 'made_up', args: {} }),
      answer('done'),
    ]),
    ['echo', 'helper'],
  );
  const result = await runAgent(deps, input(main, rec.root, 'secret prompt text'));
  assert.equal(result.text, 'done');
  const tree = rec.spans.map((s) => [s.name, s.parent]);
  assert.deepEqual(tree, [
    ['POST /agents/:name', undefined],
    ['invoke_agent main', 'POST /agents/:name'],
    ['chat scripted', 'invoke_agent main'],
    ['execute_tool helper', 'invoke_agent main'],
    ['invoke_agent helper', 'execute_tool helper'],
    ['chat scripted', 'invoke_agent helper'],
    ['execute_tool echo', 'invoke_agent helper'],
    ['chat scripted', 'invoke_agent helper'],
    ['execute_tool unknown', 'invoke_agent main'],
    ['chat scripted', 'invoke_agent main'],
  ]);
  const run = rec.spans[1]!;
  assert.equal(run.attributes['a2a.task_id'], 'task-1');
  assert.equal(run.attributes['a2a.context_id'], 'ctx-1');
  assert.equal(run.attributes['hector.steps'], 2);
  assert.ok(
    rec.spans.slice(1).every((s) => s.ended),
    'every span ends',
  );
  assert.equal(rec.spans.find((s) => s.name === 'execute_tool unknown')!.failed, 'tool_refused');
  assert.deepEqual(rec.tools, [
    { tool: 'echo', verdict: 'executed' },
    { tool: 'helper', verdict: 'executed' },
    { tool: 'unknown', verdict: 'refused' },
  ]);
  assert.deepEqual(
    rec.llm.map((r) => [r.agent, r.provider, r.outcome, r.inputTokens]),
    [
      ['main', 'openai', 'ok', 10],
      ['helper', 'openai', 'ok', 10],
      ['helper', 'openai', 'ok', 10],
      ['main', 'openai', 'ok', 10],
    ],
  );
  assert.ok(!JSON.stringify(rec.spans).includes('secret prompt text'), 'no content without capture');
});

test('a provider failure fails the chat and run spans with a code, and counts an error call', async () => {
  const rec = recorder(true);
  const deps = depsWith(rec.telemetry, [echo]);
  const failing = agent(
    'f',
    scriptedChatModel([new UpstreamError('provider said: secret detail', { retryable: false })]),
    [],
  );
  await assert.rejects(runAgent(deps, input(failing, rec.root, 'the prompt')));
  const chat = rec.spans.find((s) => s.name.startsWith('chat'))!;
  const run = rec.spans.find((s) => s.name === 'invoke_agent f')!;
  assert.equal(chat.failed, 'upstream_error');
  assert.equal(run.failed, 'upstream_error');
  assert.ok(chat.ended && run.ended);
  assert.deepEqual(chat.contents['gen_ai.input.messages'], [{ role: 'user', content: 'the prompt' }]);
  assert.equal(rec.llm[0]!.outcome, 'error');
  assert.ok(!JSON.stringify(rec.spans).includes('secret detail'), 'error messages are not recorded');
});
