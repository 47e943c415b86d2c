/**
 * Runs parsed and policy-checked pipelines. Every program is started with `spawn(file, args, {shell: false})`
 * — never a shell, never a re-serialised string — in its own process group (`detached`), with stdin from
 * /dev/null for the first program of a pipeline. The programs of a pipeline are connected by OS pipes (the
 * previous program's stdout descriptor becomes the next one's stdin; the server closes its copy at once, so
 * `yes | head -n 1` ends by SIGPIPE). `&&`, `||` and `;` are evaluated here from exit codes, left to right.
 *
 * Limits: one wall-clock deadline for the whole command line; when it passes, or the caller aborts, or the
 * captured output (last program's stdout plus every program's stderr, interleaved as it arrives) reaches
 * `maxOutputBytes`, every running process group gets SIGKILL (bubblewrap then takes the whole sandbox down:
 * `--die-with-parent` and the PID namespace) and no further step starts.
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { ToolError } from '../../shared/index.ts';
import type { ListOperator } from './parse-command.ts';

export interface Launch {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Data for extra descriptors 3, 4, ... (bubblewrap's --ro-bind-data), written then closed. */
  readonly extraFds: readonly Buffer[];
}

export interface LaunchStep {
  readonly op: ListOperator | null;
  readonly launches: readonly Launch[];
}

export type RunEnd =
  | { kind: 'exit'; code: number }
  | { kind: 'timeout' }
  | { kind: 'cancelled' }
  | { kind: 'output_limit'; code: number | null };

export interface RunOutcome {
  /** Captured output, at most `maxOutputBytes`. */
  readonly output: Buffer;
  readonly end: RunEnd;
}

export interface RunOptions {
  readonly maxExecutionMs: number;
  readonly maxOutputBytes: number;
  readonly signal: AbortSignal;
}

type StopReason = 'timeout' | 'cancelled' | 'output_limit';

class Run {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  stopped: StopReason | undefined;
  readonly running = new Set<ChildProcess>();
  readonly streams = new Set<Readable>();

  readonly maxOutputBytes: number;

  constructor(maxOutputBytes: number) {
    this.maxOutputBytes = maxOutputBytes;
  }

  capture(chunk: Buffer): void {
    if (this.stopped === 'output_limit') return;
    const room = this.maxOutputBytes - this.bytes;
    if (chunk.length > room) {
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.bytes = this.maxOutputBytes;
      this.stop('output_limit');
      return;
    }
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  stop(reason: StopReason): void {
    if (this.stopped) return;
    this.stopped = reason;
    for (const child of this.running) killTree(child);
    for (const s of this.streams) s.destroy();
  }
}

function killTree(child: ChildProcess): void {
  const pid = child.pid;
  if (pid !== undefined) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
  try {
    child.kill('SIGKILL');
  } catch {
    // already exited
  }
}

function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? constants.signals[signal] : undefined;
  return n === undefined ? 1 : 128 + n;
}

function startPipeline(run: Run, launches: readonly Launch[]): Promise<number> {
  const waits: Promise<number>[] = [];
  let previous: ChildProcess | undefined;
  let spawnError: Error | undefined;
  launches.forEach((launch, index) => {
    const last = index === launches.length - 1;
    const stdin = previous?.stdout ?? 'ignore';
    const stdio: StdioOptions = [stdin, 'pipe', 'pipe', ...launch.extraFds.map(() => 'pipe' as const)];
    const child = spawn(launch.file, [...launch.args], {
      cwd: launch.cwd,
      env: { ...launch.env },
      stdio,
      shell: false,
      detached: true,
      windowsHide: true,
    });
    // The next program has its own copy of the pipe now; ours must go, or the writer never sees EPIPE.
    previous?.stdout?.destroy();
    run.running.add(child);
    launch.extraFds.forEach((data, i) => {
      const s = child.stdio[3 + i];
      if (s && 'end' in s && typeof s.end === 'function') {
        s.on('error', () => {});
        s.end(data);
      }
    });
    const collect = (stream: Readable | null) => {
      if (!stream) return;
      run.streams.add(stream);
      stream.on('data', (chunk: Buffer) => run.capture(chunk));
      stream.on('error', () => {});
    };
    if (last) collect(child.stdout);
    collect(child.stderr);
    waits.push(
      new Promise<number>((resolve) => {
        let settled = false;
        child.once('error', (e) => {
          spawnError ??= e;
          if (settled) return;
          settled = true;
          run.running.delete(child);
          resolve(127);
        });
        child.once('close', (code, signal) => {
          if (settled) return;
          settled = true;
          run.running.delete(child);
          resolve(exitCode(code, signal));
        });
      }),
    );
    if (run.stopped) killTree(child);
    previous = child;
  });
  return Promise.all(waits).then((codes) => {
    if (spawnError) {
      throw new ToolError(
        `the command could not be started (${(spawnError as NodeJS.ErrnoException).code ?? 'error'})`,
        {
          cause: spawnError,
        },
      );
    }
    return codes[codes.length - 1] ?? 1;
  });
}

/** Runs the steps of a command line; see the module comment for the guarantees. */
export async function runSteps(steps: readonly LaunchStep[], options: RunOptions): Promise<RunOutcome> {
  const run = new Run(options.maxOutputBytes);
  if (options.signal.aborted) return { output: Buffer.alloc(0), end: { kind: 'cancelled' } };
  const onAbort = () => run.stop('cancelled');
  options.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => run.stop('timeout'), options.maxExecutionMs);
  let status = 0;
  let ranAny = false;
  try {
    for (const step of steps) {
      if (run.stopped) break;
      if (ranAny && step.op === '&&' && status !== 0) continue;
      if (ranAny && step.op === '||' && status === 0) continue;
      status = await startPipeline(run, step.launches);
      ranAny = true;
    }
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
    for (const child of run.running) killTree(child);
  }
  const output = Buffer.concat(run.chunks);
  const reason = run.stopped;
  const end: RunEnd =
    reason === undefined
      ? { kind: 'exit', code: status }
      : reason === 'output_limit'
        ? { kind: 'output_limit', code: null }
        : { kind: reason };
  return { output, end };
}
