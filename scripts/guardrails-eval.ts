/**
 * Prints the detection quality of the PII and prompt-injection guardrails on the labelled corpora
 * (test/fixtures/guardrails/): the tuning corpora, then the held-out ones (never used to change a rule).
 * `--errors` also lists every miss and false alarm.
 * Run: npm run guardrails:eval [-- --errors]
 */
import {
  evaluateInjection,
  evaluatePii,
  type InjectionCase,
  injectionCases,
  injectionHoldout,
  type PiiCase,
  piiCases,
  piiHoldout,
} from '../test/support/guardrails-eval.ts';

const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
const showErrors = process.argv.includes('--errors');

function printPii(title: string, cases: PiiCase[]): void {
  const pii = evaluatePii(cases);
  console.log(`${title}: ${cases.length} texts, ${cases.filter((c) => c.entities.length === 0).length} without PII`);
  console.log('kind          precision  recall     F1     tp  fp  fn');
  for (const [kind, s] of [...Object.entries(pii.perKind), ['overall', pii.overall] as const]) {
    console.log(
      `${kind.padEnd(13)} ${pct(s.precision).padStart(9)} ${pct(s.recall).padStart(7)} ${s.f1.toFixed(3).padStart(6)} ${String(s.tp).padStart(5)} ${String(s.fp).padStart(3)} ${String(s.fn).padStart(3)}`,
    );
  }
  if (showErrors) for (const e of pii.errors) console.log(`  ${e}`);
}

function printInjection(title: string, cases: InjectionCase[]): void {
  const inj = evaluateInjection(cases);
  console.log(`${title} (threshold 0.5)`);
  console.log(
    `recall ${pct(inj.recall)} (${inj.positives} attacks)  false-positive rate ${pct(inj.falsePositiveRate)} (${inj.negatives} benign)  precision ${pct(inj.precision)}  F1 ${inj.f1.toFixed(3)}`,
  );
  for (const [cat, c] of Object.entries(inj.perCategory)) {
    console.log(`  ${cat.padEnd(32)} ${String(c.flagged).padStart(3)}/${c.cases} flagged`);
  }
  const other = [0.6, 0.7, 0.8].map((t) => {
    const r = evaluateInjection(cases, t);
    return `${t}: recall ${pct(r.recall)}, false positives ${pct(r.falsePositiveRate)}`;
  });
  console.log(`  other thresholds (input.injection.threshold) — ${other.join('; ')}`);
  if (showErrors) for (const e of inj.errors) console.log(`  ${e}`);
}

printPii('PII redaction, tuning corpus (exact spans)', piiCases());
console.log();
printPii('PII redaction, held-out corpus (exact spans)', piiHoldout());
console.log();
printInjection('Prompt injection, tuning corpora', injectionCases());
console.log();
printInjection('Prompt injection, held-out corpus', injectionHoldout());
