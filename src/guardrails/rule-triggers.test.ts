import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { INJECTION_RULES, type InjectionRule } from './injection-rules.ts';
import { decodeHidden, foldConfusables, normalizeText } from './normalize.ts';
import { indexRules, ruleTriggers } from './rule-triggers.ts';

const FIXTURES = new URL('../../test/fixtures/guardrails/', import.meta.url);
const texts = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.jsonl'))
  .flatMap((f) =>
    readFileSync(new URL(f, FIXTURES), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => (JSON.parse(l) as { text: string }).text),
  );

const index = indexRules(INJECTION_RULES);

test('the prefilter never skips a rule that matches (every rule, every corpus text and its decodings)', () => {
  assert.ok(texts.length > 1500, `${texts.length} texts`);
  let checked = 0;
  for (const raw of texts) {
    for (const variant of [raw, ...decodeHidden(raw)]) {
      const normalized = normalizeText(variant);
      const folded = foldConfusables(normalized);
      const tokens = new Set([...(folded.match(/[a-z]+/g) ?? []), ...(normalized.match(/[a-z]+/g) ?? [])]);
      const candidates = index.candidates(tokens);
      for (const rule of INJECTION_RULES) {
        if (!rule.regex.test(rule.on === 'latin' ? folded : normalized)) continue;
        checked++;
        assert.ok(
          candidates.has(rule),
          `${rule.id} matches but was skipped for ${JSON.stringify(variant.slice(0, 80))}`,
        );
      }
    }
  }
  assert.ok(checked > 1000, `only ${checked} matches were checked`);
});

test('triggers are read only from a leading \\b and word alternation; anything else always runs', () => {
  const rule = (source: string): InjectionRule => ({ id: 't', weight: 1, regex: new RegExp(source), on: 'latin' });
  assert.deepEqual(ruleTriggers(rule('\\b(?:ignore|disregard|set aside)\\s+x')), ['ignor', 'disre', 'set']);
  assert.deepEqual(ruleTriggers(rule('\\bpolic(?:y|ies)\\b|\\bwords?\\b')), ['polic', 'word']);
  assert.deepEqual(ruleTriggers(rule('\\bsummari[sz]e')), ['summa']);
  for (const source of [
    '(?:^|\\n)system:',
    '\\b(?:a|bc)',
    '\\b(?:foo|(?:bar))',
    '\\b(?:foo)?bar',
    'x\\bfoo',
    '\\bfoo|<tag>',
  ]) {
    assert.equal(ruleTriggers(rule(source)), undefined, source);
  }
  const ai = indexRules([rule('\\b(?:ai|llm)s?\\b')]);
  assert.equal(ai.candidates(['ais']).size, 1, 'a token that starts with the word selects the rule');
  assert.equal(ai.candidates(['maid', 'chain']).size, 0);
});
