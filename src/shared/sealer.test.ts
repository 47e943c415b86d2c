import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSealer, parseEncryptionKey, SealError } from './sealer.ts';

const KEY = 'a'.repeat(64);
const ADMIN = 'admin-secret-0123456789';

test('sealed values open with the same key and binding, and never show the plaintext', () => {
  for (const sealer of [createSealer({ encryptionKey: KEY }), createSealer({ adminSecret: ADMIN })]) {
    const secret = '{"api_key":"sk-live-123456"}';
    const a = sealer.seal(secret, 'app:1:config');
    const b = sealer.seal(secret, 'app:1:config');
    assert.notEqual(a, b, 'a fresh nonce each time');
    assert.ok(!a.includes('sk-live') && !Buffer.from(a.split('.')[2]!, 'base64url').toString().includes('sk-live'));
    assert.equal(sealer.open(a, 'app:1:config'), secret);
    assert.equal(sealer.open(sealer.seal('', 'x'), 'x'), '');
  }
});

test('a wrong key, a wrong binding or any altered byte is a SealError', () => {
  const sealer = createSealer({ encryptionKey: KEY });
  const sealed = sealer.seal('plaintext value', 'app:1:config');
  assert.throws(() => sealer.open(sealed, 'app:2:config'), SealError, 'moved to another app');
  assert.throws(() => createSealer({ encryptionKey: 'b'.repeat(64) }).open(sealed, 'app:1:config'), SealError);
  assert.throws(() => createSealer({ adminSecret: ADMIN }).open(sealed, 'app:1:config'), SealError);
  const [v, n, body] = sealed.split('.') as [string, string, string];
  const bytes = Buffer.from(body, 'base64url');
  for (let i = 0; i < bytes.length; i++) {
    const copy = Buffer.from(bytes);
    copy[i]! ^= 1;
    assert.throws(() => sealer.open(`${v}.${n}.${copy.toString('base64url')}`, 'app:1:config'), SealError);
  }
  for (const bad of ['', 'v1', 'v2.a.b', `v1.${n}`, `v1..${body}`, `v1.${n}.`, 'plain text']) {
    assert.throws(() => sealer.open(bad, 'app:1:config'), SealError, bad);
  }
});

test('keys: 32 bytes as hex or base64; anything else is refused with how to make one', () => {
  assert.equal(parseEncryptionKey(KEY).length, 32);
  assert.equal(parseEncryptionKey(Buffer.alloc(32, 7).toString('base64')).length, 32);
  assert.equal(parseEncryptionKey(Buffer.alloc(32, 7).toString('base64url')).length, 32);
  for (const bad of [
    '',
    'short',
    'a'.repeat(63),
    'a'.repeat(66),
    'z'.repeat(64),
    Buffer.alloc(16).toString('base64'),
  ]) {
    assert.throws(() => parseEncryptionKey(bad), /openssl rand -hex 32/, bad);
  }
  assert.throws(() => createSealer({}), /no encryption key/);
  assert.throws(() => createSealer({ adminSecret: 'short' }), /no encryption key/);
});
