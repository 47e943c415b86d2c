export { createCommandTool } from './create-command-tool.ts';
export { DENIED_UNLESS_ALLOWED, NEVER_ALLOWED } from './deny-lists.ts';
export type { CommandToolOptions } from './options.ts';
export type { ListOperator, ParseResult, PipelineStep } from './parse-command.ts';
export { MAX_COMMAND_CHARS } from './parse-command.ts';
export { parseCommandArgv } from './parse-command-argv.ts';
export type { SandboxCheckOptions } from './sandbox.ts';
export { checkSandboxAvailable, DEFAULT_TRUSTED_PATH, INSTALL_HINT } from './sandbox.ts';
