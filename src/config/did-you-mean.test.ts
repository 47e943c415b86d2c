import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closest, editDistance, suggestion } from './did-you-mean.ts';

test('edit distance counts adjacent transpositions as one edit', () => {
  assert.equal(editDistance('agnets', 'agents'), 1);
  assert.equal(editDistance('modle', 'model'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('closest: plausible typos only, case and - insensitive, prefixes', () => {
  const keys = ['provider', 'model', 'api_key', 'base_url', 'max_tokens'];
  assert.equal(closest('modle', keys), 'model');
  assert.equal(closest('Model', keys), 'model');
  assert.equal(closest('apikey', keys), 'api_key');
  assert.equal(closest('max-tokens', keys), 'max_tokens');
  assert.equal(closest('maxTokens', keys), 'max_tokens');
  assert.equal(closest('provder', keys), 'provider');
  assert.equal(closest('temperature', keys), undefined);
  assert.equal(closest('x', keys), undefined);
  assert.equal(closest('warning', ['warn', 'error']), 'warn');
  assert.equal(closest('anything', []), undefined);
});

test('suggestion: did-you-mean, else the list', () => {
  assert.equal(suggestion('agnets', ['agents', 'llms'], 'allowed keys'), 'did you mean `agents`?');
  assert.equal(suggestion('zzz', ['agents', 'llms'], 'allowed keys'), 'allowed keys: agents, llms');
  assert.equal(suggestion('zzz', [], 'allowed keys'), undefined);
});
