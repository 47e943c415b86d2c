/**
 * `hector audit verify`: walks an audit trail (the database's `audit` rows, or an audit file) from the first
 * entry to the last and reports the first link that does not hold (shared/hash-chain.ts says what that catches
 * and what it cannot). Rows written before the chain existed (null chain fields) are counted; one that appears
 * after a chained row is a break, since erasing an entry's chain fields must not hide it.
 */
import { readAuditFile } from '../observability/index.ts';
import { openDatabase } from '../persistence/index.ts';
import { type ChainBreak, createChainVerifier } from '../shared/index.ts';

export interface AuditVerification {
  /** Chained entries that verified. */
  readonly entries: number;
  /** Database rows from before the chain existed. */
  readonly unchained: number;
  /** The last entry that verified (`seq` 0: none): compare it with a copy kept elsewhere to detect truncation. */
  readonly head: { seq: number; hash: string };
  /** The first break, with where it is (`line` of a file, `row` id of the database). */
  readonly broken?: ChainBreak & { line?: number; row?: number };
}

const PAGE = 1000;

export async function verifyAuditDatabase(url: string, key: string | undefined): Promise<AuditVerification> {
  const db = await openDatabase({ url });
  try {
    const verifier = createChainVerifier(key);
    let entries = 0;
    let unchained = 0;
    let after = 0;
    for (;;) {
      const rows = await db.audit.readChain(after, PAGE);
      for (const row of rows) {
        after = row.id;
        if (row.seq === null || row.prevHash === null || row.hash === null) {
          if (entries > 0) {
            return {
              entries,
              unchained,
              head: verifier.head(),
              broken: {
                seq: verifier.head().seq + 1,
                row: row.id,
                reason: 'a row after the chain began has no chain fields (they were erased)',
              },
            };
          }
          unchained++;
          continue;
        }
        const broken = verifier.push({ seq: row.seq, prevHash: row.prevHash, hash: row.hash, content: row.content });
        if (broken) return { entries, unchained, head: verifier.head(), broken: { ...broken, row: row.id } };
        entries++;
      }
      if (rows.length < PAGE) break;
    }
    return { entries, unchained, head: verifier.head() };
  } finally {
    await db.close();
  }
}

export async function verifyAuditFile(path: string, key: string | undefined): Promise<AuditVerification> {
  const verifier = createChainVerifier(key);
  let entries = 0;
  for await (const line of readAuditFile(path)) {
    if ('error' in line) {
      return {
        entries,
        unchained: 0,
        head: verifier.head(),
        broken: { seq: verifier.head().seq + 1, line: line.line, reason: `the line ${line.error}` },
      };
    }
    const broken = verifier.push({ seq: line.seq, prevHash: line.prevHash, hash: line.hash, content: line.event });
    if (broken) return { entries, unchained: 0, head: verifier.head(), broken: { ...broken, line: line.line } };
    entries++;
  }
  return { entries, unchained: 0, head: verifier.head() };
}
