import type { ErrorCode } from './errors.ts';

/** What a policy returns. Policies never throw to deny; they return a denial. Failures (bugs, I/O) throw. */
export type Decision = { allow: true } | { allow: false; code: ErrorCode; reason: string };

export const ALLOW: Decision = Object.freeze({ allow: true });

export function deny(code: ErrorCode, reason: string): Decision {
  return { allow: false, code, reason };
}
