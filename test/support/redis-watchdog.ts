/**
 * Detached watchdog for a throwaway test Redis (started by redis.ts, one argument: JSON config). It kills the
 * server and removes its temp dir when the owning process is gone or after `maxMs`, whichever comes first; it
 * exits quietly when the temp dir disappears (normal stop) or on SIGTERM.
 */
import { existsSync, rmSync } from 'node:fs';
import { alive } from './process-alive.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as {
  parentPid: number;
  redisPid: number;
  dir: string;
  maxMs: number;
};
const deadline = Date.now() + config.maxMs;

process.on('SIGTERM', () => process.exit(0));
const timer = setInterval(() => {
  if (!existsSync(config.dir)) {
    clearInterval(timer);
    return;
  }
  if (!alive(config.parentPid) || Date.now() > deadline) {
    clearInterval(timer);
    try {
      process.kill(config.redisPid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(config.dir, { recursive: true, force: true });
  }
}, 500);
