import { join, resolve } from 'node:path';
import { loadConfigFile, processEnvironment } from '../config/index.ts';
import {
  type AuditVerification,
  DEFAULT_AUDIT_FILE,
  resolveAuditKey,
  verifyAuditDatabase,
  verifyAuditFile,
} from '../server/index.ts';
import { ConfigError, isAppError } from '../shared/index.ts';
import { EXIT } from './exit-codes.ts';
import type { Io } from './serve.ts';

export interface AuditVerifyFlags {
  config?: string;
  file?: string;
  database?: string;
}

/**
 * `hector audit verify`: checks the hash chain of the audit trail named by `--file` or `--database`, or by the
 * config's `audit` and `server.database` (`--config`), or else the default database `.hector/hector.db`. The key
 * is HECTOR_AUDIT_KEY (environment, or the config's `.env` with `--config`). Exit 0 when the chain holds, 4 at
 * the first broken link (printed with its position and reason), 2 on bad usage.
 */
export async function auditVerify(flags: AuditVerifyFlags, io: Io, cwd: string): Promise<number> {
  try {
    if ([flags.file, flags.database, flags.config].filter((v) => v !== undefined).length > 1) {
      throw new ConfigError([{ path: '--file/--database/--config', message: 'name one audit trail: use one of them' }]);
    }
    let env: Readonly<Record<string, string>> = processEnvironment();
    let target: { kind: 'file'; path: string } | { kind: 'database'; url: string };
    if (flags.file !== undefined) target = { kind: 'file', path: resolve(cwd, flags.file) };
    else if (flags.database !== undefined) target = { kind: 'database', url: flags.database };
    else if (flags.config !== undefined) {
      const loaded = await loadConfigFile(flags.config, { cwd, env });
      env = loaded.env;
      const { audit, server } = loaded.config;
      if (audit.sink === 'log') {
        throw new ConfigError([{ path: 'audit.sink', message: 'is log: there is no hash-chained trail to verify' }]);
      }
      target =
        audit.sink === 'file'
          ? { kind: 'file', path: audit.path ?? DEFAULT_AUDIT_FILE(resolve(cwd, '.hector')) }
          : { kind: 'database', url: server.database ?? `sqlite:${join(cwd, '.hector', 'hector.db')}` };
    } else target = { kind: 'database', url: `sqlite:${join(cwd, '.hector', 'hector.db')}` };
    const key = resolveAuditKey(env);
    const result =
      target.kind === 'file' ? await verifyAuditFile(target.path, key) : await verifyAuditDatabase(target.url, key);
    const where = target.kind === 'file' ? target.path : 'the database';
    return report(result, where, key !== undefined, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`${err.message}\n`);
      return EXIT.usage;
    }
    if (isAppError(err) || (err as NodeJS.ErrnoException).code === 'ENOENT') {
      io.err(`hector audit verify: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

function report(result: AuditVerification, where: string, keyed: boolean, io: Io): number {
  const chain = keyed ? 'HMAC-SHA256 (HECTOR_AUDIT_KEY)' : 'SHA-256 (no HECTOR_AUDIT_KEY)';
  const legacy = result.unchained > 0 ? `; ${result.unchained} earlier row(s) predate the chain` : '';
  if (result.broken) {
    const at = result.broken.line !== undefined ? `line ${result.broken.line}` : `row id ${result.broken.row}`;
    io.out(
      `audit trail BROKEN in ${where} at entry ${result.broken.seq} (${at}): ${result.broken.reason}\n` +
        `  ${result.entries} entries before it verified (${chain})${legacy}\n`,
    );
    return EXIT.tampered;
  }
  io.out(
    `audit trail OK: ${result.entries} entries in ${where} verified (${chain})${legacy}\n` +
      `  head: entry ${result.head.seq} ${result.head.hash}\n` +
      '  (keep the head somewhere else: entries cut off the end leave no trace in the chain itself)\n',
  );
  return EXIT.ok;
}
