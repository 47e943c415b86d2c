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
 * is HECTOR_AUDIT_KEY (environment, or the config's `.env` with `--config`). Nothing is created: a database or
 * file that does not exist is an error. Exit 0 when the chain holds, 4 when any link is broken (each printed
 * with its position and reason, the first 20 of them), 2 on bad usage.
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
    return report(result, key !== undefined, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`${err.message}\n`);
      return EXIT.usage;
    }
    const code = (err as NodeJS.ErrnoException).code;
    const path = (err as NodeJS.ErrnoException).path ?? flags.file ?? '';
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      const why =
        code === 'ENOENT'
          ? `there is no audit file at ${path}; check --file (or audit.path in the config)`
          : code === 'EISDIR'
            ? `${path} is a directory; name the audit file itself`
            : `${path} cannot be read (permission denied); run as a user who may read it`;
      io.err(`hector audit verify: ${why}\n`);
      return EXIT.usage;
    }
    if (isAppError(err)) {
      io.err(`hector audit verify: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

function report(result: AuditVerification, keyed: boolean, io: Io): number {
  const chain = keyed ? 'HMAC-SHA256 (HECTOR_AUDIT_KEY)' : 'SHA-256 (no HECTOR_AUDIT_KEY)';
  if (result.breakCount > 0) {
    const lines = result.breaks.map((b) => {
      const at = b.line !== undefined ? `line ${b.line}` : `row id ${b.row}`;
      return `  entry ${b.seq} (${at}): ${b.reason}`;
    });
    const more = result.breakCount - result.breaks.length;
    io.out(
      `audit trail BROKEN in ${result.where}: ${result.breakCount} broken link(s) among ${result.entries} entries (${chain})\n` +
        `${lines.join('\n')}\n${more > 0 ? `  … and ${more} more\n` : ''}`,
    );
    return EXIT.tampered;
  }
  io.out(
    `audit trail OK: ${result.entries} entries in ${result.where} verified (${chain})\n` +
      `  head: entry ${result.head.seq} ${result.head.hash}\n` +
      '  (keep the head somewhere else: entries cut off the end leave no trace in the chain itself)\n',
  );
  return EXIT.ok;
}
