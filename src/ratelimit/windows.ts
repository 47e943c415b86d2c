/**
 * Calendar windows in UTC: a `minute` window is the minute the instant falls in, a `week` starts on Monday
 * 00:00 UTC, a `month` on the 1st. Fixed windows make a limit the same number for every replica and every store
 * (SQL, Redis) without clock coordination beyond the hosts' own clocks.
 */

export const WINDOWS = ['second', 'minute', 'hour', 'day', 'week', 'month'] as const;
export type Window = (typeof WINDOWS)[number];

/** The length of every window but `month`, in ms. */
export const FIXED_WINDOW_MS: Readonly<Record<Exclude<Window, 'month'>, number>> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
};

/** Monday 1970-01-05 00:00 UTC: weeks are counted from a Monday. */
const FIRST_MONDAY = 4 * 86_400_000;

export interface WindowSpan {
  /** Inclusive start, ms since the epoch. */
  readonly start: number;
  /** Exclusive end, ms since the epoch. */
  readonly end: number;
}

/** The window of kind `window` that contains the instant `now`. */
export function windowAt(window: Window, now: number): WindowSpan {
  if (window === 'month') {
    const d = new Date(now);
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    return { start, end };
  }
  const size = FIXED_WINDOW_MS[window];
  const origin = window === 'week' ? FIRST_MONDAY : 0;
  const start = Math.floor((now - origin) / size) * size + origin;
  return { start, end: start + size };
}
