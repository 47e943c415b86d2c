import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidRequestError } from '../shared/index.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

test('a cursor round-trips its key and is URL-safe', () => {
  const key = { createdAt: '2025-01-02T03:04:05.006Z', id: "task/ü 'x'" };
  const cursor = encodeCursor(key);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor(cursor), key);
});

test('anything else is InvalidRequestError', () => {
  const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  for (const bad of [
    '',
    'x'.repeat(3000),
    'has spaces',
    'a+b/c=',
    b64('{'),
    b64([1]),
    b64({ v: 1, t: '2025-01-02T03:04:05.006Z' }),
    b64({ v: 1, t: '2025-01-02T03:04:05Z', i: 'x' }),
    b64({ v: 1, t: '2025-13-45T03:04:05.006Z', i: 'x' }),
    b64({ v: 1, t: '2025-01-02T03:04:05.006Z', i: '' }),
    b64({ v: '1', t: '2025-01-02T03:04:05.006Z', i: 'x' }),
    42,
    null,
  ]) {
    assert.throws(() => decodeCursor(bad), InvalidRequestError, String(bad).slice(0, 40));
  }
});
