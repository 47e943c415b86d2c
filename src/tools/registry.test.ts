import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { ConfigError, ToolError } from '../shared/index.ts';
import { createToolRegistry, defineTool, type Tool } from './index.ts';

function tool(name: string): Tool {
  return defineTool({
    name,
    description: `${name} tool`,
    args: z.strictObject({}),
    execute: async () => ({ output: name, isError: false }),
  });
}

test('forAgent returns exactly the listed tools, in the order listed', () => {
  const registry = createToolRegistry([tool('a'), tool('b'), tool('c')]);
  assert.deepEqual(
    registry.forAgent(['c', 'a']).map((t) => t.name),
    ['c', 'a'],
  );
  assert.deepEqual(registry.forAgent([]), []);
  assert.deepEqual(registry.names(), ['a', 'b', 'c']);
  assert.equal(registry.get('b')?.name, 'b');
});

test('forAgent with an unknown or repeated name throws instead of silently dropping it', () => {
  const registry = createToolRegistry([tool('a')]);
  assert.throws(
    () => registry.forAgent(['a', 'nope']),
    (e: unknown) => e instanceof ToolError && /unknown tool "nope"; registered tools and toolsets: a/.test(e.message),
  );
  assert.throws(() => registry.forAgent(['a', 'a']), /listed twice/);
});

test('lookups never resolve inherited properties', () => {
  const registry = createToolRegistry([tool('a')]);
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    assert.equal(registry.get(name), undefined);
    assert.throws(() => registry.forAgent([name]), ToolError);
  }
});

test('duplicate names are rejected at construction', () => {
  assert.throws(
    () => createToolRegistry([tool('a'), tool('b'), tool('a')]),
    (e: unknown) => e instanceof ConfigError && /duplicate tool name "a"/.test(e.message),
  );
});

test('names providers would reject, and non-object schemas, are rejected at construction', () => {
  const bad: Tool = { ...tool('x'), name: 'has space' };
  assert.throws(
    () => createToolRegistry([bad]),
    (e: unknown) => e instanceof ConfigError && /invalid tool name/.test(e.message),
  );
  assert.throws(() => createToolRegistry([{ ...tool('x'), name: 'x'.repeat(65) }]), ConfigError);
  const notObject = { ...tool('x'), inputSchema: { type: 'string' } } as unknown as Tool;
  assert.throws(() => createToolRegistry([notObject]), /must have type "object"/);
});

test('the registry and its lists are frozen', () => {
  const registry = createToolRegistry([tool('a'), tool('b')]);
  assert.ok(Object.isFrozen(registry.names()));
  assert.ok(Object.isFrozen(registry.forAgent(['a'])));
  assert.ok(Object.isFrozen(registry));
});

test('defineTool emits a strict JSON Schema (no $schema) and re-validates when called directly', async () => {
  const t = defineTool({
    name: 'echo',
    description: 'Echo',
    args: z.strictObject({ text: z.string(), times: z.number().int().min(1).default(1) }),
    execute: async (args) => ({ output: args.text.repeat(args.times), isError: false }),
  });
  assert.deepEqual(t.inputSchema, {
    type: 'object',
    properties: {
      text: { type: 'string' },
      times: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, default: 1 },
    },
    required: ['text'],
    additionalProperties: false,
  });
  const context = { scope: { appId: 'a', userId: 'u' }, agent: 'x', signal: new AbortController().signal };
  assert.deepEqual(await t.execute({ text: 'ab' }, context), { output: 'ab', isError: false });
  const bad = await t.execute({ text: 1 }, context);
  assert.equal(bad.isError, true);
  assert.match(bad.output, /invalid arguments for tool "echo"/);
});
