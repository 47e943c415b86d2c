import { parseArgs } from 'node:util';
import { startScriptedLlm } from './scripted-llm.ts';

/**
 * Runs the scripted LLM as a standalone process (used by the offline demo and end-to-end tests):
 *
 *   node src/testing/scripted-llm-cli.ts --port 0 --echo [--max-lifetime 3600] [--require-api-key KEY]
 *
 * Prints `SCRIPTED_LLM_URL=http://127.0.0.1:PORT` on stdout once listening, then runs until SIGTERM / SIGINT, or
 * until `--max-lifetime` seconds have passed (default 3600) so a forgotten child process cannot live forever.
 * Without `--echo` every request answers HTTP 500 "no scripted turn left" (there is no way to enqueue turns).
 * It always binds 127.0.0.1.
 */

function fail(message: string): never {
  process.stderr.write(`scripted-llm: ${message}\n`);
  process.exit(2);
}

let values: { port?: string; echo?: boolean; 'max-lifetime'?: string; 'require-api-key'?: string };
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      echo: { type: 'boolean', default: false },
      'max-lifetime': { type: 'string', default: '3600' },
      'require-api-key': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (e) {
  fail(`${e instanceof Error ? e.message : String(e)} (usage: --port N --echo --max-lifetime SECONDS)`);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535)
  fail(`--port must be an integer 0..65535, got ${values.port}`);
const lifetimeSeconds = Number(values['max-lifetime']);
if (!Number.isFinite(lifetimeSeconds) || lifetimeSeconds <= 0) {
  fail(`--max-lifetime must be a positive number of seconds, got ${values['max-lifetime']}`);
}

const llm = await startScriptedLlm({
  port,
  whenEmpty: values.echo ? 'echo' : 'error',
  ...(values['require-api-key'] === undefined ? {} : { requireApiKey: values['require-api-key'] }),
});
process.stdout.write(`SCRIPTED_LLM_URL=${llm.url}\n`);

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await llm.close();
  process.exit(code);
}
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
setTimeout(
  () => {
    process.stderr.write(`scripted-llm: --max-lifetime of ${lifetimeSeconds} s reached; exiting\n`);
    void stop(0);
  },
  Math.min(lifetimeSeconds * 1000, 2 ** 31 - 1),
).unref();
