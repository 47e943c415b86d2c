/**
 * Detection quality of the guardrails on the labelled corpora (test/fixtures/guardrails/), held to the targets
 * of issue 7: PII F1 ≥ 0.95 (and ≥ 0.9 for every kind), injection recall ≥ 0.9 with a false-positive rate ≤ 2%.
 * `npm run guardrails:eval -- --errors` lists every miss. Quality is a property of the detectors, not of the
 * machine, so these are exact thresholds, not timings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  evaluateInjection,
  evaluatePii,
  injectionCases,
  injectionHoldout,
  piiCases,
  piiHoldout,
} from './support/guardrails-eval.ts';

test('the PII corpus is big enough and has hard negatives', () => {
  const cases = piiCases();
  assert.ok(cases.length >= 400, `${cases.length} cases`);
  assert.ok(cases.filter((c) => c.entities.length === 0).length >= 150);
});

test('PII detection: F1 at least 0.95 overall and 0.9 for every kind', () => {
  const report = evaluatePii(piiCases());
  assert.ok(report.overall.f1 >= 0.95, `overall F1 ${report.overall.f1.toFixed(3)}\n${report.errors.join('\n')}`);
  for (const [kind, s] of Object.entries(report.perKind)) {
    assert.ok(s.tp + s.fn >= 30, `${kind}: only ${s.tp + s.fn} labelled values`);
    assert.ok(
      s.f1 >= 0.9,
      `${kind} F1 ${s.f1.toFixed(3)}\n${report.errors.filter((e) => e.includes(kind)).join('\n')}`,
    );
  }
});

test('prompt-injection detection: recall at least 0.9, false-positive rate at most 2%', () => {
  const report = evaluateInjection(injectionCases());
  assert.ok(report.positives >= 500 && report.negatives >= 400, `${report.positives}/${report.negatives}`);
  assert.ok(report.recall >= 0.9, `recall ${report.recall.toFixed(3)}\n${report.errors.join('\n')}`);
  assert.ok(
    report.falsePositiveRate <= 0.02,
    `false-positive rate ${report.falsePositiveRate.toFixed(3)}\n${report.errors.join('\n')}`,
  );
});

/**
 * The held-out corpora were never used to change a rule; their figures are the honest estimate (reported in
 * docs/guardrails.md). These floors only catch a regression: a rule change that breaks generalization.
 */
test('held-out corpora: PII F1 at least 0.95; injection recall at least 0.75 with at most 5% false positives', () => {
  const pii = evaluatePii(piiHoldout());
  assert.ok(pii.overall.f1 >= 0.95, `held-out PII F1 ${pii.overall.f1.toFixed(3)}`);
  const injection = evaluateInjection(injectionHoldout());
  assert.ok(injection.positives >= 100 && injection.negatives >= 90);
  assert.ok(injection.recall >= 0.75, `held-out injection recall ${injection.recall.toFixed(3)}`);
  assert.ok(
    injection.falsePositiveRate <= 0.05,
    `held-out false-positive rate ${injection.falsePositiveRate.toFixed(3)}`,
  );
});
