/**
 * A strict-enough parser of the Prometheus text exposition format (0.0.4) for tests: `# HELP` / `# TYPE`
 * comments, and samples `name{label="value",…} value`. Throws on a line it cannot read, so malformed output
 * fails the test instead of being skipped.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let consumed = 0;
  for (let m = LABEL.exec(text); m; m = LABEL.exec(text)) {
    labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    consumed = LABEL.lastIndex;
  }
  if (consumed !== text.length) throw new Error(`unparsable labels in: ${line}`);
  return labels;
}

/**
 * A sample value as Prometheus reads it (Go's `strconv.ParseFloat`): a decimal float, or `NaN` / `Inf` /
 * `Infinity` with an optional sign, in any case. prom-client writes NaN as `Nan` (e.g. the event-loop lag mean
 * before its first sample), which Prometheus accepts, so this does too.
 */
function parseValue(text: string): number | undefined {
  const special = /^([+-]?)(nan|inf|infinity)$/i.exec(text);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return special[1] === '' ? Number.NaN : undefined;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`unparsable sample line: ${line}`);
    const value = parseValue(m[3]!);
    if (value === undefined) throw new Error(`bad value in: ${line}`);
    samples.push({ name: m[1]!, labels: m[2] ? parseLabels(m[2], line) : {}, value });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include every pair of `labels`. */
export function total(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}
