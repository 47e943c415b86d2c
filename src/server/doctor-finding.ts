/**
 * A doctor finding and the helpers every check file shares. See doctor.ts for the contract.
 */
export type Severity = 'high' | 'medium' | 'low';

export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

export interface Finding {
  /** Stable kebab-case id, e.g. `auth-off` (docs/doctor.md has one row per id). */
  readonly id: string;
  readonly severity: Severity;
  /** Dotted YAML path of the offending (or missing) setting, e.g. `tools.shell.deny_by_default`. */
  readonly path: string;
  /** What is wrong, and why it matters. */
  readonly message: string;
  /** What to change. */
  readonly fix: string;
}

export function finding(id: string, severity: Severity, path: string, message: string, fix: string): Finding {
  return { id, severity, path, message, fix };
}

/** `localhost`, `::1` (bracketed or not) and 127.0.0.0/8. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
