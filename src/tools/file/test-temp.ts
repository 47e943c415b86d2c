/**
 * Shared by the file tool tests (imported only by *.test.ts): a real temp directory removed after the test, and
 * a list of FIFOs the test creates. If a FIFO check ever regresses, an open of one blocks in the thread pool;
 * on abort (timeout) and at teardown each FIFO is opened O_RDWR|O_NONBLOCK, which releases a blocked reader or
 * writer, so the test fails on its timeout instead of hanging the whole run.
 */
import { closeSync, constants, mkdtempSync, openSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestContextLike {
  after(fn: () => void | Promise<void>): void;
  signal: AbortSignal;
}

export function tempDirWithFifos(t: TestContextLike, prefix: string): { base: string; fifos: string[] } {
  const base = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const fifos: string[] = [];
  const releaseFifos = () => {
    for (const fifo of fifos) {
      try {
        closeSync(openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK));
      } catch {}
    }
  };
  t.signal.addEventListener('abort', releaseFifos);
  t.after(() => {
    releaseFifos();
    rmSync(base, { recursive: true, force: true });
  });
  return { base, fifos };
}
