/**
 * Detached watchdog for a throwaway test cluster (started by postgres.ts, one argument: JSON config).
 * It stops the cluster (`pg_ctl stop -m immediate`) and removes its temp dir when the owning process is gone
 * or after `maxMs`, whichever comes first. It exits quietly when the temp dir disappears (normal stop) or on
 * SIGTERM (sent by a normal stop).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { watchOwner } from './process-alive.ts';

interface WatchdogConfig {
  parentPid: number;
  pgCtl: string;
  dataDir: string;
  dir: string;
  runAs?: { uid: number; gid: number } | null;
  maxMs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as WatchdogConfig;

function teardown(): void {
  if (existsSync(join(config.dataDir, 'postmaster.pid'))) {
    spawnSync(config.pgCtl, ['-D', config.dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'], {
      cwd: '/',
      stdio: 'ignore',
      ...(config.runAs ?? {}),
    });
  }
  rmSync(config.dir, { recursive: true, force: true });
}

watchOwner(config, teardown);
