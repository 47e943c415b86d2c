/**
 * `hector doctor --config FILE [--format text|json] [--fail-on high|medium|low]`: grades a config against the
 * production checklist (server/doctor.ts) and prints the findings.
 *
 * Exit codes: 0 no finding at or above `--fail-on` (default high); 3 (EXIT.findings) at least one; 2 the file is
 * invalid (the validation errors are printed, as `hector validate` does) or the flags are wrong. Unset `${VAR}`s do
 * not stop the grading: they are graded with placeholders and listed under "placeholders". Output never contains
 * a secret: findings name paths, and placeholders name variables, never values.
 */
import { type InspectedConfig, inspectConfigFile, processEnvironment } from '../config/index.ts';
import { countFindings, type Finding, failsAt, gradeConfig, SEVERITIES, type Severity } from '../server/index.ts';
import { ConfigError } from '../shared/index.ts';
import { EXIT } from './exit-codes.ts';
import type { Io } from './serve.ts';

export interface DoctorFlags {
  config: string;
  format?: string;
  failOn?: string;
}

const FORMATS = ['text', 'json'] as const;

function renderText(file: string, findings: readonly Finding[], placeholders: readonly string[], failOn: Severity) {
  const lines = [`hector doctor: ${file}`];
  if (findings.length === 0) lines.push('  no findings');
  for (const f of findings) {
    lines.push(
      `  ${f.severity.toUpperCase().padEnd(6)} ${f.id}  ${f.path}`,
      `         ${f.message}`,
      `         fix: ${f.fix}`,
    );
  }
  const c = countFindings(findings);
  lines.push(`${c.high} high, ${c.medium} medium, ${c.low} low`);
  if (placeholders.length > 0) {
    lines.push(`note: not set, graded with placeholder values: ${placeholders.join(', ')}`);
  }
  if (failsAt(findings, failOn)) lines.push(`FAIL: findings of severity ${failOn} or higher`);
  return `${lines.join('\n')}\n`;
}

function usageError(io: Io, message: string): number {
  io.err(`hector doctor: ${message}\n`);
  return EXIT.usage;
}

/** Runs `hector doctor`; resolves to the exit code (see the file comment). Only reads the file and `.env` files. */
export async function doctor(flags: DoctorFlags, io: Io, cwd: string): Promise<number> {
  const format = flags.format ?? 'text';
  const failOn = flags.failOn ?? 'high';
  if (!(FORMATS as readonly string[]).includes(format)) {
    return usageError(io, `--format must be one of: ${FORMATS.join(', ')}`);
  }
  if (!(SEVERITIES as readonly string[]).includes(failOn)) {
    return usageError(io, `--fail-on must be one of: ${SEVERITIES.join(', ')}`);
  }
  const threshold = failOn as Severity;
  let inspected: InspectedConfig;
  try {
    inspected = await inspectConfigFile(flags.config, { cwd, env: processEnvironment() });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (format === 'json') {
      io.out(`${JSON.stringify({ file: flags.config, valid: false, errors: err.issues }, null, 2)}\n`);
    } else {
      io.err(`${err.message}\n`);
    }
    return EXIT.usage;
  }
  const findings = gradeConfig(inspected);
  const failed = failsAt(findings, threshold);
  if (format === 'json') {
    const report = {
      file: flags.config,
      valid: true,
      fail_on: threshold,
      passed: !failed,
      summary: countFindings(findings),
      findings,
      placeholders: inspected.placeholders,
    };
    io.out(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    io.out(renderText(flags.config, findings, inspected.placeholders, threshold));
  }
  return failed ? EXIT.findings : EXIT.ok;
}
