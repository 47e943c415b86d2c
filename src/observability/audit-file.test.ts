import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  await assert.rejects(openAuditFile(path), /already open in this process/);
  await held.close();
  // A lock with our own pid that we do not hold: left by an earlier process that had the same pid (a container
  // restarted under an init whose child always gets the same pid). Stale.
  writeFileSync(`${path}.lock`, String(process.pid));
  await (await openAuditFile(path)).close();
  // A lock without a pid yet, just made: someone else is taking it right now.
  writeFileSync(`${path}.lock`, '');
  await assert.rejects(openAuditFile(path), /being opened by another process/);
  rmSync(`${path}.lock`);
  // A live process named in the lock.
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)']);
  writeFileSync(`${path}.lock`, String(sleeper.pid));
  await assert.rejects(openAuditFile(path), new RegExp(`in use by process ${sleeper.pid}.*delete the lock file`));
  sleeper.kill();
  await new Promise((r) => sleeper.on('exit', r));
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

test('processes opening one file at the same moment: exactly one gets it', async () => {
  const path = join(dir(), 'audit.jsonl');
  const module = new URL('./audit-file.ts', import.meta.url).href;
  const script = `
    import { openAuditFile } from ${JSON.stringify(module)};
    try {
      const f = await openAuditFile(${JSON.stringify(path)});
      console.log('GOT');
      await new Promise((r) => setTimeout(r, 1500));
      await f.close();
    } catch (e) { console.log('REFUSED'); }`;
  for (let round = 0; round < 3; round++) {
    const outputs = await Promise.all(
      Array.from({ length: 6 }, () => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
        });
        return new Promise<string>((r) => child.on('exit', () => r(out.trim())));
      }),
    );
    assert.equal(outputs.filter((o) => o === 'GOT').length, 1, `round ${round}: ${outputs.join(',')}`);
  }
});
