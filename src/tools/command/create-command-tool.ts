import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../shared/index.ts';
import { defineTool } from '../define-tool.ts';
import { utf8SafeEnd } from '../text.ts';
import type { Tool, ToolResult } from '../types.ts';
import { loadBashParser } from './bash-parser.ts';
import { type CommandToolOptions, type NormalizedOptions, normalizeOptions } from './options.ts';
import { MAX_COMMAND_CHARS, parseCommandLine } from './parse-command.ts';
import { checkProgram, type ProgramPolicy, type ResolvedProgram } from './policy.ts';
import { type Launch, type LaunchStep, type RunOutcome, runSteps } from './run-steps.ts';
import {
  checkSandboxAvailable,
  DEFAULT_BWRAP_PATH,
  DEFAULT_PRLIMIT_PATH,
  prlimitArgs,
  SYNTHETIC_ETC_DATA,
  sandboxArgs,
} from './sandbox.ts';
import { resolveWorkingDir } from './working-dir.ts';

const commandArgs = z.strictObject({
  command: z
    .string()
    .min(1)
    .max(MAX_COMMAND_CHARS)
    .describe(
      'One command line, e.g. "grep -n TODO src/app.ts" or "cat a.txt | wc -l". Programs with literal arguments, joined by |, &&, || or ;. Quote with \'...\' or "...". No redirections, variables, globs, ~, $(...), backticks or subshells.',
    ),
  working_dir: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe('Directory to run in, relative to the working directory root (default: the root)'),
});

const sandboxChecks = new Map<string, Promise<{ ok: true } | { ok: false; reason: string }>>();

/** One successful availability check per bwrap path and PATH per process; failures are retried next time. */
function checkOnce(bwrapPath: string, trustedPath: readonly string[]) {
  const key = `${bwrapPath}\0${trustedPath.join(':')}`;
  let check = sandboxChecks.get(key);
  if (!check) {
    check = checkSandboxAvailable({ bwrapPath, trustedPath });
    sandboxChecks.set(key, check);
    void check.then((r) => {
      if (!r.ok) sandboxChecks.delete(key);
    });
  }
  return check;
}

function findPrlimit(trustedPath: readonly string[]): string | undefined {
  for (const candidate of [DEFAULT_PRLIMIT_PATH, ...trustedPath.map((d) => join(d, 'prlimit'))]) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

function describe(o: NormalizedOptions): string {
  const where =
    o.sandbox === 'bubblewrap'
      ? `in a sandbox (${o.network ? 'with' : 'no'} network; only the working directory is writable; the rest of the host is not visible)`
      : 'WITHOUT a sandbox';
  const who = o.denyByDefault
    ? `Allowed programs: ${[...o.allowed].sort().join(', ')}.`
    : 'Shells, interpreters, editors, network clients and destructive programs are refused unless configured.';
  return `Run programs ${where}. "command" is one command line of programs with literal arguments, optionally joined by |, &&, || or ; (no shell: no redirections, variables, globs, ~, $(...), backticks, subshells or loops; quote arguments with '...' or "..."). Programs are bare names looked up on a fixed PATH. "working_dir" is relative to the working directory root. Output (stdout and stderr) is capped at ${o.maxOutputBytes} bytes and the run at ${o.maxExecutionMs} ms; the exit code is reported. ${who}`;
}

function refused(reason: string): ToolResult {
  return { output: `command refused: ${reason}`, isError: true, audit: { denied: reason } };
}

function formatOutcome(outcome: RunOutcome, o: NormalizedOptions, argv: readonly (readonly string[])[]): ToolResult {
  const result = formatText(outcome, o);
  const { end } = outcome;
  return {
    ...result,
    audit: { argv, end: end.kind, exitCode: end.kind === 'exit' ? end.code : null },
  };
}

function formatText(outcome: RunOutcome, o: NormalizedOptions): ToolResult {
  const { output, end } = outcome;
  const cut = end.kind === 'output_limit' ? output.subarray(0, utf8SafeEnd(output, output.length)) : output;
  let text = cut.toString('utf8');
  if (text === '') text = '(no output)';
  if (!text.endsWith('\n')) text += '\n';
  switch (end.kind) {
    case 'exit':
      return { output: `${text}[exit code ${end.code}]`, isError: end.code !== 0 };
    case 'timeout':
      return {
        output: `${text}[killed: the command ran longer than ${o.maxExecutionMs} ms (max_execution_time)]`,
        isError: true,
      };
    case 'output_limit':
      return {
        output: `${text}[output truncated at ${o.maxOutputBytes} bytes: the command was stopped; narrow it down, e.g. with head or grep]`,
        isError: true,
      };
    case 'cancelled':
      return { output: `${text}[cancelled: the command was stopped]`, isError: true };
  }
}

/**
 * The `command` tool. SECURITY CONTRACT (details in the module comments):
 * 1. the command string is parsed with tree-sitter-bash and only literal simple commands, pipelines and
 *    `&&`/`||`/`;` lists are accepted (parse-command.ts);
 * 2. EVERY program of the line passes the policy before ANY runs (policy.ts, deny-lists.ts, argument-rules.ts);
 * 3. each program runs via spawn without a shell, under prlimit, inside bubblewrap (sandbox.ts), in
 *    `working_dir` (real path inside the root, working-dir.ts), with a wall-clock limit and an output cap
 *    (run-steps.ts).
 *
 * Construction (async: the grammar is WebAssembly, loaded once per process): validates the options
 * (ConfigError), creates the working directory (0700), finds prlimit (ConfigError: install util-linux) and, for
 * `sandbox: 'bubblewrap'`, runs a trivial sandbox once and fails closed with a ConfigError saying how to install
 * bubblewrap. `sandbox: 'none'` runs programs on the host with only the parser, policy, cleared environment and
 * limits: it is unsafe, and the caller must log a warning at every start.
 */
export async function createCommandTool(options: CommandToolOptions): Promise<Tool> {
  const o = normalizeOptions(options);
  const parser = await loadBashParser();
  const prlimitPath = findPrlimit(o.trustedPath);
  if (prlimitPath === undefined) {
    throw new ConfigError([
      {
        path: `tools.${o.name}`,
        message: 'prlimit was not found',
        hint: 'install util-linux: apt-get install util-linux',
      },
    ]);
  }
  const bwrapPath = o.bwrapPath ?? DEFAULT_BWRAP_PATH;
  if (o.sandbox === 'bubblewrap') {
    const check = await checkOnce(bwrapPath, o.trustedPath);
    if (!check.ok) {
      throw new ConfigError([
        {
          path: `tools.${o.name}.sandbox`,
          message: check.reason,
          hint: 'or set sandbox: none to run without isolation (unsafe)',
        },
      ]);
    }
  }
  const policy: ProgramPolicy = {
    allowed: o.allowed,
    denied: o.denied,
    denyByDefault: o.denyByDefault,
    trustedPath: o.trustedPath,
    root: o.root,
  };
  const env = Object.freeze({ PATH: o.trustedPath.join(':'), HOME: '/tmp', LANG: 'C.UTF-8' });
  const limits = prlimitArgs(o.maxExecutionMs);
  const layout = { root: o.root, trustedPath: o.trustedPath, network: o.network };

  const launch = (program: ResolvedProgram, cwd: string): Launch =>
    o.sandbox === 'bubblewrap'
      ? {
          file: prlimitPath,
          args: [...limits, '--', bwrapPath, ...sandboxArgs(layout, cwd), '--', ...program.argv],
          cwd,
          env,
          extraFds: SYNTHETIC_ETC_DATA,
        }
      : { file: prlimitPath, args: [...limits, '--', ...program.argv], cwd, env, extraFds: [] };

  return defineTool({
    name: o.name,
    description: o.description ?? describe(o),
    args: commandArgs,
    async execute(args, context) {
      const where = await resolveWorkingDir(o.root, args.working_dir);
      if (!where.ok) return refused(where.message);
      const parsed = parseCommandLine(parser, args.command);
      if (!parsed.ok) return refused(parsed.reason);
      const steps: LaunchStep[] = [];
      const argvs: (readonly string[])[] = [];
      for (const step of parsed.steps) {
        const launches: Launch[] = [];
        for (const argv of step.commands) {
          const decision = await checkProgram(policy, argv);
          if (!decision.ok) return refused(decision.reason);
          argvs.push(decision.program.argv);
          launches.push(launch(decision.program, where.cwd));
        }
        steps.push({ op: step.op, launches });
      }
      const outcome = await runSteps(steps, {
        maxExecutionMs: o.maxExecutionMs,
        maxOutputBytes: o.maxOutputBytes,
        signal: context.signal,
      });
      return formatOutcome(outcome, o, argvs);
    },
  });
}
