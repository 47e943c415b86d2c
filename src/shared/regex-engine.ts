/**
 * V8's linear-time regular-expression engine as a fallback: with
 * `--enable-experimental-regexp-engine-on-excessive-backtracks`, a regex that backtracks too much is re-run on
 * the automaton-based engine instead of taking exponential time. It applies to regexes without the `i` and `u`
 * flags and without lookaheads or backreferences — so the built-in guardrail rules are written that way, and
 * user patterns are compiled that way when they can be (see user-pattern.ts).
 *
 * The flag is process-wide and is set once, at startup (cli's runCli) and before the first user pattern is
 * compiled; setting it again is a no-op. Tested by src/shared/regex-engine.test.ts in a child process.
 */
import { setFlagsFromString } from 'node:v8';

let enabled = false;

export function enableLinearRegexFallback(): void {
  if (enabled) return;
  setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  // V8's default (50,000 backtracks per attempt) still lets a quadratic scan cost seconds on 50 KB.
  setFlagsFromString('--regexp-backtracks-before-fallback=1000');
  enabled = true;
}
