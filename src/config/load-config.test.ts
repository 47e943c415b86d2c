/** loadConfigFile / loadEnvironment against real files in a temp directory. */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../shared/index.ts';
import { loadConfigFile, loadEnvironment, processEnvironment } from './index.ts';

const root = mkdtempSync(join(tmpdir(), 'hector-config-'));
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function dirs(): { cwd: string; cfg: string } {
  const base = join(root, `case-${++n}`);
  const cwd = join(base, 'cwd');
  const cfg = join(base, 'etc', 'hector');
  mkdirSync(cwd, { recursive: true });
  mkdirSync(cfg, { recursive: true });
  return { cwd, cfg };
}

const CONFIG = `version: "2"
llms:
  default: {provider: openai, model: "\${MODEL}", api_key: "\${OPENAI_API_KEY}"}
agents:
  a:
    llm: default
    description: "\${DESC}"
    instruction: "\${ONLY_CWD}"
    tools: [r]
tools:
  r: {type: function, handler: read_file, working_directory: ./files}
server:
  database: data/hector.db
`;

async function rejects(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ConfigError');
}

test('.env precedence: process env > config-dir .env > cwd .env; nothing is written to process.env', async () => {
  const { cwd, cfg } = dirs();
  writeFileSync(
    join(cwd, '.env'),
    '# cwd\nMODEL=cwd-model\nDESC=cwd-desc\nONLY_CWD="quoted value"\nOPENAI_API_KEY=cwd-key-123\nHECTOR_TEST_MARKER=1\n',
  );
  writeFileSync(join(cfg, '.env'), 'MODEL=cfg-model\nDESC=cfg-desc\nOPENAI_API_KEY=cfg-key-123\n');
  writeFileSync(join(cfg, 'hector.yaml'), CONFIG);
  const loaded = await loadConfigFile(relative(cwd, join(cfg, 'hector.yaml')), {
    cwd,
    env: { OPENAI_API_KEY: 'proc-key-123', UNSET: undefined },
  });
  assert.equal(loaded.config.llms.default?.api_key, 'proc-key-123', 'process env wins');
  assert.equal(loaded.config.llms.default?.model, 'cfg-model', 'config-dir .env beats cwd .env');
  assert.equal(loaded.config.agents.a?.description, 'cfg-desc');
  assert.equal(loaded.config.agents.a?.instruction, 'quoted value', 'cwd .env is read (parseEnv strips quotes)');
  assert.equal(loaded.env.OPENAI_API_KEY, 'proc-key-123');
  assert.equal(loaded.env.HECTOR_TEST_MARKER, '1');
  assert.equal('UNSET' in loaded.env, false);
  assert.ok(Object.isFrozen(loaded.env));
  assert.equal(process.env.HECTOR_TEST_MARKER, undefined, 'process.env is never written');
  assert.deepEqual([...loaded.secrets].sort(), ['cfg-desc', 'cfg-model', 'proc-key-123', 'quoted value'].sort());

  // Paths: the file, its directory, and relative paths in it resolve against the CONFIG directory, not cwd.
  assert.equal(loaded.path, join(cfg, 'hector.yaml'));
  assert.equal(loaded.baseDir, cfg);
  assert.equal((loaded.config.tools.r as { working_directory: string }).working_directory, join(cfg, 'files'));
  assert.equal(loaded.config.server.database, `sqlite:${join(cfg, 'data', 'hector.db')}`);
});

test('loadEnvironment: missing .env files are fine; the same directory is read once; unreadable .env is an error', () => {
  const { cwd, cfg } = dirs();
  assert.deepEqual(loadEnvironment({ cwd, configDir: cfg, processEnv: { A: 'a' } }), { A: 'a' });
  writeFileSync(join(cwd, '.env'), 'A=file\nB=file\nexport C=exported\n');
  assert.deepEqual(
    { ...loadEnvironment({ cwd, configDir: cwd, processEnv: { A: 'proc' } }) },
    { A: 'proc', B: 'file', C: 'exported' },
  );
  mkdirSync(join(cfg, '.env'));
  assert.throws(
    () => loadEnvironment({ cwd, configDir: cfg, processEnv: {} }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.issues[0]?.message === `cannot read ${join(cfg, '.env')} (EISDIR)` &&
      e.issues[0]?.hint === 'fix its permissions or remove it',
  );
  // A .env cannot plant __proto__.
  writeFileSync(join(cwd, '.env'), '__proto__=x\nconstructor=y\n');
  const env = loadEnvironment({ cwd, processEnv: {} });
  assert.equal(Object.getPrototypeOf(env), Object.prototype);
  assert.equal(Object.hasOwn(env, '__proto__'), false);
  assert.equal(env.constructor, 'y');
});

test('a config that references a .env variable that is not defined anywhere names it', async () => {
  const { cwd, cfg } = dirs();
  writeFileSync(join(cfg, 'hector.yaml'), CONFIG);
  writeFileSync(join(cfg, '.env'), 'MODEL=m\nDESC=d\nONLY_CWD=x\n');
  const err = await rejects(loadConfigFile(join(cfg, 'hector.yaml'), { cwd, env: {} }));
  assert.deepEqual(err.issues, [
    {
      path: 'llms.default.api_key',
      message:
        'environment variable OPENAI_API_KEY is not set (referenced by llms.default.api_key); set it or add it to .env (line 3)',
    },
  ]);
  assert.match(err.message, new RegExp(`^${join(cfg, 'hector.yaml').replaceAll('/', '\\/')}: invalid configuration:`));
});

test('file errors: missing, a directory, not UTF-8, too large', async () => {
  const { cwd } = dirs();
  let err = await rejects(loadConfigFile('nope.yaml', { cwd, env: {} }));
  assert.deepEqual(err.issues, [
    {
      path: '',
      message: `config file not found: ${join(cwd, 'nope.yaml')}`,
      hint: 'check the path of the config file',
    },
  ]);
  assert.match(err.message, /^nope\.yaml: invalid configuration:/);
  err = await rejects(loadConfigFile('.', { cwd, env: {} }));
  assert.equal(err.issues[0]?.message, `${cwd} is a directory, not a config file`);
  writeFileSync(join(cwd, 'latin1.yaml'), Buffer.from([0x76, 0x3a, 0x20, 0xe9, 0x0a]));
  err = await rejects(loadConfigFile('latin1.yaml', { cwd, env: {} }));
  assert.equal(err.issues[0]?.message, 'the config file is not valid UTF-8');
  writeFileSync(join(cwd, 'big.yaml'), `# ${'x'.repeat(1_048_576)}\n`);
  err = await rejects(loadConfigFile('big.yaml', { cwd, env: {} }));
  assert.equal(err.issues[0]?.message, 'the config file is larger than 1048576 bytes');
});

test('a UTF-8 BOM is accepted', async () => {
  const { cwd } = dirs();
  writeFileSync(
    join(cwd, 'bom.yaml'),
    `\uFEFFversion: "2"\nllms: {l: {provider: ollama, model: m}}\nagents: {a: {llm: l}}\n`,
  );
  const loaded = await loadConfigFile('bom.yaml', { cwd, env: {} });
  assert.equal(loaded.config.version, '2');
});

test('processEnvironment is a frozen copy of process.env', () => {
  const env = processEnvironment();
  assert.ok(Object.isFrozen(env));
  assert.equal(env.PATH, process.env.PATH);
  assert.notEqual(env, process.env);
});

/** Every *.yaml example in the repository loads, with a dummy value for each ${VAR} that has no default. */
test('every example under examples/ loads', async (t) => {
  const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
  let files: string[];
  try {
    files = readdirSync(examples, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => join(examples, f));
  } catch {
    return; // no examples folder
  }
  const { cwd } = dirs();
  for (const file of files) {
    const env: Record<string, string> = {};
    for (const m of readFileSync(file, 'utf8').matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:-)?/g)) {
      if (m[2] !== undefined) continue; // has a default: let it apply
      const name = m[1]!;
      env[name] = /URL$/.test(name)
        ? 'http://127.0.0.1:9/v1'
        : /PORT$/.test(name)
          ? '8080'
          : `dummy-${name.toLowerCase()}`;
    }
    const loaded = await loadConfigFile(file, { cwd, env });
    assert.ok(Object.keys(loaded.config.agents).length > 0, file);
    t.diagnostic(`loaded ${relative(examples, file)}`);
  }
});

test('only regular files are read, and only up to the size limit: a device, a FIFO and a directory are named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hector-load-odd-'));
  const fifo = join(dir, 'hector.yaml');
  execFileSync('mkfifo', [fifo]);
  for (const [path, message] of [
    ['/dev/zero', /is not a regular file/],
    [fifo, /is not a regular file/],
    [dir, /is a directory/],
  ] as const) {
    await assert.rejects(loadConfigFile(path, { env: {} }), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.message, message);
      return true;
    });
  }
  // A .env beside the config that is a FIFO is refused too, instead of waiting for a writer forever.
  const envDir = mkdtempSync(join(tmpdir(), 'hector-load-env-'));
  writeFileSync(join(envDir, 'hector.yaml'), 'version: "2"\n');
  execFileSync('mkfifo', [join(envDir, '.env')]);
  await assert.rejects(loadConfigFile(join(envDir, 'hector.yaml'), { env: {} }), /\.env is not a regular file/);
  const big = join(dir, 'big.yaml');
  writeFileSync(big, `version: "2"\n# ${'x'.repeat(2 * 1024 * 1024)}\n`);
  await assert.rejects(loadConfigFile(big, { env: {} }), /larger than/);
});
