import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, chainHash, createChainVerifier, GENESIS_HASH } from './hash-chain.ts';
import type { JsonValue } from './json.ts';

function chain(contents: JsonValue[], key?: string) {
  let prev = GENESIS_HASH;
  return contents.map((content, i) => {
    const seq = i + 1;
    const hash = chainHash(seq, prev, content, key);
    const entry = { seq, prevHash: prev, hash, content };
    prev = hash;
    return entry;
  });
}

function firstBreak(entries: ReturnType<typeof chain>, key?: string) {
  const v = createChainVerifier(key);
  for (const e of entries) {
    const broken = v.push(e);
    if (broken) return broken;
  }
  return undefined;
}

const events: JsonValue[] = [
  { action: 'login', success: false, user: null },
  { action: 'tool', argv: ['ls', '-la'], n: 1.5 },
  { action: 'approve', nested: { b: 2, a: [1, { z: 0, y: 'x' }] } },
  { action: 'deny', text: 'ünïcödé \u2028 "quoted"' },
];

test('canonical JSON sorts keys at every level, keeps array order, so formatting does not matter', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, 1], c: null } }), '{"a":{"c":null,"d":[3,1]},"b":1}');
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson(JSON.parse('{ "b" : 2, "a" : 1 }')));
  assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
});

test('an intact chain verifies and its head is the last entry', () => {
  const entries = chain(events);
  const v = createChainVerifier();
  for (const e of entries) assert.equal(v.push(e), undefined);
  assert.deepEqual(v.head(), { seq: 4, hash: entries[3]!.hash });
});

test('altering, removing, inserting, reordering or replacing an entry is caught at that entry', () => {
  const entries = chain(events);
  const altered = entries.map((e, i) =>
    i === 1 ? { ...e, content: { ...(e.content as object), argv: ['rm', '-rf'] } } : e,
  );
  assert.deepEqual(firstBreak(altered)?.seq, 2);
  assert.match(firstBreak(altered)!.reason, /altered/);

  const removed = entries.filter((_, i) => i !== 1);
  assert.equal(firstBreak(removed)?.seq, 3);
  assert.match(firstBreak(removed)!.reason, /missing/);

  const replayed = [...entries.slice(0, 3), entries[1]!, entries[3]!];
  assert.equal(firstBreak(replayed)?.seq, 2);
  assert.match(firstBreak(replayed)!.reason, /again/);

  const swapped = [entries[0]!, entries[2]!, entries[1]!, entries[3]!];
  assert.equal(firstBreak(swapped)?.seq, 3);

  // Replaced by an entry that is internally consistent (own hash recomputed, seq kept): the next link breaks.
  const forged = { ...entries[1]!, content: { action: 'tool', argv: ['true'] } as JsonValue };
  const reHashed = { ...forged, hash: chainHash(2, forged.prevHash, forged.content) };
  const replaced = [entries[0]!, reHashed, entries[2]!, entries[3]!];
  assert.equal(firstBreak(replaced)?.seq, 3);
  assert.match(firstBreak(replaced)!.reason, /prev_hash/);
});

test('with a key, a writer without it cannot recompute the chain; without one, a full recompute passes', () => {
  const key = 'k'.repeat(40);
  const keyed = chain(events, key);
  assert.equal(firstBreak(keyed, key), undefined);
  assert.equal(firstBreak(keyed)?.seq, 1, 'verifying with no key fails at once');
  assert.equal(firstBreak(keyed, `${key}x`)?.seq, 1, 'so does the wrong key');
  // The attacker rewrites entry 2 and recomputes every hash after it, with plain SHA-256.
  const rewritten = chain([events[0]!, { action: 'tool', argv: ['true'] }, events[2]!, events[3]!]);
  assert.equal(firstBreak(rewritten), undefined, 'unkeyed: undetectable by the chain alone (documented)');
  assert.equal(firstBreak(rewritten, key)?.seq, 1, 'keyed: caught');
});
