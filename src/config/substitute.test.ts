import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envLookup, substitute } from './substitute.ts';

const env = envLookup({ A: 'alpha', EMPTY: '', N: '8080', UNDEF: undefined });
const sub = (text: string) => substitute(text, env, 'x.y');

test('${VAR}, ${VAR:-default}, several references in one string', () => {
  assert.deepEqual(sub('${A}'), { value: 'alpha', fromEnv: ['alpha'], problems: [], changed: true });
  assert.equal(sub('pre-${A}-${N}-post').value, 'pre-alpha-8080-post');
  assert.deepEqual(sub('pre-${A}-${N}-post').fromEnv, ['alpha', '8080']);
  assert.deepEqual(sub('${MISSING:-dflt}'), { value: 'dflt', fromEnv: [], problems: [], changed: true });
  assert.equal(sub('${EMPTY:-dflt}').value, 'dflt', 'an empty variable takes the default');
  assert.equal(sub('${A:-dflt}').value, 'alpha');
  assert.equal(sub('${MISSING:-}').value, '');
  assert.equal(sub('${MISSING:-a:b -c d}').value, 'a:b -c d');
});

test('bare $VAR, lone $ and $$ are left alone; $${VAR} is a literal ${VAR}', () => {
  assert.deepEqual(sub('$A and $ and $$A'), { value: '$A and $ and $$A', fromEnv: [], problems: [], changed: false });
  assert.equal(sub('$${A}').value, '${A}');
  assert.equal(sub('$${A} is ${A}').value, '${A} is alpha');
  assert.equal(sub('$${').value, '${');
});

test('missing and empty variables are errors naming the variable and the path, never a value', () => {
  assert.deepEqual(sub('${MISSING}').problems, [
    { message: 'environment variable MISSING is not set (referenced by x.y); set it or add it to .env' },
  ]);
  assert.deepEqual(sub('${UNDEF}').problems.length, 1);
  assert.deepEqual(sub('${EMPTY}').problems, [
    {
      message: 'environment variable EMPTY is empty (referenced by x.y); set it to a value',
      hint: 'write ${EMPTY:-} if an empty value is intended',
    },
  ]);
  // Two missing variables in one string: both reported.
  assert.equal(sub('${M1}/${M2}').problems.length, 2);
});

test('malformed references are errors', () => {
  const hint = 'write ${NAME} or ${NAME:-default}; for a literal "${" write "$${"';
  assert.deepEqual(sub('abc ${A').problems, [{ message: 'unclosed "${" in "${A"', hint }]);
  assert.deepEqual(sub('${1A}').problems, [{ message: 'invalid environment variable reference "${1A}"', hint }]);
  assert.deepEqual(sub('${}').problems, [{ message: 'invalid environment variable reference "${}"', hint }]);
  assert.deepEqual(sub('${A-x}').problems, [{ message: 'invalid environment variable reference "${A-x}"', hint }]);
  assert.deepEqual(sub('${A:?x}').problems, [{ message: 'invalid environment variable reference "${A:?x}"', hint }]);
  assert.deepEqual(sub('${A B}').problems.length, 1);
  assert.deepEqual(sub('${A:-${B}}').problems, [
    { message: 'nested "${" in the default of ${A:-…} is not supported', hint: 'defaults are literal text' },
  ]);
});

test('the lookup only sees own string properties (no prototype names)', () => {
  const lookup = envLookup({});
  for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) assert.equal(lookup(name), undefined);
  assert.equal(substitute('${constructor}', lookup, 'p').problems.length, 1);
  assert.equal(envLookup({ valueOf: 'v' })('valueOf'), 'v', 'an own property with such a name is a real variable');
  assert.equal(envLookup({ X: 1 as unknown as string })('X'), undefined, 'non-string values are ignored');
});
