/**
 * The dependency rule of docs/architecture.md, enforced: folders import only from lower levels, only through
 * the target's index.ts; third-party infrastructure is confined to its folder; dangerous APIs are forbidden.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

export const LEVELS: Record<string, number> = {
  shared: 0,
  config: 1,
  protocol: 1,
  observability: 1,
  auth: 2,
  tenancy: 2,
  ratelimit: 2,
  persistence: 2,
  guardrails: 2,
  tools: 2,
  providers: 2,
  runtime: 3,
  a2a: 4,
  admin: 4,
  http: 5,
  server: 6,
  cli: 7,
};

/** Package (or prefix) → folders allowed to import it. Packages not listed are free to use anywhere. */
const CONFINED: [string, string[]][] = [
  ['yaml', ['config']],
  ['zod', ['config', 'protocol', 'tools']],
  ['pino', ['observability']],
  ['prom-client', ['observability']],
  ['@opentelemetry/', ['observability']],
  ['jose', ['auth']],
  ['kysely', ['persistence']],
  ['pg', ['persistence']],
  ['ioredis', ['ratelimit']],
  ['node:sqlite', ['persistence']],
  ['ai', ['providers']],
  ['@ai-sdk/', ['providers']],
  ['ollama-ai-provider-v2', ['providers']],
  ['@modelcontextprotocol/sdk', ['tools/mcp']],
  ['@a2a-js/sdk', ['a2a']],
  ['hono', ['http']],
  ['@hono/node-server', ['http']],
  ['commander', ['cli']],
  ['node:child_process', ['tools/command', 'cli', 'testing']],
];

const FORBIDDEN: [RegExp, string][] = [
  [
    /child_process\.exec(Sync)?\b|import\s*\{[^}]*\bexec(Sync)?\b[^}]*\}\s*from\s*['"](node:)?child_process['"]/,
    'child_process.exec runs a shell; use spawn with an argv array',
  ],
  [/shell\s*:\s*true/, 'shell: true hands a string to a shell'],
  [/\beval\s*\(|new\s+Function\s*\(/, 'eval / new Function'],
  [/Math\.random\s*\(/, 'Math.random is not a CSPRNG; use newId/randomToken from shared'],
];

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3])!);
  return specs;
}

function folderOf(file: string): string {
  const rel = relative(SRC, file).split('/');
  return rel.length > 1 ? rel[0]! : '(root)';
}

function subfolderOf(file: string): string {
  return relative(SRC, dirname(file));
}

const files = walk(SRC);
const sources = files.filter((f) => !f.endsWith('.test.ts'));

test('the source tree is not empty (the rule checks something)', () => {
  assert.ok(sources.length > 30, `only ${sources.length} source files found under src/`);
});

test('every folder under src/ has a level and an index.ts front door', () => {
  const folders = new Set(files.map(folderOf));
  folders.delete('(root)');
  for (const f of folders) {
    if (f === 'testing') continue;
    assert.ok(f in LEVELS, `src/${f}/ has no level in test/architecture.test.ts (add it to LEVELS)`);
    assert.ok(files.includes(join(SRC, f, 'index.ts')), `src/${f}/ has no index.ts front door`);
  }
});

test('folders import only lower levels, only through index.ts; src/testing is only imported by tests', () => {
  const violations: string[] = [];
  for (const file of sources) {
    const from = folderOf(file);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      const to = folderOf(target);
      if (to === from) continue;
      const where = relative(ROOT, file);
      if (to === 'testing') {
        violations.push(`${where} imports src/testing (fakes are for tests only)`);
        continue;
      }
      if (from === '(root)') {
        if (to !== 'cli') violations.push(`${where} may only import cli/`);
        continue;
      }
      if (from === 'testing') continue;
      const lf = LEVELS[from];
      const lt = LEVELS[to];
      if (lf === undefined || lt === undefined) {
        violations.push(`${where} → ${spec}: unknown folder`);
        continue;
      }
      if (lt >= lf) violations.push(`${where} (level ${lf}) imports ${to}/ (level ${lt}): only lower levels`);
      if (target !== join(SRC, to, 'index.ts')) {
        violations.push(`${where} imports ${relative(SRC, target)}: go through src/${to}/index.ts`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('third-party infrastructure is confined to its folder', () => {
  const violations: string[] = [];
  for (const file of sources) {
    const sub = subfolderOf(file);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      for (const [pkg, allowed] of CONFINED) {
        const matches = pkg.endsWith('/') ? spec.startsWith(pkg) : spec === pkg || spec.startsWith(`${pkg}/`);
        if (!matches) continue;
        if (!allowed.some((a) => sub === a || sub.startsWith(`${a}/`))) {
          violations.push(`${relative(ROOT, file)} imports ${spec} (allowed only in ${allowed.join(', ')})`);
        }
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('no dangerous APIs, and process.env only in src/config', () => {
  const violations: string[] = [];
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    for (const [re, why] of FORBIDDEN) if (re.test(text)) violations.push(`${relative(ROOT, file)}: ${why}`);
    if (/process\.env\b/.test(text) && !subfolderOf(file).startsWith('config')) {
      violations.push(`${relative(ROOT, file)}: reads process.env (only src/config may)`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the checker itself catches a violation (it cannot pass vacuously)', () => {
  assert.deepEqual(importsOf("import { x } from '../http/app.ts';\nimport y from 'kysely';"), [
    '../http/app.ts',
    'kysely',
  ]);
  assert.ok(FORBIDDEN[0]![0].test('child_process.exec("ls")'));
  assert.ok(FORBIDDEN[0]![0].test("import { spawn, exec } from 'node:child_process';"));
  assert.ok(!FORBIDDEN[0]![0].test('/x/.exec(text)'));
  assert.ok(FORBIDDEN[1]![0].test('spawn(a, { shell: true })'));
});
