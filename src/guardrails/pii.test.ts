import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findPii, nonOverlapping, PII_KINDS, type PiiKind, type Span } from './pii.ts';

/** The spans findPii returns, with the text each one covers. */
function found(text: string, kinds: readonly PiiKind[] = PII_KINDS) {
  return findPii(text, kinds).map((s) => ({ kind: s.kind, value: text.slice(s.start, s.end), start: s.start }));
}

/** The expected span for `value`, located at its first occurrence in `text`. */
function at(text: string, value: string, kind: string) {
  const start = text.indexOf(value);
  assert.ok(start >= 0, `${value} is in the text`);
  return { kind, value, start };
}

function expectOnly(text: string, kind: PiiKind, ...values: string[]) {
  assert.deepEqual(
    found(text),
    values.map((v) => at(text, v, kind)),
    text,
  );
}

function expectNone(text: string) {
  assert.deepEqual(found(text), [], text);
}

test('emails are found with their exact span, without surrounding punctuation', () => {
  const text = 'Write to alice.smith+tag@example.co.uk, or (bob@test.org).';
  expectOnly(text, 'email', 'alice.smith+tag@example.co.uk', 'bob@test.org');
});

test('international phone numbers with a + country code', () => {
  for (const phone of ['+44 20 7946 0958', '+1 (415) 555-2671', '+49 30 12345678', '+33 1 23 45 67 89']) {
    expectOnly(`call ${phone} today`, 'phone', phone);
  }
});

test('North American phone numbers in the common shapes', () => {
  for (const phone of ['415-555-2671', '(415) 555-2671', '415.555.2671', '1-415-555-2671']) {
    expectOnly(`call ${phone} today`, 'phone', phone);
  }
});

test('SSNs: dashed anywhere, spaced or bare only after the word SSN', () => {
  expectOnly('record 123-45-6789 filed', 'ssn', '123-45-6789');
  expectOnly('SSN: 078 05 1120', 'ssn', '078 05 1120');
  expectOnly('my ssn is 123456789', 'ssn', '123456789');
  expectOnly('Social Security Number: 173669570', 'ssn', '173669570');
  expectNone('ref 123 45 6789');
  expectNone('count 123456789');
});

test('invalid SSNs (area 000, 666, 9xx; group 00; serial 0000) are not SSNs even after "SSN"', () => {
  for (const ssn of ['000-12-3456', '666-12-3456', '900-12-3456', '999-12-3456', '123-00-4567', '123-45-0000']) {
    expectNone(`SSN ${ssn}`);
  }
});

test('Luhn-valid card numbers in several groupings', () => {
  for (const card of [
    '4111111111111111',
    '4111 1111 1111 1111',
    '4111-1111-1111-1111',
    '5555555555554444',
    '3782 822463 10005',
    '3056 930902 5904',
    '4111 1111 1111 1111 110',
  ]) {
    expectOnly(`card ${card} on file`, 'credit_card', card);
  }
});

test('Luhn-failing 16-digit numbers and mixed separators are not cards', () => {
  expectNone('Order #4111 1111 1111 1112');
  expectNone('tracking 1234567812345678');
  expectNone('Reference: 1670-7248-9940-8344');
  expectNone('card 4111 1111-1111 1111');
});

test('IBANs with and without spaces; a wrong check digit is rejected', () => {
  expectOnly('pay GB82 WEST 1234 5698 7654 32 now', 'iban', 'GB82 WEST 1234 5698 7654 32');
  expectOnly('pay GB82WEST12345698765432 now', 'iban', 'GB82WEST12345698765432');
  expectOnly('to DE89370400440532013000.', 'iban', 'DE89370400440532013000');
  expectOnly('FR14 2004 1010 0505 0001 3M02 606', 'iban', 'FR14 2004 1010 0505 0001 3M02 606');
  expectNone('pay GB83WEST12345698765432 now');
  expectNone('pay GB82 WEST 1234 5698 7654 33 now');
});

test('IPv4 and IPv6 addresses, including compressed and IPv4-mapped forms', () => {
  expectOnly('host 192.168.1.20 is up', 'ip', '192.168.1.20');
  expectOnly('dns 8.8.8.8.', 'ip', '8.8.8.8');
  for (const ip of [
    '2001:db8::1',
    'fe80::1%eth0',
    '::1',
    '::ffff:1.2.3.4',
    '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
  ]) {
    expectOnly(`addr ${ip} seen`, 'ip', ip);
  }
});

test('version strings, C++ scopes, MAC addresses and times are not addresses', () => {
  expectNone('released v1.2.3.4 today');
  expectNone('running version 10.0.0.1 now');
  expectNone('Chrome 120.0.6099.109');
  expectNone('std::vector<std::string> v;');
  expectNone('ether a4:83:e7:12:9b:0c txqueuelen 1000');
  expectNone('meet at 12:30:45 or 10:00');
  expectNone('the :: operator');
});

test('the second dotted quad of a version change is not an address', () => {
  expectNone('upgraded the SDK from 1.2.3.4 to 1.2.4.0');
});

test('asset names and npm scopes are not emails', () => {
  expectNone('Retina assets: logo@2x.png and icon@3x.webp');
  expectNone('npm i @scope/pkg and @scope/pkg@1.2.3');
});

const PEM_BODY =
  'MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==';
const SECRETS: Record<string, string> = {
  pem: `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`,
  pemPkcs8: `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\n-----END PRIVATE KEY-----`,
  jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  anthropic: `sk-ant-api03-${'aB3_'.repeat(10)}`,
  openai: `sk-${'Pcv9XCm3AfENyIBU'.repeat(3)}`,
  openaiProject: `sk-proj-${'us17FjzEjeG3Rkyp_C8J'.repeat(4)}`,
  github: `ghp_${'a1B2c3D4e5F6'.repeat(3)}`,
  githubPat: `github_pat_${'A1b2_'.repeat(12)}`,
  aws: 'AKIAIOSFODNN7EXAMPLE',
  slack: 'xoxb-1234567890-abcdefghij',
  slackWebhook: 'https://hooks.slack.com/services/T0001/B0001/XXXXXXXXXXXX',
  google: 'AIzaSy0123456789abcdefghijklmnopqrstuvw',
  stripe: `sk_live_${'a1B2'.repeat(6)}`,
};

test('each secret format is found whole', () => {
  for (const [name, secret] of Object.entries(SECRETS)) {
    const text = `${name}:\n${secret}\nafter`;
    assert.deepEqual(found(text), [at(text, secret, 'secret')], name);
  }
});

test('an AWS secret access key: only the value after the key name is redacted', () => {
  const value = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const text = `aws_secret_access_key = ${value}\n`;
  assert.deepEqual(found(text), [at(text, value, 'secret')]);
});

test('a truncated PEM block (BEGIN without END) is redacted through its base64 lines', () => {
  const text = `key:\n-----BEGIN PRIVATE KEY-----\n${PEM_BODY}`;
  assert.deepEqual(found(text), [at(text, `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}`, 'secret')]);
});

test('digits inside a PEM block are never reported as cards, phones or IPs', () => {
  const body = '4111111111111111\n192.168.1.20\n+44 20 7946 0958';
  const text = `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`;
  assert.deepEqual(found(text), [{ kind: 'secret', value: text, start: 0 }]);
});

test('a token right before an @ is redacted as a secret, not as part of an email', () => {
  const token = SECRETS.github!;
  const text = `${token}@example.com`;
  assert.deepEqual(found(text), [at(text, token, 'secret')]);
  // Without the secret kind the same text is an email.
  assert.deepEqual(found(text, ['email']), [{ kind: 'email', value: text, start: 0 }]);
});

test('spans of a mixed text are sorted and non-overlapping', () => {
  const text = `Contact a@b.co or +44 20 7946 0958, ip 10.0.0.1, card 4111111111111111, key ${SECRETS.openai}, SSN 123-45-6789`;
  const spans = findPii(text, PII_KINDS);
  assert.deepEqual(
    spans.map((s) => s.kind),
    ['email', 'phone', 'ip', 'credit_card', 'secret', 'ssn'],
  );
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i - 1]!.end <= spans[i]!.start);
});

test('nonOverlapping keeps secrets first, then the earliest and longest of the rest', () => {
  const spans: Span[] = [
    { start: 0, end: 5, kind: 'email' },
    { start: 0, end: 10, kind: 'phone' },
    { start: 8, end: 12, kind: 'secret' },
    { start: 14, end: 20, kind: 'ip' },
    { start: 15, end: 16, kind: 'ssn' },
  ];
  assert.deepEqual(nonOverlapping(spans), [
    { start: 0, end: 5, kind: 'email' },
    { start: 8, end: 12, kind: 'secret' },
    { start: 14, end: 20, kind: 'ip' },
  ]);
});

test('custom patterns are reported under their own name, alongside built-in kinds', () => {
  const text = 'employee EMP-123456 mailed a@b.co';
  const spans = findPii(text, ['email'], [{ name: 'employee_id', regex: /EMP-\d{6}/g }]);
  assert.deepEqual(
    spans.map((s) => [s.kind, text.slice(s.start, s.end)]),
    [
      ['employee_id', 'EMP-123456'],
      ['email', 'a@b.co'],
    ],
  );
  assert.deepEqual(findPii(text, [], [{ name: 'employee_id', regex: /EMP-\d{6}/g }]).length, 1);
});

test('only the requested kinds are searched', () => {
  const text = 'a@b.co 10.0.0.1 4111111111111111';
  assert.deepEqual(
    findPii(text, ['ip']).map((s) => s.kind),
    ['ip'],
  );
  assert.deepEqual(findPii(text, []), []);
});
