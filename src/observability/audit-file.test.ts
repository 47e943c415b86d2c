import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createChainVerifier } from '../shared/index.ts';
import { openAuditFile, readAuditFile } from './audit-file.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'hector-audit-file-'));

async function verify(path: string) {
  const v = createChainVerifier();
  for await (const line of readAuditFile(path)) {
    if ('error' in line) return { line: line.line, reason: line.error };
    const broken = v.push({ seq: line.seq, prevHash: line.prevHash, hash: line.hash, content: line.event });
    if (broken) return broken;
  }
  return undefined;
}

test('appends in emit order, continues the chain after a reopen, and the file verifies', async () => {
  const path = join(dir(), 'nested', 'audit.jsonl');
  const first = await openAuditFile(path);
  await Promise.all(Array.from({ length: 20 }, (_, i) => first.append({ i })));
  await first.close();
  const second = await openAuditFile(path);
  await second.append({ i: 20 });
  await second.close();
  const lines = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.seq),
    Array.from({ length: 21 }, (_, i) => i + 1),
  );
  assert.deepEqual(
    lines.map((l) => l.event.i),
    Array.from({ length: 21 }, (_, i) => i),
    'in emit order',
  );
  assert.equal(await verify(path), undefined);
});

test('one writer per file: a live lock holder is named; a stale lock is taken over', async () => {
  const path = join(dir(), 'audit.jsonl');
  const held = await openAuditFile(path);
  await assert.rejects(openAuditFile(path), new RegExp(`in use by process ${process.pid}`));
  await held.close();
  // A lock left by a process that has exited.
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid!;
  await new Promise((r) => child.on('exit', r));
  writeFileSync(`${path}.lock`, String(pid));
  const taken = await openAuditFile(path);
  await taken.append({ ok: true });
  await taken.close();
});

test('a file ending in a partial line, or in a line that is no entry, is refused rather than repaired', async () => {
  const path = join(dir(), 'audit.jsonl');
  const f = await openAuditFile(path);
  await f.append({ a: 1 });
  await f.close();
  appendFileSync(path, '{"seq":2,"prev_hash":"ab');
  await assert.rejects(openAuditFile(path), /partial line/);
  const other = join(dir(), 'audit.jsonl');
  writeFileSync(other, 'not json\n');
  await assert.rejects(openAuditFile(other), /last line of the audit file .* is not JSON/);
});
