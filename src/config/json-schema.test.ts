import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configJsonSchema } from './index.ts';
import { SCHEMA_FILE, schemaFileText } from './write-schema.ts';

test('the committed JSON Schema is up to date', () => {
  let committed = '';
  try {
    committed = readFileSync(SCHEMA_FILE, 'utf8');
  } catch {
    // missing counts as stale
  }
  assert.ok(
    committed === schemaFileText(),
    'schema/hector-config.schema.json is stale; run `npx hector schema > schema/hector-config.schema.json`',
  );
  assert.ok(committed.endsWith('}\n'));
  assert.deepEqual(JSON.parse(committed), configJsonSchema());
});

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

test('the schema is strict everywhere and describes the input form', () => {
  const schema = configJsonSchema();
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.deepEqual(schema.required, ['version', 'agents']);
  // Every object with properties forbids others (unknown keys are errors at runtime too).
  let objects = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    if (!isObj(v)) return;
    if (isObj(v.properties)) {
      objects++;
      assert.equal(v.additionalProperties, false, `not strict: ${Object.keys(v.properties).join(',')}`);
    }
    Object.values(v).forEach(walk);
  };
  walk(schema);
  assert.ok(objects >= 6);
  const props = schema.properties as Json;
  const server = (props.server as Json).properties as Json;
  // Input form: durations are strings with a unit and a string default; numbers accept ${VAR} references.
  assert.equal((server.shutdown_timeout as Json).default, '10s');
  const port = server.port as Json;
  assert.equal(port.default, 8080);
  const alternatives = port.anyOf as Json[];
  assert.deepEqual(alternatives[0], { type: 'integer', minimum: 0, maximum: 65535 });
  const reference = new RegExp(String(alternatives.at(-1)?.pattern));
  assert.ok(reference.test('${PORT:-8080}'));
  assert.ok(reference.test('${PORT}'));
  assert.ok(!reference.test('8080'));
  // Keys are never substituted, so name patterns have no ${VAR} alternative.
  assert.deepEqual((props.agents as Json).propertyNames, { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' });
  // A fresh object every call.
  assert.notEqual(configJsonSchema(), configJsonSchema());
});
