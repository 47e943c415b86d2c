import { loadBashParser } from './bash-parser.ts';
import { type ParseResult, parseCommandLine } from './parse-command.ts';

/**
 * The argv arrays a command string stands for, exactly as the command tool parses it (for audit events:
 * "argv for commands"). Parsing only; no policy check, nothing runs.
 */
export async function parseCommandArgv(command: string): Promise<ParseResult> {
  return parseCommandLine(await loadBashParser(), command);
}
