/** The static check of model-supplied regular expressions and the time-bounded matcher. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileSafeRegex, createLineMatcher } from './safe-regex.ts';

describe('compileSafeRegex refuses', () => {
  const refused: [string, RegExp][] = [
    ['(a+)+$', /nested quantifiers/],
    ['(a*)*b', /nested quantifiers/],
    ['(?:a+)+', /nested quantifiers/],
    ['(\\w+\\s?)*$', /nested quantifiers/],
    ['(a?){30}a{30}', /nested quantifiers/],
    ['((ab)+c)*', /nested quantifiers/],
    ['(?<n>x+){2,}', /nested quantifiers/],
    ['([a-z]+)+@', /nested quantifiers/],
    ['(a)\\1', /backreferences/],
    ['(?<q>a)\\k<q>', /backreferences/],
    ['a(?=b)', /lookahead and lookbehind/],
    ['a(?!b)', /lookahead and lookbehind/],
    ['(?<=a)b', /lookahead and lookbehind/],
    ['(?<!a)b', /lookahead and lookbehind/],
    ['a{1001}', /repeat counts above 1000/],
    ['(ab){2,5000}', /repeat counts above 1000/],
    ['x'.repeat(257), /longer than 256 characters/],
    ['(unclosed', /not a valid regular expression/],
    ['[z-a]', /not a valid regular expression/],
  ];
  for (const [pattern, why] of refused) {
    test(JSON.stringify(pattern.length > 40 ? `${pattern.slice(0, 40)}…` : pattern), () => {
      const r = compileSafeRegex(pattern);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.match(r.message, why);
        assert.match(r.message, /use a simpler pattern or a literal search \(regex: false\)/i);
      }
    });
  }
});

describe('compileSafeRegex accepts ordinary patterns', () => {
  const accepted: [string, string, boolean][] = [
    ['^import .* from', "import x from 'y'", true],
    ['function\\s+\\w+\\(', 'function foo(', true],
    ['(foo|bar)baz', 'barbaz', true],
    ['(?:ab)+c', 'ababc', true],
    ['colou?r', 'color', true],
    ['[(+*)]', '+', true],
    ['\\(a+\\)+', '(aa))', true],
    ['\\d{2,4}-\\d{2}', '2024-01', true],
    ['\\p{Lu}', 'É', true],
    ['TODO|FIXME', 'nothing here', false],
    ['(?<year>\\d{4})', '1999', true],
  ];
  for (const [pattern, sample, matches] of accepted) {
    test(JSON.stringify(pattern), () => {
      const r = compileSafeRegex(pattern);
      assert.equal(r.ok, true, r.ok ? '' : r.message);
      if (r.ok) assert.equal(r.regex.test(sample), matches);
    });
  }
});

describe('createLineMatcher', () => {
  test('returns the indexes of matching lines and can be reused', () => {
    const r = compileSafeRegex('b+');
    assert.ok(r.ok);
    const match = createLineMatcher(r.regex);
    assert.deepEqual(match(['a', 'bb', 'c', 'abc'], 1000), [1, 3]);
    assert.deepEqual(match(['b'], 1000), [0]);
  });

  test('a catastrophic match is interrupted by the timeout instead of running for ages', { timeout: 60_000 }, () => {
    // Compiled directly, bypassing the static check, to show the bound itself.
    const match = createLineMatcher(/(a+)+$/);
    assert.equal(match([`${'a'.repeat(100)}b`], 100), 'timeout');
    // The matcher still works afterwards.
    const ok = createLineMatcher(/x/);
    assert.deepEqual(ok(['x'], 100), [0]);
  });
});
