/**
 * Prints the detection quality of the PII and prompt-injection guardrails on the labelled corpora
 * (test/fixtures/guardrails/). `--errors` also lists every miss and false alarm.
 * Run: node scripts/guardrails-eval.ts [--errors]
 */
import { evaluateInjection, evaluatePii, injectionCases, piiCases } from '../test/support/guardrails-eval.ts';

const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
const showErrors = process.argv.includes('--errors');

const pii = evaluatePii(piiCases());
console.log('PII redaction (exact spans)');
console.log('kind          precision  recall     F1     tp  fp  fn');
for (const [kind, s] of [...Object.entries(pii.perKind), ['overall', pii.overall] as const]) {
  console.log(
    `${kind.padEnd(13)} ${pct(s.precision).padStart(9)} ${pct(s.recall).padStart(7)} ${s.f1.toFixed(3).padStart(6)} ${String(s.tp).padStart(5)} ${String(s.fp).padStart(3)} ${String(s.fn).padStart(3)}`,
  );
}
if (showErrors) for (const e of pii.errors) console.log(`  ${e}`);

const inj = evaluateInjection(injectionCases());
console.log('\nPrompt injection (threshold 0.5)');
console.log(
  `recall ${pct(inj.recall)} (${inj.positives} attacks)  false-positive rate ${pct(inj.falsePositiveRate)} (${inj.negatives} benign)  precision ${pct(inj.precision)}  F1 ${inj.f1.toFixed(3)}`,
);
for (const [cat, c] of Object.entries(inj.perCategory)) {
  console.log(`  ${cat.padEnd(32)} ${String(c.flagged).padStart(3)}/${c.cases} flagged`);
}
if (showErrors) for (const e of inj.errors) console.log(`  ${e}`);
