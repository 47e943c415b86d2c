/** The external moderation hook against a real local HTTP server, alone and inside a guardrail policy. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { parseConfigText } from '../config/index.ts';
import { type ContentOptions, createGuardrails, type ModerationHook } from '../guardrails/index.ts';
import { buildGuardrails } from './build-guardrails.ts';
import { createModerationHook, type ModerationHookOptions } from './moderation.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What the server answers on `/moderate` (set per test); every request is recorded in `seen`. */
let reply: (res: ServerResponse) => void = (res) => json(res, 200, { flagged: false });
const seen: Seen[] = [];

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    if (req.url === '/moderate') reply(res);
    else json(res, 200, { flagged: false, categories: ['reached_redirect_target'] });
  });
});
let base = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen.length = 0;
  reply = (res) => json(res, 200, { flagged: false });
});

function hook(options: Partial<ModerationHookOptions> = {}): ModerationHook {
  return createModerationHook({
    url: `${base}/moderate`,
    headers: {},
    timeoutMs: 2000,
    allowedRanges: ['127.0.0.1/32'],
    ...options,
  });
}

test('POSTs {input, stage} as JSON with the configured headers', async () => {
  const verdict = await hook({ headers: { Authorization: 'Bearer mod-token', 'X-Tenant': 'acme' } })(
    'some "text" ✓',
    'tool_result',
  );
  assert.deepEqual(verdict, { flagged: false, categories: [] });
  assert.equal(seen.length, 1);
  const [req] = seen;
  assert.equal(req?.method, 'POST');
  assert.equal(req?.url, '/moderate');
  assert.equal(req?.headers['content-type'], 'application/json');
  assert.equal(req?.headers.authorization, 'Bearer mod-token');
  assert.equal(req?.headers['x-tenant'], 'acme');
  assert.deepEqual(JSON.parse(req?.body ?? ''), { input: 'some "text" ✓', stage: 'tool_result' });
});

test('the simple answer shape parses; categories are sanitized and cut to 64 characters', async () => {
  reply = (res) =>
    json(res, 200, { flagged: true, categories: ['hate/threatening', 'self harm<script>', 'x'.repeat(100), 42] });
  assert.deepEqual(await hook()('t', 'input'), {
    flagged: true,
    categories: ['hate/threatening', 'self_harm_script_', 'x'.repeat(64)],
  });
  reply = (res) => json(res, 200, { flagged: false });
  assert.deepEqual(await hook()('t', 'output'), { flagged: false, categories: [] });
});

test('the OpenAI moderation shape parses: flagged from any result, categories that are true', async () => {
  reply = (res) =>
    json(res, 200, {
      id: 'modr-1',
      model: 'omni-moderation-latest',
      results: [
        {
          flagged: true,
          categories: { violence: true, hate: false, 'sexual/minors': true, 'bad name\n!': true },
          category_scores: { violence: 0.9 },
        },
        { flagged: false, categories: { violence: true } },
      ],
    });
  const verdict = await hook()('t', 'input');
  assert.equal(verdict.flagged, true);
  assert.deepEqual([...verdict.categories].sort(), ['bad_name__', 'sexual/minors', 'violence']);
  reply = (res) => json(res, 200, { results: [{ flagged: false, categories: { hate: false } }] });
  assert.deepEqual(await hook()('t', 'input'), { flagged: false, categories: [] });
});

test('a 500, invalid JSON, an unknown shape and a hang past the timeout all throw', async () => {
  const answers: [string, (res: ServerResponse) => void, RegExp][] = [
    ['500', (res) => json(res, 500, { flagged: false }), /HTTP 500/],
    ['invalid JSON', (res) => res.writeHead(200).end('{"flagged": fal'), /unknown format/],
    ['unknown shape', (res) => json(res, 200, { ok: true }), /unknown format/],
    ['flagged not a boolean', (res) => json(res, 200, { flagged: 'no' }), /unknown format/],
    ['empty results', (res) => json(res, 200, { results: [] }), /unknown format/],
    ['a result without flagged', (res) => json(res, 200, { results: [{ categories: {} }] }), /unknown format/],
    ['a JSON array', (res) => json(res, 200, [{ flagged: false }]), /unknown format/],
  ];
  for (const [what, answer, error] of answers) {
    reply = answer;
    await assert.rejects(hook()('t', 'input'), error, what);
  }
  reply = () => {}; // never answers
  const started = Date.now();
  await assert.rejects(hook({ timeoutMs: 200 })('t', 'input'), /did not complete within 200 ms/);
  assert.ok(Date.now() - started < 1500, 'the deadline is kept');
});

test('a redirect is not followed: it throws and the target is never requested', async () => {
  reply = (res) => res.writeHead(302, { location: `${base}/elsewhere` }).end();
  await assert.rejects(hook()('t', 'input'), /HTTP 302/);
  assert.deepEqual(
    seen.map((r) => r.url),
    ['/moderate'],
  );
});

test('without allowed_ranges a loopback service is refused before any request is sent', async () => {
  const refused = { name: 'WebRequestBlockedError', message: /internal address \(loopback\)/ };
  await assert.rejects(hook({ allowedRanges: [] })('t', 'input'), refused);
  await assert.rejects(hook({ allowedRanges: ['10.0.0.0/8'] })('t', 'input'), refused);
  assert.equal(seen.length, 0);
});

const content = (onError: 'block' | 'allow', moderation = hook()): ContentOptions => ({
  keywords: [],
  patterns: [],
  action: 'block',
  severity: 'high',
  moderation: { hook: moderation, onError },
});

function policy(onError: 'block' | 'allow') {
  return createGuardrails({
    name: 'mod',
    input: { chainMode: 'fail_fast', content: content(onError) },
    output: { chainMode: 'fail_fast', content: content(onError) },
  });
}

test('through createGuardrails: flagged input is blocked by the moderation check; clean input passes', async () => {
  reply = (res) => json(res, 200, { flagged: true, categories: ['hate'] });
  const v = await policy('block').checkInput('something hateful');
  assert.equal(v.blocked?.check, 'moderation');
  assert.equal(v.blocked?.rule, 'hate');
  assert.equal(v.blocked?.stage, 'input');
  assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), { input: 'something hateful', stage: 'input' });

  const out = await policy('block').checkOutput('a flagged answer');
  assert.equal(out.blocked?.check, 'moderation');
  assert.equal(JSON.parse(seen.at(-1)?.body ?? '').stage, 'output');

  reply = (res) => json(res, 200, { flagged: false });
  assert.deepEqual(await policy('block').checkInput('hello'), { text: 'hello', violations: [] });
});

test('through createGuardrails: a failing service blocks with on_error block and passes with allow', async () => {
  for (const answer of [
    (res: ServerResponse) => json(res, 500, {}),
    (res: ServerResponse) => res.writeHead(200).end('not json'),
  ]) {
    reply = answer;
    const blocked = await policy('block').checkInput('hello');
    assert.deepEqual([blocked.blocked?.check, blocked.blocked?.rule], ['moderation', 'unavailable']);
    assert.deepEqual(await policy('allow').checkInput('hello'), { text: 'hello', violations: [] });
  }
  const refused = createGuardrails({
    name: 'mod',
    input: { chainMode: 'fail_fast', content: content('block', hook({ allowedRanges: [] })) },
  });
  assert.equal((await refused.checkInput('hello')).blocked?.rule, 'unavailable');
  assert.equal(seen.filter((r) => r.url === '/moderate').length, 4);
});

test('input and output each use their own moderation service (built from the config)', async () => {
  const { config } = parseConfigText(
    `version: "2"
llms: {default: {provider: openai, model: m, base_url: "${base}/v1"}}
guardrails:
  g:
    input:
      content: {moderation: {url: "${base}/input-service", allowed_ranges: [127.0.0.1/32]}}
    output:
      content: {moderation: {url: "${base}/output-service", allowed_ranges: [127.0.0.1/32]}}
agents: {a: {guardrails: g}}
`,
    { baseDir: '/srv', env: {} },
  );
  const policy = buildGuardrails(config).get('g')!;
  await policy.checkInput('hello');
  await policy.checkOutput('hi there');
  assert.deepEqual(
    seen.map((r) => r.url),
    ['/input-service', '/output-service'],
  );
});
