/**
 * Benchmark: what the guardrails cost, against two regex PII redactors (redact-pii's SyncRedactor and
 * @redactpii/node's Redactor, both with their default rules) on the same input in the same run. The input is
 * built from the fixtures, deterministically: the `text` of every pii.jsonl row interleaved with the benign
 * injection.jsonl rows, one per line, repeated to ~1 MB.
 *
 *   1. PII redaction throughput (MB/s, median of rounds): the whole corpus as one text, then as ~1 KB messages.
 *      Hector is findPii (all kinds) + applyRedactions (mask).
 *   2. Latency per ~1 KB message (p50/p99, µs): detectInjection on a benign and an attack message, PII redaction
 *      of a mixed message by each redactor, and a full policy pass on it and on a typical ~200 B turn (checkInput with injection + PII + content
 *      keywords, then checkOutput with PII; every action `warn`/`modify`, so every check runs).
 *   3. Quality side note: of the labelled values in pii.jsonl, how many each redactor leaves visible (still a
 *      substring of its output), and how many rows without PII it changes anyway.
 *
 * A benchmark, not a test: it asserts nothing about speed.
 *
 *   node bench/guardrails.ts                    # 10 rounds after 3 warm-ups; 2000 calls after 200 per latency row
 *   node bench/guardrails.ts --rounds 20 --runs 5000
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redactor } from '@redactpii/node';
import { SyncRedactor } from 'redact-pii';
import {
  applyRedactions,
  createGuardrails,
  createRedactor,
  detectInjection,
  findPii,
  PII_KINDS,
  type PiiOptions,
} from '../src/guardrails/index.ts';
import { measure, pct } from './stats.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    'round-warmup': { type: 'string', default: '3' },
    runs: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
  },
});
const rounds = Number(values.rounds);
const roundWarmup = Number(values['round-warmup']);
const runs = Number(values.runs);
const warmup = Number(values.warmup);

interface PiiRow {
  text: string;
  entities: { kind: string; value: string }[];
}
interface InjectionRow {
  text: string;
  label: 'benign' | 'injection';
}
const fixture = <T>(name: string): T[] =>
  readFileSync(new URL(`../test/fixtures/guardrails/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
const piiRows = fixture<PiiRow>('pii.jsonl');
const injectionRows = fixture<InjectionRow>('injection.jsonl');
const benign = injectionRows.filter((r) => r.label === 'benign').map((r) => r.text);
const attacks = injectionRows.filter((r) => r.label === 'injection').map((r) => r.text);

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
/** One pii row, one benign row, alternating (pii rows continue alone once the benign ones run out). */
const mixed = piiRows.flatMap((r, i) => (i < benign.length ? [r.text, benign[i]!] : [r.text]));
/** Lines joined until the text reaches `size` bytes; whole lines only, so no labelled value is cut. */
function upTo(lines: readonly string[], size: number, from = 0): { text: string; next: number } {
  let text = '';
  let i = from;
  while (bytes(text) < size) text += `${lines[i++ % lines.length]}\n`;
  return { text, next: i };
}
const corpus = upTo(mixed, 1 << 20).text;
const messages: string[] = [];
for (let at = 0, done = 0; done < bytes(corpus); ) {
  const m = upTo(mixed, 1024, at);
  messages.push(m.text);
  done += bytes(m.text);
  at = m.next;
}
const piiMessage = messages[0]!;
const benignMessage = upTo(benign, 1024).text;
const attackMessage = upTo(attacks, 1024).text;

const mask = createRedactor('mask');
const hector = (text: string) => applyRedactions(text, findPii(text, PII_KINDS), mask);
const redactPii = new SyncRedactor();
const redactpiiNode = new Redactor();
const redactors: [string, (text: string) => string][] = [
  ['Hector', hector],
  ['redact-pii', (t) => redactPii.redact(t)],
  ['@redactpii/node', (t) => redactpiiNode.redact(t)],
];

const pii: PiiOptions = { kinds: PII_KINDS, custom: [], mode: 'mask', action: 'modify', severity: 'medium' };
const guardrails = createGuardrails({
  name: 'bench',
  input: {
    chainMode: 'collect_all',
    injection: { patterns: [], threshold: 0.5, action: 'warn', severity: 'high' },
    pii,
    content: {
      keywords: ['bomb recipe', 'credit card dump', 'ransomware builder', 'child abuse', 'meth synthesis'],
      patterns: [],
      action: 'warn',
      severity: 'medium',
    },
  },
  output: { chainMode: 'collect_all', pii },
});
const policyPass = async (text: string) => {
  await guardrails.checkInput(text);
  await guardrails.checkOutput(text);
};

const x = (r: number) => `${r.toFixed(2)}x`;
const p50 = (xs: number[]) => pct(xs, 50);

console.log(
  `guardrails (node ${process.version}); corpus ${(bytes(corpus) / 1e6).toFixed(2)} MB = ${messages.length} messages of ~1 KB`,
);

console.log(`\n1. PII redaction throughput, median of ${rounds} rounds after ${roundWarmup} warm-ups`);
const throughput = async (fn: () => unknown) =>
  bytes(corpus) / 1e6 / (p50(await measure(async () => fn(), rounds, roundWarmup)) / 1000);
for (const [label, each] of [
  ['one 1 MB text', false],
  ['~1 KB messages', true],
] as const) {
  const rates: number[] = [];
  for (const [, redact] of redactors) {
    rates.push(await throughput(each ? () => messages.map(redact) : () => redact(corpus)));
  }
  console.log(`  ${label}: ${redactors.map(([name], i) => `${name} ${rates[i]!.toFixed(1)} MB/s`).join('  ')}`);
  console.log(
    `    Hector / redact-pii ${x(rates[0]! / rates[1]!)}; Hector / @redactpii/node ${x(rates[0]! / rates[2]!)} (>1 = Hector faster)`,
  );
}

console.log(`\n2. latency per message, ${runs} calls after ${warmup} warm-up calls (µs)`);
const latency = async (label: string, size: string, fn: () => unknown) => {
  const xs = (await measure(async () => fn(), runs, warmup)).map((ms) => ms * 1000);
  console.log(
    `  ${`${label} (${size} B)`.padEnd(40)}: p50 ${pct(xs, 50).toFixed(1).padStart(7)}  p99 ${pct(xs, 99).toFixed(1).padStart(7)}`,
  );
  return xs;
};
await latency('Hector injection, benign', String(bytes(benignMessage)), () => detectInjection(benignMessage));
await latency('Hector injection, attack', String(bytes(attackMessage)), () => detectInjection(attackMessage));
// The benign message above is made of hard negatives (security talk, code, lookalike words): the worst case.
// Ordinary prose triggers few rules (see src/guardrails/rule-triggers.ts).
const prose = upTo(
  [
    'Could you help me plan a three day trip to Lisbon in May?',
    'I like museums, food markets and long walks, and I would prefer a quiet hotel near the old town.',
    'We land on Thursday morning and fly back on Sunday evening, so the first and last days are short.',
    'A day trip to Sintra would be nice if the trains are easy; otherwise we can stay in the city.',
  ],
  1024,
).text;
await latency('Hector injection, ordinary prose', String(bytes(prose)), () => detectInjection(prose));
const size = String(bytes(piiMessage));
const lat: number[][] = [];
for (const [name, redact] of redactors)
  lat.push(await latency(`${name} PII redaction`, size, () => redact(piiMessage)));
const policy = await latency('Hector full policy, in + out', size, () => policyPass(piiMessage));
// A typical chat turn is a sentence or two, not a kilobyte.
const typical = upTo(mixed, 200, 7).text;
await latency('Hector full policy, typical turn', String(bytes(typical)), () => policyPass(typical));
console.log(
  `  Hector redaction p50 / redact-pii ${x(p50(lat[0]!) / p50(lat[1]!))}; / @redactpii/node ${x(p50(lat[0]!) / p50(lat[2]!))} (<1 = Hector faster)`,
);
console.log(
  `  full policy p50 = ${x(p50(policy) / p50(lat[0]!))} Hector's PII redaction alone (no library does injection or content checks)`,
);

const entities = piiRows.flatMap((r) => r.entities.map((e) => ({ ...e, text: r.text })));
const clean = piiRows.filter((r) => r.entities.length === 0);
console.log(
  `\n3. quality on pii.jsonl: ${entities.length} labelled values in ${piiRows.length - clean.length} rows, ${clean.length} rows without PII`,
);
for (const [name, redact] of redactors) {
  const leaked = new Map<string, number>();
  for (const e of entities) {
    if (redact(e.text).includes(e.value)) leaked.set(e.kind, (leaked.get(e.kind) ?? 0) + 1);
  }
  const total = [...leaked.values()].reduce((a, b) => a + b, 0);
  const byKind = [...leaked].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
  const changed = clean.filter((r) => redact(r.text) !== r.text).length;
  console.log(
    `  ${name.padEnd(16)}: leaks ${String(total).padStart(3)}/${entities.length}${byKind.length ? ` (${byKind.join(', ')})` : ''}; changes ${changed}/${clean.length} PII-free rows`,
  );
}
