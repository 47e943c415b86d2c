/** Timing helpers shared by the benchmarks: sequential runs after warm-up, sorted samples, mean and percentiles. */

/** Runs `fn` `warmup` times untimed, then `runs` times timed (ms); returns the samples sorted ascending. */
export async function measure(fn: () => Promise<unknown>, runs: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The p-th percentile of sorted samples (nearest rank). */
export const pct = (xs: readonly number[], p: number): number =>
  xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number;
