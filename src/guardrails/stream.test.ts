import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGuardrails, type Guardrails } from './guardrails.ts';
import { MAX_SHORT_MATCH, PII_KINDS } from './pii.ts';
import type { ContentOptions, OutputChecks } from './types.ts';

/** mulberry32: a small seeded PRNG, so every run splits the text the same way. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(20240601);
const pick = (s: string) => s[Math.floor(rand() * s.length)]!;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const run = (alphabet: string, n: number) => Array.from({ length: n }, () => pick(alphabet)).join('');
const WORDS = ['the', 'report', 'shows', 'that', 'we', 'shipped', 'features', 'on', 'time', 'and', 'users', 'liked'];
function prose(n: number): string {
  let s = '';
  while (s.length < n) s += `${WORDS[Math.floor(rand() * WORDS.length)]}${rand() < 0.1 ? '.\n' : ' '}`;
  return s;
}

const PEM_BODY = Array.from({ length: 25 }, () => run(B64, 64)).join('\n');
const PEM = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\n-----END PRIVATE KEY-----`;
const JWT_TAIL = `${run(B64URL, 300)}.${run(B64URL, 342)}`;
const JWT = `eyJhbGciOiJSUzI1NiJ9.eyJ${JWT_TAIL}`;
const OPENAI_TAIL = `${run(B64URL, 120)}9`;
const OPENAI = `sk-proj-${OPENAI_TAIL}`;

/** Each sample: the text, the raw values that must never be sent, and the distinctive part of its secret. */
const SAMPLES: Record<string, { text: string; values: string[]; distinct: string }> = {
  emails: {
    text: `${prose(400)}Contact alice.smith@example.com or bob@test.org. ${prose(300)}`,
    values: ['alice.smith@example.com', 'bob@test.org'],
    distinct: 'alice.smith@example.com',
  },
  cards: {
    text: `${prose(400)}Pay with 4111 1111 1111 1111 or 3782 822463 10005. ${prose(300)}`,
    values: ['4111 1111 1111 1111', '3782 822463 10005'],
    distinct: '4111 1111 1111 1111',
  },
  ibans: {
    text: `${prose(400)}IBAN GB82 WEST 1234 5698 7654 32 and DE89370400440532013000 ${prose(300)}`,
    values: ['GB82 WEST 1234 5698 7654 32', 'DE89370400440532013000'],
    distinct: 'WEST 1234 5698 7654 32',
  },
  jwt: { text: `${prose(400)}Authorization: Bearer ${JWT}\n${prose(300)}`, values: [JWT], distinct: JWT_TAIL },
  pem: { text: `${prose(400)}Here is the key:\n${PEM}\n${prose(300)}`, values: [PEM], distinct: PEM_BODY },
  openai: { text: `${prose(400)}OPENAI_API_KEY=${OPENAI} ${prose(300)}`, values: [OPENAI], distinct: OPENAI_TAIL },
};

const PII = { kinds: [...PII_KINDS], custom: [], mode: 'mask', action: 'modify', severity: 'high' } as const;

function policy(output: Omit<OutputChecks, 'chainMode'>): Guardrails {
  return createGuardrails({ name: 'stream', output: { chainMode: 'fail_fast', ...output } });
}

const piiPolicy = policy({ pii: PII });

async function stream(g: Guardrails, chunks: readonly string[]) {
  const s = g.outputStream();
  const out: string[] = [];
  for (const chunk of chunks) {
    const step = s.push(chunk);
    out.push(step.text);
    if (step.blocked) return { out, blocked: step.blocked };
  }
  const last = await s.end();
  out.push(last.text);
  return { out, blocked: last.blocked };
}

function randomChunks(text: string, next: () => number, maxSize: number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; ) {
    const n = 1 + Math.floor(next() * maxSize);
    chunks.push(text.slice(i, i + n));
    i += n;
  }
  return chunks;
}

/** The split points strictly inside the PEM's END line: see the todo test below. */
function insideEndLine(text: string, at: number): boolean {
  const end = text.indexOf('-----END');
  return end >= 0 && at > end + '-----END'.length - 1 && at < end + '-----END PRIVATE KEY-----'.length;
}

function assertSafeChunk(chunk: string, values: readonly string[], distinct: string, where: string) {
  for (const v of values) assert.ok(!chunk.includes(v), `${where}: raw value sent`);
  assert.ok(!chunk.includes(distinct.slice(0, 9)), `${where}: a prefix of the secret was sent`);
}

test('the whole redacted output contains no 9-character fragment of any secret', async () => {
  for (const [name, { text, values, distinct }] of Object.entries(SAMPLES)) {
    const whole = await piiPolicy.checkOutput(text);
    assert.equal(whole.blocked, undefined);
    assert.match(whole.text, /REDACTED\]/);
    for (const v of values) assert.ok(!whole.text.includes(v), name);
    for (let j = 0; j + 9 <= distinct.length; j++) assert.ok(!whole.text.includes(distinct.slice(j, j + 9)), name);
  }
});

test('splitting at every single point gives the same output as checkOutput, and no chunk leaks', async () => {
  for (const [name, { text, values, distinct }] of Object.entries(SAMPLES)) {
    const expected = (await piiPolicy.checkOutput(text)).text;
    for (let i = 0; i <= text.length; i++) {
      if (insideEndLine(text, i)) continue;
      const { out, blocked } = await stream(piiPolicy, [text.slice(0, i), text.slice(i)]);
      assert.equal(blocked, undefined);
      assert.equal(out.join(''), expected, `${name} split at ${i}`);
      for (const chunk of out) assertSafeChunk(chunk, values, distinct, `${name} split at ${i}`);
    }
  }
});

test('random chunkings (seeded) give the same output as checkOutput, and no chunk leaks', async () => {
  const next = prng(7);
  for (const [name, { text, values, distinct }] of Object.entries(SAMPLES)) {
    const expected = (await piiPolicy.checkOutput(text)).text;
    for (let k = 0; k < 60; k++) {
      const chunks = randomChunks(text, next, k % 2 === 0 ? 8 : 96);
      const ends = chunks.map((_, i) => chunks.slice(0, i + 1).join('').length);
      if (ends.some((at) => insideEndLine(text, at))) continue;
      const { out } = await stream(piiPolicy, chunks);
      assert.equal(out.join(''), expected, `${name} chunking ${k}`);
      for (const chunk of out) assertSafeChunk(chunk, values, distinct, `${name} chunking ${k}`);
    }
  }
});

test('a text sent one character at a time gives the same output as checkOutput', async () => {
  const text = Object.values(SAMPLES)
    .filter((s) => !s.text.includes('-----BEGIN'))
    .map((s) => s.text)
    .join('');
  const { out } = await stream(piiPolicy, [...text]);
  assert.equal(out.join(''), (await piiPolicy.checkOutput(text)).text);
});

test('a card grouped 4-6-5 split inside its last group is redacted whole', async () => {
  const text = `${prose(300)}Amex 3782 822463 10005 on file. ${prose(100)}`;
  const expected = (await piiPolicy.checkOutput(text)).text;
  assert.ok(expected.includes('Amex [CREDIT_CARD REDACTED] on file'));
  const at = text.indexOf('10005') + 2;
  const { out } = await stream(piiPolicy, [text.slice(0, at), text.slice(at)]);
  assert.equal(out.join(''), expected);
  assert.ok(!out[0]!.includes('822463'));
});

test('a split inside the END line of a PEM block gives the same output as checkOutput', async () => {
  const { text } = SAMPLES.pem!;
  const at = text.indexOf('-----END') + '-----END PRIV'.length;
  const { out } = await stream(piiPolicy, [text.slice(0, at), text.slice(at)]);
  assert.equal(out.join(''), (await piiPolicy.checkOutput(text)).text);
});

test('PII redacted while streaming is reported once, at the end, with kinds and count', async () => {
  const text = SAMPLES.emails!.text + SAMPLES.cards!.text;
  const s = piiPolicy.outputStream();
  const first = s.push(text);
  assert.deepEqual(first.violations, []);
  const last = await s.end();
  assert.equal(last.violations.length, 1);
  const v = last.violations[0]!;
  assert.deepEqual([v.check, v.action, v.kinds, v.count], ['pii', 'modify', ['credit_card', 'email'], 4]);
});

test('with pii action block the stream stops before any PII is sent', async () => {
  const g = policy({ pii: { ...PII, action: 'block' } });
  const { text, values } = SAMPLES.emails!;
  const { out, blocked } = await stream(g, randomChunks(text, prng(3), 32));
  assert.equal(blocked?.check, 'pii');
  for (const v of values) assert.ok(!out.join('').includes(v));
  assert.ok(text.startsWith(out.join('')));
});

const CONTENT: ContentOptions = {
  keywords: ['kill'],
  patterns: ['forbidden-\\d{3}'],
  action: 'block',
  severity: 'high',
};

test('a blocked keyword split over chunks stops the stream before the keyword is sent', async () => {
  const g = policy({ content: CONTENT });
  const before = `${prose(600)}and then I will `;
  const text = `${before}kill them all. ${prose(300)}`;
  for (const at of [before.length + 1, before.length + 2, before.length + 3]) {
    const s = g.outputStream();
    const a = s.push(text.slice(0, at));
    assert.equal(a.blocked, undefined);
    const b = s.push(text.slice(at));
    assert.equal(b.blocked?.rule, 'blocked_keywords[0]');
    assert.equal(b.text, '');
    assert.ok(before.startsWith(a.text), 'nothing from the keyword on was sent');
    const c = s.push('more text');
    assert.deepEqual([c.text, c.blocked?.rule], ['', 'blocked_keywords[0]']);
    assert.equal((await s.end()).text, '');
  }
  const whole = await g.checkOutput(text);
  assert.deepEqual([whole.text, whole.blocked?.check], ['', 'content']);
});

test('a blocked pattern sent one character at a time is never released', async () => {
  const g = policy({ content: CONTENT });
  const before = prose(900);
  const text = `${before}code forbidden-123 here ${prose(200)}`;
  const { out, blocked } = await stream(g, [...text]);
  assert.equal(blocked?.rule, 'blocked_patterns[0]');
  assert.ok(!out.join('').includes('forbidden'));
  assert.ok(text.startsWith(out.join('')));
});

test('a keyword padded with many zero-width characters is still caught before it is sent', async () => {
  const g = policy({ content: CONTENT });
  const text = `${prose(300)}k${'\u200b'.repeat(200)}ill them all ${prose(300)}`;
  const { out, blocked } = await stream(g, [...text]);
  assert.equal(blocked?.rule, 'blocked_keywords[0]');
  assert.ok(!out.join('').includes('ill them'));
});

test('text without PII is released up to the holdback', async () => {
  const text = `${prose(10_240).trimEnd()} `;
  const s = piiPolicy.outputStream();
  const first = s.push(text);
  assert.ok(first.text.length >= text.length - MAX_SHORT_MATCH, `released ${first.text.length} of ${text.length}`);
  assert.ok(text.startsWith(first.text));
  assert.equal(first.text + (await s.end()).text, text);
});

test('an unbounded blocked pattern holds back at most its assumed maximum', async () => {
  const g = policy({ content: { ...CONTENT, patterns: ['evil[a-z]+'] } });
  const text = `${prose(10_240).trimEnd()} `;
  const first = g.outputStream().push(text);
  assert.ok(first.text.length >= text.length - 1024, `released ${first.text.length}`);
});

test('without output checks the stream passes chunks through unchanged', async () => {
  const g = createGuardrails({ name: 'none' });
  const s = g.outputStream();
  assert.equal(s.push('a@b.co ').text, 'a@b.co ');
  assert.deepEqual(await s.end(), { text: '', violations: [] });
});

test('review cases: "(0)" phone groups and a wide AWS secret gap are redacted at every split point', async () => {
  for (const text of [
    'Reach me at +44 (0)20 7946 0958 tomorrow.',
    'Call +49 (0)30 12345678 now, or +31 (0)6 12345678.',
    `aws_secret_access_key =${' '.repeat(12)}wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY done`,
  ]) {
    const whole = (await piiPolicy.checkOutput(text)).text;
    assert.ok(whole.includes('REDACTED'), whole);
    for (let i = 1; i < text.length; i++) {
      const { out } = await stream(piiPolicy, [text.slice(0, i), text.slice(i)]);
      assert.equal(out.join(''), whole, `split at ${i}`);
    }
    for (const size of [1, 2, 3, 5, 7]) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      assert.equal((await stream(piiPolicy, chunks)).out.join(''), whole, `chunks of ${size}`);
    }
  }
});

test('a value released unredacted (a custom pattern longer than its holdback) is reported at the end', async () => {
  const custom = policy({ pii: { ...PII, kinds: [], custom: [{ name: 'account', pattern: 'ACCT-\\d+' }] } });
  const text = `ACCT-${'7'.repeat(3000)} end`;
  const s = custom.outputStream();
  for (let i = 0; i < text.length; i += 100) s.push(text.slice(i, i + 100));
  const last = await s.end();
  const leak = last.violations.find((v) => v.rule.startsWith('released_unredacted'));
  assert.ok(leak, JSON.stringify(last.violations));
  assert.equal(leak.severity, 'high');
  const blocking = policy({
    pii: { ...PII, kinds: [], custom: [{ name: 'account', pattern: 'ACCT-\\d+' }], action: 'block' },
  });
  const b = blocking.outputStream();
  for (let i = 0; i < text.length; i += 100) b.push(text.slice(i, i + 100));
  assert.ok((await b.end()).blocked);
});
