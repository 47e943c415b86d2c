/**
 * Two processes writing one audit trail at once (two servers on one SQLite file, or two replicas on one
 * PostgreSQL database): every event lands, in one unbroken chain, and `verifyAuditDatabase` accepts it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { verifyAuditDatabase } from '../src/server/index.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from './support/postgres.ts';

const PERSISTENCE = resolve(fileURLToPath(import.meta.url), '../../src/persistence/index.ts');
const PER_WRITER = 300;

/** A separate Node process that opens the database and appends PER_WRITER events, 32 at a time. */
function writer(url: string, name: string): Promise<number | null> {
  const script = `
    import { openDatabase } from ${JSON.stringify(PERSISTENCE)};
    const db = await openDatabase({ url: ${JSON.stringify(url)} });
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < ${PER_WRITER}) {
        const i = next++;
        await db.audit.append({ timestamp: new Date().toISOString(), appId: 'default', userId: ${JSON.stringify(name)},
          component: 'test', action: 'write', success: true, requestId: null, event: { writer: ${JSON.stringify(name)}, i } });
      }
    }));
    await db.close();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((r) => child.once('exit', r));
}

async function twoWriters(url: string) {
  const codes = await Promise.all([writer(url, 'one'), writer(url, 'two')]);
  assert.deepEqual(codes, [0, 0]);
  const result = await verifyAuditDatabase(url, undefined);
  assert.deepEqual(result.breaks, [], JSON.stringify(result.breaks));
  assert.equal(result.entries, 2 * PER_WRITER, 'every event of both writers is in the chain');
}

describe('one audit chain, two writing processes', () => {
  let pg: TestPostgres | undefined;
  after(async () => {
    await pg?.stop();
  });

  test('SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hector-audit-shared-'));
    await twoWriters(`sqlite:${join(dir, 'hector.db')}`);
  });

  test('PostgreSQL', { skip: postgresSkipReason() ?? false }, async () => {
    pg = await startPostgres();
    await twoWriters(await pg.createDatabase());
  });
});
