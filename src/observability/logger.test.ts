import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createAuditSink } from './audit.ts';
import { createLogger, createScrubber, createSecretSet } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, stream: stream as unknown as NodeJS.WritableStream & { write(s: string): boolean } };
}

const SECRET = 'sk-live-ABCDEFGHIJ0123456789';

test('secrets are scrubbed from messages, fields, nested objects and errors', () => {
  const out = capture();
  const log = createLogger({ level: 'info', format: 'json', secrets: [SECRET], destination: out.stream });
  log.info({ component: 'x', detail: `key=${SECRET}`, nested: { deep: [SECRET] } }, `calling with ${SECRET}`);
  log.error({ err: new Error(`failed with ${SECRET}`) }, 'boom');
  const all = out.lines.join('');
  assert.ok(out.lines.length >= 2);
  assert.ok(!all.includes(SECRET), all);
  assert.match(all, /\[redacted\]/);
});

test('a secret containing JSON-escaped characters is scrubbed in its escaped form too', () => {
  const tricky = 'p"ss\\word-1234';
  const out = capture();
  const log = createLogger({ level: 'info', format: 'json', secrets: [tricky], destination: out.stream });
  log.info({ value: tricky }, 'x');
  const all = out.lines.join('');
  assert.ok(!all.includes(JSON.stringify(tricky).slice(1, -1)), all);
  assert.ok(!all.includes(tricky));
});

test('authorization headers and api_key fields are redacted even when not registered as secrets', () => {
  const out = capture();
  const log = createLogger({ level: 'info', format: 'json', secrets: [], destination: out.stream });
  log.info({ headers: { authorization: 'Bearer abc.def.ghi' }, api_key: 'plain-key-value' }, 'req');
  const all = out.lines.join('');
  assert.ok(!all.includes('abc.def.ghi'));
  assert.ok(!all.includes('plain-key-value'));
});

test('json lines carry timestamp and a word level; text format is scrubbed too', () => {
  const out = capture();
  const log = createLogger({ level: 'info', format: 'json', secrets: [], destination: out.stream });
  log.info({ component: 'auth', action: 'authenticate' }, 'hello');
  const obj = JSON.parse(out.lines[0]!);
  assert.equal(obj.level, 'info');
  assert.match(obj.timestamp, /^\d{4}-\d\d-\d\dT/);
  assert.equal(obj.component, 'auth');

  const txt = capture();
  const tlog = createLogger({ level: 'info', format: 'text', secrets: [SECRET], destination: txt.stream });
  tlog.warn({ component: 'server', value: SECRET }, `uses ${SECRET}`);
  assert.match(txt.lines[0]!, /WARN {2}\[server\] uses \[redacted\]/);
  assert.ok(!txt.lines[0]!.includes(SECRET));
});

test('scrubber ignores very short values and handles overlapping secrets (longest first)', () => {
  const scrub = createScrubber(['abc', 'token-1234', 'token-1234-extended']);
  assert.equal(scrub('abc token-1234-extended token-1234'), 'abc [redacted] [redacted]');
});

test('audit events go through the logger and the persist hook; persist failures never throw', async () => {
  const out = capture();
  const log = createLogger({ level: 'info', format: 'json', secrets: [], destination: out.stream });
  const persisted: unknown[] = [];
  const sink = createAuditSink({
    logger: log,
    persist: async (e) => {
      persisted.push(e);
    },
  });
  sink.emit({ component: 'agent', action: 'request', user: 'u1', tenant: 'default', success: true, request_id: 'r1' });
  await sink.flush();
  assert.equal(persisted.length, 1);
  const line = JSON.parse(out.lines[0]!);
  assert.equal(line.audit, true);
  assert.equal(line.component, 'agent');
  assert.equal(line.action, 'request');
  assert.equal(line.user, 'u1');
  assert.equal(line.success, true);

  const failing = createAuditSink({
    logger: log,
    persist: async () => {
      throw new Error('disk full');
    },
  });
  failing.emit({ component: 'x', action: 'y', user: null, tenant: 'default', success: false, request_id: null });
  await failing.flush();
  assert.match(out.lines.join(''), /failed to persist audit event/);
});

test('a secret set grows while the logger runs: values added later are scrubbed from then on', () => {
  const { lines, stream } = capture();
  const secrets = createSecretSet([SECRET]);
  const logger = createLogger({ level: 'info', format: 'json', secrets, destination: stream });
  const late = 'sk-app-literal-key-0123456789';
  logger.info({ key: late }, `before ${SECRET}`);
  secrets.add([late, 'abc']);
  logger.info({ key: late }, `after ${late}`);
  assert.match(lines[0]!, new RegExp(late), 'not yet known');
  assert.ok(!lines[0]!.includes(SECRET));
  assert.ok(!lines[1]!.includes(late), lines[1]);
  assert.match(lines[1]!, /after \[redacted\]/);
  assert.equal(secrets.scrub('abc'), 'abc', 'values under 4 characters are ignored');
});

test('line separators and C1 controls in logged values are escaped, in JSON and text lines', () => {
  for (const format of ['json', 'text'] as const) {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info', format, secrets: [], destination: stream });
    logger.info({ user: 'eve\u2028{"forged":true}\u009b31m' }, 'hello\u2029there');
    const line = lines.join('');
    assert.ok(!/[\u0080-\u009f\u2028\u2029]/.test(line), `${format}: ${JSON.stringify(line)}`);
    assert.match(line, /\\u2028/);
    if (format === 'json') assert.equal(JSON.parse(line).user, 'eve\u2028{"forged":true}\u009b31m', 'still valid JSON');
  }
});

test('text lines escape control characters in the message, and JSON literals are never scrubbed as secrets', () => {
  const { lines, stream } = capture();
  const logger = createLogger({
    level: 'info',
    format: 'text',
    secrets: ['true', '1000', SECRET],
    destination: stream,
  });
  logger.info({ component: 'mcp' }, 'tool list from server:\nFAKE LINE \u001b[31mred');
  assert.equal(lines.length, 1);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for raw control characters
  assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(lines[0]!.slice(0, -1)), JSON.stringify(lines[0]));
  assert.match(lines[0]!, /\\u000aFAKE LINE \\u001b\[31mred/);
  const json = capture();
  createLogger({ level: 'info', format: 'json', secrets: ['true', '1000'], destination: json.stream }).info(
    { success: true, limit: 1000 },
    'x',
  );
  assert.deepEqual(
    [JSON.parse(json.lines[0]!).success, JSON.parse(json.lines[0]!).limit],
    [true, 1000],
    'the line stays valid JSON',
  );
});
