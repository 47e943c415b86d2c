/**
 * Output guardrails on streamed text. Chunks go in; what comes out is safe to send: PII spans are redacted
 * whole even when they arrive split over chunks, and a blocking finding stops the stream before the text
 * that matched is released.
 *
 * How much is held back: for the built-in PII kinds, the text a match could still extend into (see
 * builtinTail: the trailing word, number groups before it, an unterminated `-----BEGIN` block); for custom
 * patterns and keywords, the longest text they can match (H), counted in visible characters. A match that
 * starts before the release point is complete, so it is redacted and released whole; anything that could
 * still grow is kept for the next chunk.
 *
 * `end()` releases the rest and re-checks the whole output for blocking findings (patterns longer than the
 * holdback, moderation); such a finding fails the response, but text already released stays released.
 */
import {
  contentFinding,
  lengthFinding,
  moderationCheck,
  patternFinding,
  piiFinding,
  piiSpans,
  violation,
} from './checks.ts';
import type { CompiledOutput } from './guardrails.ts';
import { isInvisibleUnit } from './normalize.ts';
import { MAX_LONG_MATCH, MAX_SHORT_MATCH } from './pii.ts';
import { applyRedactions } from './redact.ts';
import type { Violation } from './types.ts';

export interface StreamStep {
  /** Text to send now (already redacted); '' when everything is held. */
  readonly text: string;
  readonly violations: readonly Violation[];
  /** Set when the response must stop: send nothing more and fail it. */
  readonly blocked?: Violation;
}

export interface OutputStream {
  /** Synchronous, so it can sit inside a provider's event loop. */
  push(chunk: string): StreamStep;
  /** Releases the rest; re-checks the whole output (and asks the moderation hook, if any). */
  end(): Promise<StreamStep>;
}

/** Characters of released text kept as left context (the words before a number decide whether it is PII). */
const CONTEXT = 64;
const BEGIN = '-----BEGIN';
/** A complete END line: a block whose END line is still arriving is not closed yet. */
const PEM_END = /-----END [A-Z0-9 ]+-----/;

/** A group of a separated number or IBAN: `4111`, `DE89`, `(555)`, `+44`, `(0)20`, `123-4567`. */
const GROUP = /^[(+]?[0-9A-Z]{0,6}(?:\)[0-9]{0,5})?(?:[-.][0-9]{1,5})*[,;:.]?$/;
/** How far back separated groups are followed (an IBAN with spaces is 42 characters). */
const MAX_GROUPED = 64;

/**
 * Where the text that a built-in PII match could still extend into begins: the trailing run of non-whitespace
 * (an address, token, key or JWT still arriving, up to MAX_LONG_MATCH), extended back over the groups of a
 * number written with spaces (card, phone, IBAN), and back to an unterminated `-----BEGIN` block. Everything
 * before it is followed by whitespace that no built-in kind spans (except those groups and PEM blocks), so a
 * match starting there is already complete.
 */
function builtinTail(text: string): number {
  let start = text.length;
  while (start > 0 && !/\s/.test(text[start - 1]!)) start--;
  if (text.length - start > MAX_LONG_MATCH) start = text.length - MAX_SHORT_MATCH;
  let group = start;
  for (;;) {
    let prevEnd = group;
    while (prevEnd > 0 && (text[prevEnd - 1] === ' ' || text[prevEnd - 1] === '\t')) prevEnd--;
    if (prevEnd === group || prevEnd === 0) break;
    let prevStart = prevEnd;
    while (prevStart > 0 && !/\s/.test(text[prevStart - 1]!)) prevStart--;
    if (!GROUP.test(text.slice(prevStart, prevEnd)) || text.length - prevStart > MAX_GROUPED) break;
    group = prevStart;
  }
  start = Math.min(start, group);
  const begin = text.lastIndexOf(BEGIN);
  if (begin >= 0 && begin < start && !PEM_END.test(text.slice(begin)) && text.length - begin <= MAX_LONG_MATCH) {
    start = begin;
  }
  return start;
}

/**
 * The index from which `text` has its last `count` visible characters: keyword and pattern holdbacks count
 * what the matcher sees, so padding a keyword with zero-width characters does not push it out of the window.
 * Walks back at most MAX_LONG_MATCH characters (a longer padding is caught by the final check).
 */
function visibleStart(text: string, count: number): number {
  let seen = 0;
  let i = text.length;
  const floor = Math.max(0, text.length - MAX_LONG_MATCH);
  while (i > floor && seen < count) {
    i--;
    if (!isInvisibleUnit(text[i]!)) seen++;
  }
  return i;
}

export function createOutputStream(
  name: string,
  output: CompiledOutput | undefined,
  signal?: AbortSignal,
): OutputStream {
  if (!output) {
    return {
      push: (chunk) => ({ text: chunk, violations: [] }),
      end: async () => ({ text: '', violations: [] }),
    };
  }
  const { pii, content, pattern, length } = output;
  /** Custom PII patterns hold back their longest match; built-in kinds hold back their tail (builtinTail). */
  const holdPii = pii ? pii.maxMatch : 0;
  const holdBlock = Math.max(
    content?.maxMatch ?? 0,
    pattern?.patterns.reduce((m, p) => Math.max(m, p.maxLength), 0) ?? 0,
  );
  const hold = Math.max(holdPii, holdBlock);
  let whole = '';
  let pending = '';
  /** Raw released text kept for context: the last max(CONTEXT, holdBlock) characters. */
  let tail = '';
  let stopped: Violation | undefined;
  const reported = new Set<string>();
  /** PII redacted so far, reported once at the end (or at once when the action is block). */
  const piiKinds = new Set<string>();
  let piiCount = 0;
  /** Raw characters released so far, and the raw ranges that were redacted (for the final check). */
  let sent = 0;
  const covered: [number, number][] = [];

  const blockingFindings = (window: string, final: boolean) => {
    const found = [
      length && lengthFinding(whole, length, final),
      pattern && patternFinding(window, pattern),
      content && contentFinding(window, content),
    ].filter((f) => f !== undefined);
    return found.map((f) => violation(name, 'output', f));
  };

  /** Reports each finding once per stream (a warn finding stays in the window for a while). */
  const fresh = (vs: Violation[]) =>
    vs.filter((v) => {
      const key = `${v.check}:${v.rule}`;
      if (reported.has(key)) return false;
      reported.add(key);
      return true;
    });

  const moderated = async (): Promise<Violation[]> => {
    const finding = content && (await moderationCheck(content, whole, 'output', signal));
    return finding ? [violation(name, 'output', finding)] : [];
  };

  const step = (final: boolean, extra: Violation[] = []): StreamStep => {
    if (stopped) return { text: '', violations: [], blocked: stopped };
    const text = tail + pending;
    const offset = tail.length;
    const violations: Violation[] = [];
    const window = holdBlock > 0 ? text.slice(visibleStart(text.slice(0, offset), holdBlock)) : pending;
    const blocks = [...blockingFindings(final ? whole : window, final), ...extra];
    violations.push(...fresh(blocks));
    const block = blocks.find((v) => v.action === 'block');
    if (block) {
      stopped = block;
      pending = '';
      return { text: '', violations, blocked: block };
    }
    let cut = final ? text.length : Math.max(offset, visibleStart(text, hold));
    // A span that began in text already sent (a shape the holdback did not foresee) has its rest redacted.
    const spans = pii
      ? piiSpans(text, pii)
          .filter((s) => s.end > offset)
          .map((s) => (s.start < offset ? { ...s, start: offset } : s))
      : [];
    if (!final && pii?.builtin) cut = Math.max(offset, Math.min(cut, builtinTail(text)));
    const released = spans.filter((s) => s.start < cut);
    for (const s of released) cut = Math.max(cut, s.end);
    if (pii && released.length > 0) {
      if (pii.options.action === 'block') {
        const v = violation(name, 'output', piiFinding(released, pii)!);
        stopped = v;
        pending = '';
        return { text: '', violations: [...violations, v], blocked: v };
      }
      for (const s of released) piiKinds.add(s.kind);
      piiCount += released.length;
    }
    if (final && pii && piiCount > 0) {
      const kinds = [...piiKinds].sort();
      const { severity, action } = pii.options;
      violations.push(
        violation(name, 'output', { check: 'pii', rule: kinds.join(','), severity, action, kinds, count: piiCount }),
      );
    }
    for (const s of released) covered.push([sent + s.start - offset, sent + s.end - offset]);
    const raw = text.slice(offset, cut);
    const redact = pii?.options.action === 'modify';
    const out = redact
      ? applyRedactions(
          raw,
          released.map((s) => ({ ...s, start: s.start - offset, end: s.end - offset })),
          pii.redactor,
        )
      : raw;
    const keep = Math.max(CONTEXT, holdBlock);
    tail = text.slice(visibleStart(text.slice(0, cut), keep), cut);
    pending = text.slice(cut);
    sent += cut - offset;
    return { text: out, violations };
  };

  return {
    push(chunk) {
      whole += chunk;
      const growingToken = pending !== '' && !/\s/.test(pending) && !/\s/.test(chunk);
      pending += chunk;
      // A key or token still arriving: nothing before it can be released, so skip the scan.
      if (growingToken && pii?.builtin && pending.length <= MAX_LONG_MATCH && !stopped)
        return { text: '', violations: [] };
      return step(false);
    },
    async end() {
      if (stopped) return { text: '', violations: [], blocked: stopped };
      const last = step(true, await moderated());
      if (last.blocked || !pii) return last;
      // The whole answer again: a value that was released unredacted cannot be unsent, but it is reported (and
      // fails the response when PII is blocked).
      const leaked = piiSpans(whole, pii).filter((s) => !covered.some(([a, b]) => a <= s.start && s.end <= b));
      if (leaked.length === 0) return last;
      const kinds = [...new Set(leaked.map((s) => s.kind))].sort();
      const v = violation(name, 'output', {
        check: 'pii',
        rule: `released_unredacted:${kinds.join(',')}`,
        severity: 'high',
        action: pii.options.action === 'block' ? 'block' : 'warn',
        kinds,
        count: leaked.length,
      });
      return { ...last, violations: [...last.violations, v], ...(v.action === 'block' ? { blocked: v } : {}) };
    },
  };
}
