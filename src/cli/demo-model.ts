import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface DemoModel {
  /** Variables that point examples/quickstart.yaml's OpenAI LLM at the stand-in. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('../testing/scripted-llm-cli.ts', import.meta.url));

/**
 * Starts the scripted stand-in model (the same program the tests use) as a child process on 127.0.0.1 in echo
 * mode, for the offline demo. It is a separate process, not an import: test fakes never load into the server.
 */
export async function startDemoModel(): Promise<DemoModel> {
  const child = spawn(process.execPath, [SCRIPT, '--port', '0', '--echo'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    shell: false,
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error('the offline demo model did not start within 15 s')), 15_000);
    lines.on('line', (line) => {
      const m = /^SCRIPTED_LLM_URL=(http:\/\/127\.0\.0\.1:\d+)$/.exec(line.trim());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the offline demo model exited with code ${code}`));
    });
  });
  return {
    env: { OPENAI_BASE_URL: `${url}/v1`, OPENAI_API_KEY: 'offline-demo-no-key', HECTOR_MODEL: 'scripted-stand-in' },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
