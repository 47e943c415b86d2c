import { runCli } from './cli/index.ts';

/** Runs the CLI with `argv` (without `node` and the script) and resolves to the process exit code. */
export function main(argv: readonly string[]): Promise<number> {
  return runCli(argv);
}
