/**
 * Detached watchdog for a throwaway test Redis (started by redis.ts, one argument: JSON config). It kills the
 * server and removes its temp dir when the owning process is gone or after `maxMs`, whichever comes first; it
 * exits quietly when the temp dir disappears (normal stop) or on SIGTERM.
 */
import { rmSync } from 'node:fs';
import { watchOwner } from './process-alive.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as {
  parentPid: number;
  redisPid: number;
  dir: string;
  maxMs: number;
};

watchOwner(config, () => {
  try {
    process.kill(config.redisPid, 'SIGKILL');
  } catch {
    // already gone
  }
  rmSync(config.dir, { recursive: true, force: true });
});
