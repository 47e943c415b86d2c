import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { findPii } from './pii.ts';
import { applyRedactions, createRedactor } from './redact.ts';

const KEY = 'k'.repeat(32);
const OTHER_KEY = 'x'.repeat(40);
const TEXT = 'Mail alice@example.com or call +44 20 7946 0958.';

function redact(mode: 'mask' | 'remove' | 'hash', key?: string, text = TEXT): string {
  return applyRedactions(text, findPii(text, ['email', 'phone']), createRedactor(mode, key));
}

test('mask replaces each span with its upper-cased kind label', () => {
  assert.equal(redact('mask'), 'Mail [EMAIL REDACTED] or call [PHONE REDACTED].');
  assert.equal(createRedactor('mask').replacement('employee_id', 'E1'), '[EMPLOYEE_ID REDACTED]');
});

test('remove deletes each span and keeps the text around it', () => {
  assert.equal(redact('remove'), 'Mail  or call .');
});

test('applyRedactions with no spans returns the text unchanged', () => {
  assert.equal(applyRedactions('nothing here', [], createRedactor('mask')), 'nothing here');
});

test('hash gives a labelled 16-hex-digit token, equal for equal values under the same key', () => {
  const r = createRedactor('hash', KEY);
  const a = r.replacement('email', 'alice@example.com');
  assert.match(a, /^\[EMAIL [0-9a-f]{16}\]$/);
  assert.equal(r.replacement('email', 'alice@example.com'), a);
  assert.equal(createRedactor('hash', KEY).replacement('email', 'alice@example.com'), a);
  assert.notEqual(r.replacement('email', 'bob@example.com'), a);
  assert.equal(redact('hash', KEY), redact('hash', KEY));
});

test('hash tokens differ across keys and across kinds for the same value', () => {
  const value = 'alice@example.com';
  const a = createRedactor('hash', KEY).replacement('email', value);
  const b = createRedactor('hash', OTHER_KEY).replacement('email', value);
  assert.notEqual(a.slice(7), b.slice(7));
  const asSecret = createRedactor('hash', KEY).replacement('secret', value);
  assert.notEqual(asSecret.slice(-17), a.slice(-17));
});

test('a hash token contains neither the value nor an unkeyed SHA-256 of it', () => {
  const value = 'alice@example.com';
  const out = redact('hash', KEY);
  assert.ok(!out.includes(value));
  assert.ok(!out.includes('alice'));
  const token = /\[EMAIL ([0-9a-f]{16})\]/.exec(out)![1]!;
  for (const input of [value, `email${value}`, `email\0${value}`]) {
    const plain = createHash('sha256').update(input).digest('hex');
    assert.ok(!plain.includes(token), `not sha256(${JSON.stringify(input)})`);
  }
});

test('hash mode refuses a missing key or one shorter than 32 characters', () => {
  assert.throws(() => createRedactor('hash'), /at least 32 characters/);
  assert.throws(() => createRedactor('hash', 'k'.repeat(31)), /at least 32 characters/);
  assert.doesNotThrow(() => createRedactor('hash', 'k'.repeat(32)));
  assert.doesNotThrow(() => createRedactor('mask'));
});
