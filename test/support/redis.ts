/**
 * A real, throwaway Redis for tests: `redis-server` on 127.0.0.1, a free port, no persistence, in a temp dir,
 * spawned with an argv array (no shell). A detached watchdog (redis-watchdog.ts) kills it when this process
 * dies without calling `stop()`. Without `redis-server` installed, `startRedis()` throws with install
 * instructions: tests fail; they are skipped only with `HECTOR_TEST_SKIP_REDIS=1` (`redisSkipReason()`).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TestRedis {
  /** `redis://[:password@]127.0.0.1:PORT/0`. */
  url: string;
  port: number;
  /** Shuts the server down and removes its temp dir. */
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): void;
}

const WATCHDOG = join(dirname(fileURLToPath(import.meta.url)), 'redis-watchdog.ts');
const MAX_LIFETIME_MS = 45 * 60 * 1000;

export function redisSkipReason(): string | undefined {
  return process.env.HECTOR_TEST_SKIP_REDIS === '1' ? 'Redis tests skipped: HECTOR_TEST_SKIP_REDIS=1' : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server answers PING with PONG (or rejects after ~10 s). */
async function waitForPong(port: number, password: string | undefined, child: ChildProcess): Promise<void> {
  const ping = () =>
    new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      let data = '';
      socket.once('error', () => resolve(false));
      socket.on('data', (d) => {
        data += d.toString();
        if (data.includes('PONG')) {
          socket.destroy();
          resolve(true);
        }
      });
      socket.once('connect', () => socket.write(`${password ? `AUTH ${password}\r\n` : ''}PING\r\n`));
      setTimeout(() => {
        socket.destroy();
        resolve(false);
      }, 500);
    });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    if (await ping()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis-server did not answer PING within 10 s');
}

export async function startRedis(options: { password?: string } = {}): Promise<TestRedis> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error) {
    throw new Error(
      'redis-server was not found on PATH. Install it (Debian/Ubuntu: apt-get install redis-server; scripts/install.sh does this as root), or set HECTOR_TEST_SKIP_REDIS=1 to skip the Redis tests.',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'hector-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  if (options.password) args.push('--requirepass', options.password);
  const child = spawn('redis-server', args, { cwd: dir, stdio: 'ignore' });
  const watchdog = spawn(
    process.execPath,
    [WATCHDOG, JSON.stringify({ parentPid: process.pid, redisPid: child.pid, dir, maxMs: MAX_LIFETIME_MS })],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const cleanup = () => {
    if (watchdog.pid !== undefined) {
      try {
        process.kill(watchdog.pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPong(port, options.password, child);
  } catch (err) {
    child.kill('SIGKILL');
    cleanup();
    throw err;
  }
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    url: `redis://${auth}127.0.0.1:${port}/0`,
    port,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      cleanup();
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}
