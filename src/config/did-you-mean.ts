/**
 * "Did you mean" suggestions for misspelt keys, enum values and names. Pure; no I/O.
 *
 * Distance is optimal string alignment (Levenshtein plus adjacent transpositions, so `agnets` → `agents` is 1),
 * computed case-insensitively with `-` treated as `_`. A candidate is suggested only when it is close enough to
 * be a plausible typo: distance ≤ 1 for short words, ≤ 2 from 5 characters, ≤ 3 from 9 characters; failing
 * that, a candidate that is a prefix of the input or vice versa (`warning` → `warn`).
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function normalize(s: string): string {
  return s.toLowerCase().replaceAll('-', '_');
}

function threshold(length: number): number {
  if (length >= 9) return 3;
  if (length >= 5) return 2;
  return 1;
}

/** The closest candidate to `input`, or undefined when none is a plausible typo. Ties go to the earlier candidate. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const needle = normalize(input);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const dist = editDistance(needle, normalize(c));
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  if (best === undefined) return undefined;
  if (bestDistance <= threshold(Math.max(needle.length, best.length)) && bestDistance < Math.max(needle.length, 2)) {
    return best;
  }
  // `warning` → `warn`, `temp` → `temperature`: one is a prefix of the other (at least 3 characters).
  return candidates.find((c) => {
    const n = normalize(c);
    return Math.min(n.length, needle.length) >= 3 && (n.startsWith(needle) || needle.startsWith(n));
  });
}

/** `did you mean \`x\`?` when a candidate is close, otherwise `<label>: a, b, c` (or undefined with no candidates). */
export function suggestion(input: string, candidates: readonly string[], label: string): string | undefined {
  const best = closest(input, candidates);
  if (best !== undefined) return `did you mean \`${best}\`?`;
  if (candidates.length === 0) return undefined;
  return `${label}: ${candidates.join(', ')}`;
}
