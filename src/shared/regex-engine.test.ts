import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

/**
 * In a child process (a regression must not hang this run; it is killed after 60 s and the test fails):
 * without the fallback, `(a|a)+$` on 40 a's and a b backtracks 2^40 times; with it, it returns.
 */
function runChild(enable: boolean): Promise<{ code: number | null; out: string }> {
  const script = `
    import { enableLinearRegexFallback } from ${JSON.stringify(new URL('./regex-engine.ts', import.meta.url).href)};
    if (${enable}) enableLinearRegexFallback();
    const evil = new RegExp('(a|a)+$');
    const poly = /\\w*\\w*\\w*!/;
    console.log(String(evil.test('a'.repeat(40) + 'b')) + ' ' + String(poly.test('a'.repeat(20000))));
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: out.trim() });
    });
  });
}

test('with the linear-time fallback, catastrophic backtracking patterns return (and give the right answer)', async () => {
  const { code, out } = await runChild(true);
  assert.equal(code, 0);
  assert.equal(out, 'false false');
});
