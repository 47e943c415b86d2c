/**
 * The Authorization header grammar, attacked: only `Bearer <token>` (scheme in any case, one or more spaces) with
 * a token of [A-Za-z0-9._~+/=-], at most 8 KiB. Everything else is malformed, even when it contains the secret.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuthenticator } from './index.ts';

const SECRET = 'header-test-secret-0123456789';
const auth = createAuthenticator({ secret: SECRET, defaultTenant: 'default' });

async function reason(header: string | undefined): Promise<string> {
  const result = await auth.authenticate(header);
  return result.ok ? `ok:${result.principal.method}` : result.reason;
}

test('absent or empty header → missing_credentials', async () => {
  assert.equal(await reason(undefined), 'missing_credentials');
  assert.equal(await reason(''), 'missing_credentials');
});

test('the scheme alone, or with only spaces → malformed_header', async () => {
  for (const header of ['Bearer', 'Bearer ', 'Bearer  ', 'bearer   ', 'Bearer\t']) {
    assert.equal(await reason(header), 'malformed_header', JSON.stringify(header));
  }
});

test('the scheme is case-insensitive and any number of spaces separate it from the token', async () => {
  for (const header of [`Bearer ${SECRET}`, `bearer ${SECRET}`, `BEARER ${SECRET}`, `bEaReR    ${SECRET}`]) {
    assert.equal(await reason(header), 'ok:secret', header);
  }
});

test('other schemes carrying the right secret are refused', async () => {
  const basic = Buffer.from(`admin:${SECRET}`).toString('base64');
  for (const header of [
    `Basic ${basic}`,
    `Basic ${SECRET}`,
    `Token ${SECRET}`,
    `Bearer-${SECRET}`,
    `Bearer:${SECRET}`,
    `Bearers ${SECRET}`,
    `Bear ${SECRET}`,
    SECRET,
    `${SECRET} Bearer`,
  ]) {
    assert.equal(await reason(header), 'malformed_header', header);
  }
});

test('two tokens, comma-joined values and parameters are malformed', async () => {
  for (const header of [
    `Bearer ${SECRET} ${SECRET}`,
    `Bearer ${SECRET}, Bearer ${SECRET}`,
    `Bearer ${SECRET},Bearer ${SECRET}`,
    `Bearer x, Bearer ${SECRET}`,
    `Basic Zm9vOmJhcg==, Bearer ${SECRET}`,
    `Bearer token="${SECRET}"`,
    `Bearer ${SECRET};`,
  ]) {
    assert.equal(await reason(header), 'malformed_header', header);
  }
});

test('tabs, newlines and other whitespace are not separators, and nothing is trimmed', async () => {
  for (const header of [
    `Bearer\t${SECRET}`,
    `Bearer \t${SECRET}`,
    `Bearer ${SECRET}\t`,
    `Bearer ${SECRET} `,
    ` Bearer ${SECRET}`,
    `Bearer\n${SECRET}`,
    `Bearer ${SECRET}\r\n`,
    `Bearer\u00a0${SECRET}`,
    `Bearer\u2003${SECRET}`,
    `Bearer ${SECRET}\u0000`,
  ]) {
    assert.equal(await reason(header), 'malformed_header', JSON.stringify(header));
  }
});

test('unicode in the scheme or token is malformed (homoglyphs, fullwidth, combining marks)', async () => {
  for (const header of [
    `Веarer ${SECRET}`, // Cyrillic "Ве"
    `Ｂearer ${SECRET}`,
    `Bearer ${SECRET}é`,
    `Bearer ${SECRET.slice(0, -1)}ｏ`,
    `Bearer ${SECRET}\u0301`,
    `Bearer ${SECRET}\u200b`,
    'Bearer 🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑',
  ]) {
    assert.equal(await reason(header), 'malformed_header', JSON.stringify(header));
  }
});

test('token characters outside [A-Za-z0-9._~+/=-] are malformed; inside them they are compared', async () => {
  for (const bad of [
    '!',
    '"',
    '#',
    '$',
    '%',
    '&',
    "'",
    '(',
    '*',
    ':',
    ';',
    '<',
    '>',
    '?',
    '@',
    '[',
    '\\',
    '^',
    '`',
    '{',
    '|',
  ]) {
    assert.equal(await reason(`Bearer ${SECRET}${bad}`), 'malformed_header', bad);
  }
  for (const ok of ['.', '_', '~', '+', '/', '=', '-']) {
    assert.equal(await reason(`Bearer ${SECRET}${ok}`), 'invalid_credentials', ok);
  }
});

test('very long headers: a token of 8 KiB is compared, one character more is malformed', async () => {
  assert.equal(await reason(`Bearer ${'a'.repeat(8192)}`), 'invalid_credentials');
  assert.equal(await reason(`Bearer ${'a'.repeat(8193)}`), 'malformed_header');
  assert.equal(await reason(`Bearer ${'a'.repeat(1024 * 1024)}`), 'malformed_header');
  assert.equal(await reason(`Bearer ${' '.repeat(100_000)}${SECRET}`), 'malformed_header');
  assert.equal(await reason(`${'Bearer '.repeat(10_000)}${SECRET}`), 'malformed_header');
});

test('a non-string header value (e.g. an array from a raw header API) is malformed, not an exception', async () => {
  const asUnknown = [`Bearer ${SECRET}`] as unknown as string;
  assert.equal(await reason(asUnknown), 'malformed_header');
});
