import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequest, ChatResult } from '../providers/index.ts';
import { createMemoryStore, createRateLimiter } from '../ratelimit/index.ts';
import { RateLimitedError } from '../shared/index.ts';
import { DEFAULT_OUTPUT_CAP, estimatePromptTokens, withTokenBudget } from './token-budget.ts';
import type { AgentDefinition, ResumeInput, RuntimeDeps } from './types.ts';

const clock = { now: () => Date.UTC(2026, 11, 1, 12) };

function setup(limit: number, maxOutputTokens?: number) {
  const limits = createRateLimiter({
    rules: [{ type: 'token', window: 'day', limit, scope: 'user' }],
    store: createMemoryStore({ now: clock.now }),
    clock,
  });
  const events: Record<string, unknown>[] = [];
  const deps = { limits, audit: { emit: (e: Record<string, unknown>) => events.push(e) } } as unknown as RuntimeDeps;
  const agent = { name: 'a', ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }) } as AgentDefinition;
  const input = {
    agent,
    requestId: 'req',
    taskId: 'task',
    signal: new AbortController().signal,
    rateSubject: { appId: 'default', userId: 'alice', address: '192.0.2.1' },
  } as unknown as ResumeInput;
  return { limits, deps, input, events };
}

/** The worst case a provider can report: a token per prompt byte, and the whole output cap. */
function worstCase(request: ChatRequest): Promise<ChatResult> {
  return Promise.resolve({
    text: 'x',
    toolCalls: [],
    finishReason: 'stop',
    usage: { inputTokens: estimatePromptTokens(request), outputTokens: request.maxTokens ?? DEFAULT_OUTPUT_CAP },
  });
}

const request = (text: string): ChatRequest => ({ messages: [{ role: 'user', content: text }], tools: [] });

test('the prompt estimate is at least one token per UTF-8 byte, whatever the text', () => {
  const adversarial = [
    Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256)).toString('base64'),
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 '.repeat(200),
    '\u200b'.repeat(1000),
    'a b c d '.repeat(500),
  ];
  for (const text of adversarial) {
    assert.ok(estimatePromptTokens(request(text)) >= Buffer.byteLength(text, 'utf8'));
  }
});

test('concurrent worst-case calls never overrun the quota; the rest are capped or refused', async () => {
  const { limits, deps, input, events } = setup(10_000, 300);
  const outcomes = await Promise.allSettled(
    Array.from({ length: 60 }, (_, i) => withTokenBudget(deps, input, request(`question ${i} `.repeat(20)), worstCase)),
  );
  const used = (await limits.usage(input.rateSubject!))[0]!.used;
  assert.ok(used <= 10_000, `used ${used}`);
  const refused = outcomes.filter((o) => o.status === 'rejected');
  assert.ok(refused.length > 0);
  for (const o of refused) assert.ok((o as PromiseRejectedResult).reason instanceof RateLimitedError);
  assert.equal(events.filter((e) => e.component === 'ratelimit' && e.stage === 'tokens').length, refused.length);
});

test('the output cap is the LLM max_tokens, or the default, and shrinks to what is left', async () => {
  const seen: (number | undefined)[] = [];
  const record = (r: ChatRequest) => {
    seen.push(r.maxTokens);
    return worstCase(r);
  };
  const withCap = setup(100_000, 250);
  await withTokenBudget(withCap.deps, withCap.input, request('hi'), record);
  const without = setup(100_000);
  await withTokenBudget(without.deps, without.input, request('hi'), record);
  const tight = setup(60);
  await withTokenBudget(tight.deps, tight.input, request('hi'), record);
  const prompt = estimatePromptTokens(request('hi'));
  assert.deepEqual(seen, [250, DEFAULT_OUTPUT_CAP, 60 - prompt]);
});

test('a failed call stays charged its prompt; a call without reported usage keeps its reservation', async () => {
  const { limits, deps, input } = setup(100_000, 100);
  const prompt = estimatePromptTokens(request('hi'));
  await assert.rejects(
    withTokenBudget(deps, input, request('hi'), () => Promise.reject(new Error('provider down'))),
    /provider down/,
  );
  assert.equal((await limits.usage(input.rateSubject!))[0]!.used, prompt);
  await withTokenBudget(deps, input, request('hi'), () =>
    Promise.resolve({ text: '', toolCalls: [], finishReason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } }),
  );
  assert.equal((await limits.usage(input.rateSubject!))[0]!.used, prompt + prompt + 100);
});

test('a call cancelled or broken off after output began keeps its whole reservation', async () => {
  const { limits, deps, input } = setup(100_000, 500);
  const controller = new AbortController();
  const granted = estimatePromptTokens(request('hi')) + 500;
  // Output streamed, then the provider connection breaks.
  await assert.rejects(
    withTokenBudget(deps, input, request('hi'), (_r, onOutput) => {
      onOutput();
      return Promise.reject(new Error('stream broke'));
    }),
  );
  assert.equal((await limits.usage(input.rateSubject!))[0]!.used, granted);
  // Cancelled by the client (the run's signal aborts) before the usage report.
  const cancelled = { ...input, signal: controller.signal } as ResumeInput;
  controller.abort(new Error('task canceled'));
  await assert.rejects(withTokenBudget(deps, cancelled, request('hi'), () => Promise.reject(new Error('aborted'))));
  assert.equal((await limits.usage(input.rateSubject!))[0]!.used, 2 * granted);
});

test('without a rate subject or token rules, the call runs unmetered', async () => {
  const { deps, input } = setup(1);
  const { rateSubject: _, ...anonymous } = input;
  const r = await withTokenBudget(deps, anonymous as ResumeInput, request('a long question'), worstCase);
  assert.equal(r.text, 'x');
});
