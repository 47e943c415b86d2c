import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePrometheusText } from './prometheus-text.ts';

test('the Prometheus text parser reads values as Prometheus does and refuses what it would refuse', () => {
  const samples = parsePrometheusText(
    ['# TYPE a gauge', 'a 1.5', 'b{x="1"} -2e3 1700000000000', 'c Nan', 'd NaN', 'e +Inf', 'f -inf', 'g .5'].join('\n'),
  );
  assert.deepEqual(
    samples.map((s) => [s.name, s.value]),
    [
      ['a', 1.5],
      ['b', -2000],
      ['c', Number.NaN],
      ['d', Number.NaN],
      ['e', Infinity],
      ['f', -Infinity],
      ['g', 0.5],
    ],
  );
  for (const bad of ['h 0x10', 'h one', 'h 1e', 'h -NaN', 'h ""', 'h{x=1} 1']) {
    assert.throws(() => parsePrometheusText(bad), /bad value|unparsable/, bad);
  }
});
