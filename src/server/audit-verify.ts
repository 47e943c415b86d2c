/**
 * `hector audit verify`: walks an audit trail (the database's `audit` rows, or an audit file) from the first
 * entry to the last and reports every link that does not hold (shared/hash-chain.ts says what that catches and
 * what it cannot), resuming after each break so one break cannot hide the next. A database row without chain
 * fields is a break wherever it is: erasing an entry's fields must not turn it into an "old" row. A file line
 * must be exactly what the writer wrote (`{"seq","prev_hash","hash","event"}`, in that serialisation): a second
 * copy of a key, an extra field or a reformatted number would otherwise be content no hash covers.
 */
import { readAuditFile } from '../observability/index.ts';
import { openDatabase } from '../persistence/index.ts';
import { type ChainBreak, createChainVerifier, UnavailableError } from '../shared/index.ts';

/** One broken link, with where it is: the `line` of a file, the `row` id of the database. */
export type AuditBreak = ChainBreak & { line?: number; row?: number };

export interface AuditVerification {
  /** Entries read (chained rows or file lines). */
  readonly entries: number;
  /** The last entry read (`seq` 0: none): compare it with a copy kept elsewhere to detect truncation. */
  readonly head: { seq: number; hash: string };
  /** The first breaks, in order (at most MAX_REPORTED); empty when the chain holds. */
  readonly breaks: readonly AuditBreak[];
  /** How many breaks there are in all. */
  readonly breakCount: number;
  /** Where the trail is: the file, or the database's description (no credentials). */
  readonly where: string;
}

const PAGE = 1000;
export const MAX_REPORTED = 20;

function collector() {
  const breaks: AuditBreak[] = [];
  let count = 0;
  return {
    add(b: AuditBreak) {
      count++;
      if (breaks.length < MAX_REPORTED) breaks.push(b);
    },
    result: (entries: number, head: { seq: number; hash: string }, where: string): AuditVerification => ({
      entries,
      head,
      breaks,
      breakCount: count,
      where,
    }),
  };
}

/** Verifies the audit rows of an existing database (it is neither created nor migrated). */
export async function verifyAuditDatabase(url: string, key: string | undefined): Promise<AuditVerification> {
  const db = await openDatabase({ url, existing: true });
  try {
    const verifier = createChainVerifier(key);
    const found = collector();
    let entries = 0;
    let after = 0;
    for (;;) {
      const rows = await db.audit.readChain(after, PAGE).catch((err: unknown) => {
        throw new UnavailableError(
          `${db.description} has no audit trail to verify (${err instanceof Error ? err.message : String(err)}); was it written by hector serve?`,
        );
      });
      for (const row of rows) {
        after = row.id;
        entries++;
        if (row.seq === null || row.prevHash === null || row.hash === null) {
          found.add({
            seq: verifier.head().seq + 1,
            row: row.id,
            reason:
              'the row has no chain fields: they were erased, or it was written by a version before the chain (archive such rows and start a new trail)',
          });
          continue;
        }
        const broken = verifier.push({ seq: row.seq, prevHash: row.prevHash, hash: row.hash, content: row.content });
        if (broken) found.add({ ...broken, row: row.id });
      }
      if (rows.length < PAGE) break;
    }
    return found.result(entries, verifier.head(), db.description);
  } finally {
    await db.close();
  }
}

export async function verifyAuditFile(path: string, key: string | undefined): Promise<AuditVerification> {
  const verifier = createChainVerifier(key);
  const found = collector();
  let entries = 0;
  for await (const line of readAuditFile(path)) {
    entries++;
    if ('error' in line) {
      found.add({ seq: verifier.head().seq + 1, line: line.line, reason: `the line ${line.error}` });
      continue;
    }
    const written = JSON.stringify({ seq: line.seq, prev_hash: line.prevHash, hash: line.hash, event: line.event });
    if (written !== line.raw) {
      found.add({
        seq: line.seq,
        line: line.line,
        reason: 'the line is not as it was written (a key twice, an extra field, or a value re-encoded)',
      });
    }
    const broken = verifier.push({ seq: line.seq, prevHash: line.prevHash, hash: line.hash, content: line.event });
    if (broken) found.add({ ...broken, line: line.line });
  }
  return found.result(entries, verifier.head(), path);
}
