/**
 * The audit file (`audit.sink: file`): JSON lines, append-only and hash-chained —
 * `{"seq": n, "prev_hash": "…", "hash": "…", "event": {…}}` (see shared/hash-chain.ts).
 *
 * - One writer per file: `<file>.lock` holds the writer's pid, created exclusively; a lock left by a process that
 *   is gone is taken over, a live one is an error naming the pid.
 * - At open, the newest entry (the last line) is read to continue the chain. A file that ends in a partial line
 *   (a write cut short by a crash) or whose last line is not an entry is refused, not repaired: repairing would
 *   edit the trail. Run `hector audit verify --file …` and move the file aside.
 * - Appends are written one at a time in emit order (the file is opened `a`, mode 0600). `close` syncs to disk;
 *   a process crash loses nothing already appended, a power loss may lose the entries since the last sync.
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, link, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { chainHash, GENESIS_HASH, isPlainObject, type JsonValue } from '../shared/index.ts';

export interface AuditFile {
  readonly path: string;
  append(event: JsonValue): Promise<void>;
  close(): Promise<void>;
}

/** One line of an audit file, parsed; `error` when the line is not an entry. */
export type AuditFileLine =
  | {
      readonly line: number;
      /** The line as it is in the file. */
      readonly raw: string;
      readonly seq: number;
      readonly prevHash: string;
      readonly hash: string;
      readonly event: JsonValue;
    }
  | { readonly line: number; readonly error: string };

const TAIL_CHUNK = 64 * 1024;

function parseEntry(text: string, line: number): AuditFileLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { line, error: 'is not JSON' };
  }
  if (
    !isPlainObject(value) ||
    !Number.isSafeInteger(value.seq) ||
    typeof value.prev_hash !== 'string' ||
    typeof value.hash !== 'string' ||
    !('event' in value)
  ) {
    return { line, error: 'is not an audit entry ({seq, prev_hash, hash, event})' };
  }
  return {
    line,
    raw: text,
    seq: value.seq as number,
    prevHash: value.prev_hash,
    hash: value.hash,
    event: value.event as JsonValue,
  };
}

/** The entries of an audit file, in order (for verification). */
export async function* readAuditFile(path: string): AsyncGenerator<AuditFileLine> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let n = 0;
  for await (const text of lines) {
    n++;
    yield parseEntry(text, n);
  }
}

/** The last line of the file, read from the end; undefined for an empty file. Throws on a partial last line. */
async function lastLine(handle: FileHandle, path: string): Promise<string | undefined> {
  const { size } = await handle.stat();
  if (size === 0) return undefined;
  const tail = Buffer.alloc(1);
  await handle.read(tail, 0, 1, size - 1);
  if (tail[0] !== 0x0a) {
    throw new Error(
      `the audit file ${path} ends in a partial line (a write was cut short); run \`hector audit verify --file ${path}\` and move the file aside`,
    );
  }
  let end = size - 1;
  let collected = Buffer.alloc(0);
  while (end > 0) {
    const start = Math.max(0, end - TAIL_CHUNK);
    const chunk = Buffer.alloc(end - start);
    await handle.read(chunk, 0, chunk.length, start);
    collected = Buffer.concat([chunk, collected]);
    const newline = collected.lastIndexOf(0x0a);
    if (newline >= 0) return collected.subarray(newline + 1).toString('utf8');
    end = start;
  }
  return collected.toString('utf8');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lock files this process holds now (a second open in the same process is refused like another's). */
const held = new Set<string>();
/** A lock file that cannot be read yet (being written) counts as live for this long after it was made. */
const FRESH_LOCK_MS = 10_000;

/**
 * Takes `<file>.lock` for this process: the pid is written to a private temporary file first and then linked
 * into place, so the lock never exists without its pid (a competitor can never read it empty and take it
 * over). A lock whose pid is gone — or is our own pid but not held by us, as after a container restart where
 * PID 1's child gets the same pid again — is stale and taken over.
 */
async function takeLock(lockPath: string): Promise<void> {
  if (held.has(lockPath)) {
    throw new Error(
      `the audit file is already open in this process (${lockPath}); give each server its own audit.path`,
    );
  }
  const temp = `${lockPath}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, String(process.pid), { mode: 0o600, flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(temp, lockPath);
        held.add(lockPath);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const text = await readFile(lockPath, 'utf8').catch(() => undefined);
      const pid = Number(text?.trim());
      if (!Number.isSafeInteger(pid) || pid <= 0) {
        const made = await stat(lockPath).catch(() => undefined);
        if (made && Date.now() - made.mtimeMs < FRESH_LOCK_MS) {
          throw new Error(`the audit file is being opened by another process (${lockPath}); try again shortly`);
        }
      } else if (pid !== process.pid && alive(pid)) {
        throw new Error(
          `the audit file is in use by process ${pid} (${lockPath}); give each server its own audit.path, or, if no server is running, delete the lock file`,
        );
      }
      await rm(lockPath, { force: true });
    }
    throw new Error(`could not lock the audit file (${lockPath}); if no server is running, delete the lock file`);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Opens (creating it if needed) the audit file at `path` for appending; `key` keys the chain (HMAC). */
export async function openAuditFile(path: string, key?: string): Promise<AuditFile> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const lockPath = `${path}.lock`;
  await takeLock(lockPath);
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'a+', 0o600);
    const last = await lastLine(handle, path);
    let seq = 0;
    let prev = GENESIS_HASH;
    if (last !== undefined) {
      const entry = parseEntry(last, 0);
      if ('error' in entry) {
        throw new Error(
          `the last line of the audit file ${path} ${entry.error}; run \`hector audit verify --file ${path}\``,
        );
      }
      seq = entry.seq;
      prev = entry.hash;
    }
    const file = handle;
    let queue: Promise<void> = Promise.resolve();
    let closed = false;
    return {
      path,
      append(event) {
        if (closed) return Promise.reject(new Error('the audit file is closed'));
        const write = async () => {
          const next = seq + 1;
          const hash = chainHash(next, prev, event, key);
          await file.write(`${JSON.stringify({ seq: next, prev_hash: prev, hash, event })}\n`);
          seq = next;
          prev = hash;
        };
        const done = queue.then(write);
        queue = done.catch(() => {});
        return done;
      },
      async close() {
        if (closed) return;
        closed = true;
        await queue;
        await file.sync().catch(() => {});
        await file.close();
        held.delete(lockPath);
        await rm(lockPath, { force: true });
      },
    };
  } catch (err) {
    await handle?.close().catch(() => {});
    held.delete(lockPath);
    await rm(lockPath, { force: true });
    throw err;
  }
}
