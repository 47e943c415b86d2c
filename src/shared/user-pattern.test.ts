import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileUserPattern, UNBOUNDED_MATCH } from './user-pattern.ts';

const REDOS = /repeated group has alternatives or a variable-length part/;

test('a pattern that does not compile is an error saying so', () => {
  for (const source of ['(', '[a-', 'a{2,1}', '\\p{NotAProperty}']) {
    assert.throws(() => compileUserPattern(source), /^Error: not a valid regular expression: /, source);
  }
});

test('a pattern matching the empty string is refused', () => {
  for (const source of ['a*', 'x?', '(?:)', '(ab)*', '^', '$|x', '\\b', '(?=a)', 'a|']) {
    assert.throws(() => compileUserPattern(source), /can match the empty string/, source);
  }
});

test('backreferences, numbered and named, are refused', () => {
  assert.throws(() => compileUserPattern('(a)\\1'), /backreferences are not allowed/);
  assert.throws(() => compileUserPattern('(?<w>ab)c\\k<w>'), /backreferences are not allowed/);
});

test('nested quantifiers that can backtrack exponentially are refused', () => {
  for (const source of ['(a+)+', '(a{1,3})+', '(a+){2}', 'x(\\w?x)*', '(\\w?x)+', '(?:[a-z]+\\s?)*x', '(a*b)+']) {
    assert.throws(() => compileUserPattern(source), REDOS, source);
  }
  // `(\w?x)*` alone is refused too (it also matches the empty string).
  assert.throws(() => compileUserPattern('(\\w?x)*'));
});

test('fixed-length repeated groups and flat patterns are accepted', () => {
  for (const source of [
    '(\\d{3}-){2}',
    '(\\s?\\d{4}){3}',
    'sk-[a-zA-Z0-9]{48}',
    '(?:ab){1,3}',
    '(ab)+',
    '\\d{3}-\\d{2}-\\d{4}',
    '[a-z]+@[a-z]+',
  ]) {
    assert.doesNotThrow(() => compileUserPattern(source), source);
  }
});

test('the compiled regex keeps the given flags, and is in Unicode mode only when the pattern needs it', () => {
  const p = compileUserPattern('secret', 'gi');
  assert.equal(p.source, 'secret');
  assert.ok(p.regex.global && p.regex.ignoreCase && !p.regex.unicode);
  assert.ok(p.regex.test('a SECRET'));
  // Without `u`, V8's linear-time fallback can take over from a pattern that backtracks too much.
  assert.equal(compileUserPattern('sk-[a-z]{8}').regex.flags, '');
  for (const source of ['\\p{L}{2,9}', '[\\u{1F600}-\\u{1F64F}]', 'caf\u00e9 \u{1F600}']) {
    assert.ok(compileUserPattern(source).regex.unicode, source);
  }
  assert.ok(compileUserPattern('\\p{Lu}{2}').regex.test('AB'));
});

test('the compiled regex starts at lastIndex 0 even with the g flag', () => {
  const p = compileUserPattern('abc', 'g');
  assert.equal(p.regex.lastIndex, 0);
  assert.ok(p.regex.test('abc'));
});

/** maxLength must cover the longest real match (it is the streaming holdback), without being unbounded. */
function assertCovers(source: string, longest: string) {
  const p = compileUserPattern(source);
  const m = new RegExp(`^(?:${source})$`, 'u').exec(longest);
  assert.ok(m, `${longest} is a whole match of ${source}`);
  assert.ok(p.maxLength >= longest.length, `${source}: ${p.maxLength} >= ${longest.length}`);
  assert.ok(p.maxLength <= 2 * longest.length, `${source}: ${p.maxLength} is not far above ${longest.length}`);
  assert.ok(p.maxLength < UNBOUNDED_MATCH);
}

test('bounded patterns get a maxLength covering their longest match', () => {
  assertCovers('(\\d{3}-){2}', '123-456-');
  assertCovers('(\\s?\\d{4}){3}', ' 1234 5678 9012');
  assertCovers('sk-[a-zA-Z0-9]{48}', `sk-${'a'.repeat(48)}`);
  assertCovers('foo|barbaz', 'barbaz');
  assertCovers('(?:ab|c)?d', 'abd');
  assertCovers('\\d{3}-\\d{2}-\\d{4}', '123-45-6789');
  assertCovers('EMP-\\d{6}', 'EMP-123456');
  assertCovers('[a-z]{2,5}!', 'abcde!');
  assertCovers('\\p{L}{3}', 'été');
});

test('the maxLength of bounded patterns grows with their repetition counts', () => {
  const a = compileUserPattern('x{4}').maxLength;
  const b = compileUserPattern('x{8}').maxLength;
  assert.equal(b, 2 * a);
  assert.equal(compileUserPattern('(?:ab){3}').maxLength, 3 * compileUserPattern('ab').maxLength);
  assert.equal(compileUserPattern('^abc$').maxLength, compileUserPattern('abc').maxLength);
});

test('lookarounds and word boundaries add nothing to maxLength', () => {
  assert.equal(compileUserPattern('(?=abc)abc').maxLength, compileUserPattern('abc').maxLength);
  assert.equal(compileUserPattern('\\bword\\b').maxLength, compileUserPattern('word').maxLength);
});

test('patterns with +, * or {n,} are UNBOUNDED_MATCH, and so are bounded ones longer than it', () => {
  for (const source of ['a+', 'a{2,}', '[a-z]*x', 'ab(?:cd)+', 'x.*y']) {
    assert.equal(compileUserPattern(source).maxLength, UNBOUNDED_MATCH, source);
  }
  assert.equal(compileUserPattern('a{5000}').maxLength, UNBOUNDED_MATCH);
});

test('a character class matching astral code points counts two UTF-16 units per character', () => {
  const source = '[\\u{1F600}-\\u{1F64F}]{3}';
  const match = new RegExp(source, 'u').exec('😀😀😀')![0];
  assert.ok(compileUserPattern(source).maxLength >= match.length);
});

test('repeated alternatives are refused; adjacent unbounded runs are refused in Unicode mode', () => {
  assert.throws(() => compileUserPattern('(a|a)+$'), REDOS);
  assert.throws(() => compileUserPattern('(a|aa)+$'), REDOS);
  assert.throws(() => compileUserPattern('(?:foo|bar)*x'), REDOS);
  assert.doesNotThrow(() => compileUserPattern('(?:foo|bar)x'));
  assert.throws(() => compileUserPattern('\\p{L}+\\p{L}*!'), /two unbounded repetitions in a row/);
  assert.doesNotThrow(() => compileUserPattern('\\p{L}{1,20}\\s+'));
  // Without Unicode mode the linear-time fallback covers polynomial shapes (src/shared/regex-engine.test.ts).
  const poly = compileUserPattern('\\w*\\w*\\w*!');
  assert.equal(poly.regex.test('a'.repeat(20_000)), false);
});
