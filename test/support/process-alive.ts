import { existsSync } from 'node:fs';

/** Whether a process exists (EPERM: it does, owned by someone else). For the test watchdogs. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The loop of a detached test watchdog: every 500 ms, stop quietly once `dir` is gone (a normal stop), and run
 * `teardown` once when the owning process has died or `maxMs` has passed. SIGTERM ends the watchdog.
 */
export function watchOwner(owner: { parentPid: number; dir: string; maxMs: number }, teardown: () => void): void {
  const deadline = Date.now() + owner.maxMs;
  process.on('SIGTERM', () => process.exit(0));
  const timer = setInterval(() => {
    if (!existsSync(owner.dir)) {
      clearInterval(timer);
      return;
    }
    if (!alive(owner.parentPid) || Date.now() > deadline) {
      clearInterval(timer);
      teardown();
    }
  }, 500);
}
