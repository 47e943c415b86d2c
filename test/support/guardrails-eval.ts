/**
 * Scores the guardrail detectors against the labelled corpora in test/fixtures/guardrails/: precision,
 * recall and F1 per PII kind (a found span counts only when it is exactly a labelled value of the same kind),
 * and recall and false-positive rate for prompt injection. Used by the corpus test (which holds the targets)
 * and by scripts/guardrails-eval.ts (which prints the figures).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectInjection, findPii, PII_KINDS, type PiiKind } from '../../src/guardrails/index.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'guardrails');

export interface PiiCase {
  id: string;
  text: string;
  entities: { kind: PiiKind; value: string }[];
}

export interface InjectionCase {
  id: string;
  text: string;
  label: 'injection' | 'benign';
  category: string;
  source: 'user' | 'tool';
}

export function readJsonl<T>(name: string): T[] {
  return readFileSync(join(FIXTURES, name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/**
 * The corpora. `pii.jsonl` and `injection.jsonl`, `injection-2.jsonl` and `injection-3.jsonl` (each written by a
 * different author who never saw the detector; the first two were measured unseen before their misses were
 * studied) are the tuning corpora; `*-holdout.jsonl` were written separately and never used to
 * change a rule, so their figures are the honest estimate of quality on unseen text.
 */
export const piiCases = (): PiiCase[] => readJsonl<PiiCase>('pii.jsonl');
export const injectionCases = (): InjectionCase[] => [
  ...readJsonl<InjectionCase>('injection.jsonl'),
  ...readJsonl<InjectionCase>('injection-2.jsonl'),
  ...readJsonl<InjectionCase>('injection-3.jsonl'),
];
export const piiHoldout = (): PiiCase[] => readJsonl<PiiCase>('pii-holdout.jsonl');
export const injectionHoldout = (): InjectionCase[] => readJsonl<InjectionCase>('injection-holdout.jsonl');

export interface Score {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

function score(tp: number, fp: number, fn: number): Score {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, precision, recall, f1 };
}

export interface PiiReport {
  perKind: Record<string, Score>;
  overall: Score;
  /** Case ids with a wrong span, for debugging: `id kind "value"` (fp: found but not labelled; fn: missed). */
  errors: string[];
}

/** Labelled spans: each entity at its first occurrence not already taken by an earlier entity. */
function labelledSpans(c: PiiCase): { start: number; end: number; kind: string }[] {
  const taken: { start: number; end: number; kind: string }[] = [];
  for (const e of c.entities) {
    let from = 0;
    for (;;) {
      const start = c.text.indexOf(e.value, from);
      if (start < 0) throw new Error(`${c.id}: entity ${JSON.stringify(e.value)} is not in the text`);
      if (!taken.some((t) => t.start === start)) {
        taken.push({ start, end: start + e.value.length, kind: e.kind });
        break;
      }
      from = start + 1;
    }
  }
  return taken;
}

export function evaluatePii(cases: PiiCase[]): PiiReport {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>(
    PII_KINDS.map((k) => [k, { tp: 0, fp: 0, fn: 0 }]),
  );
  const errors: string[] = [];
  for (const c of cases) {
    const expected = labelledSpans(c);
    const found = findPii(c.text, PII_KINDS);
    const key = (s: { start: number; end: number; kind: string }) => `${s.start}:${s.end}:${s.kind}`;
    const expectedKeys = new Set(expected.map(key));
    const foundKeys = new Set(found.map(key));
    for (const s of found) {
      const k = counts.get(s.kind)!;
      if (expectedKeys.has(key(s))) k.tp++;
      else {
        k.fp++;
        errors.push(`fp ${c.id} ${s.kind} ${JSON.stringify(c.text.slice(s.start, s.end))}`);
      }
    }
    for (const s of expected) {
      if (foundKeys.has(key(s))) continue;
      counts.get(s.kind)!.fn++;
      errors.push(`fn ${c.id} ${s.kind} ${JSON.stringify(c.text.slice(s.start, s.end))}`);
    }
  }
  const perKind: Record<string, Score> = {};
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [kind, k] of counts) {
    perKind[kind] = score(k.tp, k.fp, k.fn);
    tp += k.tp;
    fp += k.fp;
    fn += k.fn;
  }
  return { perKind, overall: score(tp, fp, fn), errors };
}

export interface InjectionReport {
  recall: number;
  falsePositiveRate: number;
  precision: number;
  f1: number;
  positives: number;
  negatives: number;
  /** Recall per injection category, false-positive rate per benign category. */
  perCategory: Record<string, { cases: number; flagged: number }>;
  errors: string[];
}

export function evaluateInjection(cases: InjectionCase[], threshold = 0.5): InjectionReport {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const perCategory: Record<string, { cases: number; flagged: number }> = {};
  const errors: string[] = [];
  for (const c of cases) {
    const result = detectInjection(c.text);
    const flagged = result.score >= threshold;
    const key = `${c.label}/${c.category}`;
    const cat = perCategory[key] ?? { cases: 0, flagged: 0 };
    perCategory[key] = cat;
    cat.cases++;
    if (flagged) cat.flagged++;
    if (c.label === 'injection') {
      if (flagged) tp++;
      else {
        fn++;
        errors.push(`fn ${c.id} ${c.category} ${JSON.stringify(c.text.slice(0, 120))}`);
      }
    } else if (flagged) {
      fp++;
      errors.push(`fp ${c.id} ${c.category} ${result.rules.join(',')} ${JSON.stringify(c.text.slice(0, 120))}`);
    } else tn++;
  }
  const s = score(tp, fp, fn);
  return {
    recall: s.recall,
    precision: s.precision,
    f1: s.f1,
    falsePositiveRate: fp / (fp + tn),
    positives: tp + fn,
    negatives: fp + tn,
    perCategory,
    errors,
  };
}
