/** parseConfigText: substitution safety, coercion, paths, secrets, freezing, hostile YAML. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, type ConfigIssue } from '../shared/index.ts';
import { parseConfigText } from './index.ts';

const BASE = '/srv/hector';
const KEY = 'sk-test-0123456789';

function doc(extra = ''): string {
  return `version: "2"
llms:
  default:
    provider: openai
    model: gpt-4o-mini
    api_key: \${OPENAI_API_KEY}
agents:
  assistant:
    llm: default
${extra}`;
}

function parse(text: string, env: Record<string, string | undefined> = {}) {
  return parseConfigText(text, { baseDir: BASE, env: { OPENAI_API_KEY: KEY, ...env } });
}

function issues(text: string, env: Record<string, string | undefined> = {}): ConfigIssue[] {
  try {
    parse(text, env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return [...e.issues];
  }
  assert.fail('expected a ConfigError');
}

test('substitution never re-parses YAML: a value that looks like YAML stays one plain string', () => {
  for (const evil of ['a\nb: c', '{x: 1}', '[1, 2]', 'true', '8080', '!!js/function x', '*alias', '"quoted"']) {
    const { config } = parse(doc('    instruction: ${EVIL}\n    description: "pre ${EVIL} post"\n'), { EVIL: evil });
    assert.equal(config.agents.assistant?.instruction, evil);
    assert.equal(config.agents.assistant?.description, `pre ${evil} post`);
  }
  // It cannot add keys: an injected "llm: other" stays inside the string value.
  const { config } = parse(doc('    description: ${EVIL}\n'), { EVIL: 'x\n    llm: other\n    max_steps: 99' });
  assert.equal(config.agents.assistant?.llm, 'default');
  assert.equal(config.agents.assistant?.max_steps, 10);
  // And it cannot change a type: a YAML-looking number from the environment is not a number unless the field is.
  assert.deepEqual(issues(doc('    max_steps: ${EVIL}\n'), { EVIL: '{x: 1}' }), [
    // (the value came from the environment, so it counts as a secret and is masked)
    { path: 'agents.assistant.max_steps', message: 'expected a whole number between 1 and 100, got "***" (line 10)' },
  ]);
  assert.equal(parse(doc('    name: ${N}\n'), { N: '1234' }).config.agents.assistant?.name, '1234');
});

test('numbers and booleans accept exact decimal / true / false strings (e.g. from ${VAR}), nothing else', () => {
  const ok = parse(
    doc(
      `    streaming: \${STREAM}
    max_steps: "\${STEPS:-12}"
server:
  port: \${PORT:-8080}
  max_body_bytes: "2048"
llms2: null
`.replace('llms2: null\n', ''),
    ),
    { STREAM: 'false', PORT: '9090' },
  ).config;
  assert.equal(ok.server.port, 9090);
  assert.equal(ok.server.max_body_bytes, 2048);
  assert.equal(ok.agents.assistant?.streaming, false);
  assert.equal(ok.agents.assistant?.max_steps, 12);
  assert.equal(parse(doc('server: {port: "${PORT:-8080}"}\n')).config.server.port, 8080);
  assert.equal(
    parse(doc().replace('    api_key:', '    temperature: ${T}\n    api_key:'), { T: '0.25' }).config.llms.default
      ?.temperature,
    0.25,
  );

  for (const bad of ['80x', '0x50', ' 80', '80 ', '1e3', '', '+80', '8_080', '80.0', 'Infinity', 'NaN']) {
    assert.deepEqual(
      issues(doc('server: {port: "${PORT}"}\n'), { PORT: bad }).map((i) => i.path),
      ['server.port'],
      `port ${JSON.stringify(bad)} must be refused`,
    );
  }
  assert.deepEqual(issues(doc('server: {port: "${PORT}"}\n'), { PORT: '80x' }), [
    { path: 'server.port', message: 'expected a whole number between 0 and 65535, got "80x" (line 10)' },
  ]);
  assert.deepEqual(issues(doc('server: {port: "70000"}\n')), [
    { path: 'server.port', message: 'must be between 0 and 65535 (line 10)' },
  ]);
  assert.deepEqual(issues(doc('server: {port: 80.5}\n')), [
    { path: 'server.port', message: 'expected a whole number between 0 and 65535, got 80.5 (line 10)' },
  ]);
  assert.deepEqual(
    issues(doc('server: {port: .inf}\n')).map((i) => i.path),
    ['server.port'],
  );
  for (const bad of ['yes', 'no', 'on', '1', 'True', 'FALSE', '']) {
    assert.deepEqual(
      issues(doc('    streaming: "${S}"\n'), { S: bad }).map((i) => i.path),
      ['agents.assistant.streaming'],
      `streaming ${JSON.stringify(bad)} must be refused`,
    );
  }
  assert.deepEqual(issues(doc('    streaming: 1\n')), [
    { path: 'agents.assistant.streaming', message: 'expected true or false, got 1 (line 10)' },
  ]);
  // Strings stay strings: a number where a string is expected is an error, not converted.
  assert.deepEqual(issues(doc('    instruction: 42\n')), [
    { path: 'agents.assistant.instruction', message: 'expected a string, got 42 (line 10)' },
  ]);
});

test('durations need a unit and are bounded; output in milliseconds', () => {
  const llm = (t: string) => doc().replace('    api_key:', `    timeout: ${t}\n    api_key:`);
  assert.equal(parse(llm('250ms')).config.llms.default?.timeout, 250);
  assert.equal(parse(llm('1.5s')).config.llms.default?.timeout, 1500);
  assert.equal(parse(llm('2h')).config.llms.default?.timeout, 7_200_000);
  assert.equal(parse(llm('"${T}"'), { T: '5m' }).config.llms.default?.timeout, 300_000);
  assert.deepEqual(issues(llm('60')), [
    { path: 'llms.default.timeout', message: 'expected a duration such as "30s" or "500ms", got 60 (line 6)' },
  ]);
  assert.deepEqual(issues(llm('"60"')), [
    {
      path: 'llms.default.timeout',
      message: 'expected a duration such as "30s" or "500ms" (units ms, s, m, h), got "60" (line 6)',
    },
  ]);
  assert.deepEqual(issues(llm('0s')), [
    { path: 'llms.default.timeout', message: 'must be between 1ms and 24h (line 6)' },
  ]);
  assert.deepEqual(issues(llm('25h')), [
    { path: 'llms.default.timeout', message: 'must be between 1ms and 24h (line 6)' },
  ]);
  assert.deepEqual(issues(doc('server: {shutdown_timeout: 2h}\n')), [
    { path: 'server.shutdown_timeout', message: 'must be between 0ms and 1h (line 10)' },
  ]);
  assert.deepEqual(issues(doc('server: {task_lease: 1s}\n')), [
    { path: 'server.task_lease', message: 'must be between 2s and 1h (line 10)' },
  ]);
  assert.deepEqual(
    issues(llm('-1s')).map((i) => i.path),
    ['llms.default.timeout'],
  );
});

test('every issue of the document is reported at once, in line order', () => {
  const found = issues(`version: "2"
llms:
  default: {provider: openai, modle: gpt-4o, api_key: x}
  other: {provider: anthropic, model: m}
agnets: {}
agents:
  a: {llm: defualt, tools: [nope], max_steps: 0}
server:
  port: -1
  public_url: ftp://x
logger: {format: xml}
`);
  assert.deepEqual(
    found.map((i) => `${i.path}: ${i.message}`),
    [
      'llms.default.model: required (line 3)',
      'llms.default.modle: unknown key "modle" (line 3)',
      'llms.other.api_key: provider anthropic needs an API key; set api_key: ${ANTHROPIC_API_KEY} (line 4)',
      'agnets: unknown key "agnets" (line 5)',
      'agents.a.max_steps: must be between 1 and 100 (line 7)',
      'agents.a.llm: unknown llm "defualt" (line 7)',
      'agents.a.tools.0: unknown tool "nope" (line 7)',
      'server.port: must be between 0 and 65535 (line 9)',
      'server.public_url: must be an http:// or https:// URL (line 10)',
      'logger.format: "xml" is not one of: json, text (line 11)',
    ],
  );
});

test('the output is deep-frozen; name-keyed maps have no prototype', () => {
  const loaded = parse(doc('    tools: [r]\ntools:\n  r: {type: function, handler: read_file}\n'));
  const { config } = loaded;
  assert.ok(Object.isFrozen(loaded));
  assert.ok(Object.isFrozen(loaded.secrets));
  for (const o of [
    config,
    config.llms,
    config.llms.default,
    config.agents,
    config.agents.assistant,
    config.agents.assistant?.tools,
    config.tools,
    config.tools.r,
    config.server,
    config.logger,
  ]) {
    assert.ok(Object.isFrozen(o));
  }
  assert.throws(() => {
    (config.server as { port: number }).port = 1;
  }, TypeError);
  assert.throws(() => {
    (config.agents.assistant!.tools as string[]).push('x');
  }, TypeError);
  assert.throws(() => {
    (config.llms as Record<string, unknown>).evil = {};
  }, TypeError);
  assert.equal(Object.getPrototypeOf(config.llms), null);
  assert.equal(config.llms.constructor, undefined);
  assert.equal(config.tools.toString, undefined);
  assert.equal(Reflect.get(config.agents, '__proto__'), undefined);
  assert.deepEqual(Object.keys(config.agents), ['assistant']);
});

test('relative paths resolve against the config directory; postgres URLs are kept verbatim', () => {
  const db = (d: string) => parse(doc(`server: {database: "${d}"}\n`)).config.server.database;
  assert.equal(db('data/hector.db'), 'sqlite:/srv/hector/data/hector.db');
  assert.equal(db('sqlite:data/h.db'), 'sqlite:/srv/hector/data/h.db');
  assert.equal(db('sqlite:../shared/h.db'), 'sqlite:/srv/shared/h.db');
  assert.equal(db('/var/lib/hector.db'), 'sqlite:/var/lib/hector.db');
  assert.equal(db('sqlite:/var/lib/h.db'), 'sqlite:/var/lib/h.db');
  assert.equal(db(':memory:'), ':memory:');
  assert.equal(db('postgres://u:p@db:5432/hector?sslmode=require'), 'postgres://u:p@db:5432/hector?sslmode=require');
  assert.equal(db('postgresql://db/hector'), 'postgresql://db/hector');
  assert.deepEqual(issues(doc('server: {database: "mysql://db/x"}\n')), [
    {
      path: 'server.database',
      message: 'unsupported database; use postgres://user:password@host/db, sqlite:PATH or a file path (line 10)',
    },
  ]);
  assert.deepEqual(
    issues(doc('server: {database: "sqlite:"}\n')).map((i) => i.path),
    ['server.database'],
  );

  const ws = (w: string) =>
    (
      parse(doc(`tools:\n  r: {type: function, handler: read_file, working_directory: "${w}"}\n`)).config.tools.r as {
        working_directory: string;
      }
    ).working_directory;
  assert.equal(ws('./files'), '/srv/hector/files');
  assert.equal(ws('files/../other'), '/srv/hector/other');
  assert.equal(ws('../sibling'), '/srv/sibling');
  assert.equal(ws('/data/ws'), '/data/ws');
});

test('a workspace may not be the filesystem root or contain the config directory (its .env would be readable)', () => {
  const ws = (w: string) =>
    issues(doc(`tools:\n  r: {type: function, handler: read_file, working_directory: "${w}"}\n`));
  assert.deepEqual(ws('/'), [
    {
      path: 'tools.r.working_directory',
      message: 'the working directory must not be the filesystem root (line 11)',
      hint: 'use a dedicated directory',
    },
  ]);
  assert.deepEqual(ws('../../..'), ws('/'));
  const contains = {
    path: 'tools.r.working_directory',
    message:
      "the working directory /srv/hector contains the config file's directory (the tool could read the config and its .env) (line 11)",
    hint: 'point it at a dedicated directory such as ./workspace',
  };
  assert.deepEqual(ws('.'), [contains]);
  assert.deepEqual(ws('./sub/..'), [contains]);
  assert.equal(ws('..')[0]?.message.startsWith('the working directory /srv contains'), true);
});

test('URLs and hosts', () => {
  const llm = (u: string) => issues(doc().replace('    api_key:', `    base_url: "${u}"\n    api_key:`));
  assert.deepEqual(llm('ftp://x'), [
    { path: 'llms.default.base_url', message: 'must be an http:// or https:// URL (line 6)' },
  ]);
  assert.deepEqual(llm('http://'), [{ path: 'llms.default.base_url', message: 'is not a valid URL (line 6)' }]);
  assert.deepEqual(
    llm('javascript:alert(1)').map((i) => i.path),
    ['llms.default.base_url'],
  );
  assert.deepEqual(issues(doc('server: {public_url: "https://u:pw@x.example/?a=1#f"}\n')), [
    { path: 'server.public_url', message: 'must not contain credentials (user:password@); it is published (line 10)' },
    { path: 'server.public_url', message: 'must not contain a query (?…) or fragment (#…) (line 10)' },
  ]);
  for (const host of ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost', 'my-host.internal']) {
    assert.equal(parse(doc(`server: {host: "${host}"}\n`)).config.server.host, host);
  }
  for (const host of ['http://0.0.0.0', '0.0.0.0:8080', 'a b', '', '-x']) {
    assert.deepEqual(
      issues(doc(`server: {host: "${host}"}\n`)).map((i) => i.path),
      ['server.host'],
      host,
    );
  }
});

test('secrets: env-substituted values, values under secret-looking keys, URL passwords; never in messages', () => {
  const { secrets } = parse(
    doc(`    description: "\${DESC}"
    instruction: "\${SHORT} \${DFLT:-default-value-not-secret}"
server:
  database: postgres://hector:db-p%40ss@db/hector
`),
    { DESC: 'from-the-env', SHORT: 'abc' },
  );
  assert.deepEqual([...secrets].sort(), ['db-p%40ss', 'db-p@ss', 'from-the-env', KEY].sort());
  assert.deepEqual(
    parse(doc().replace('${OPENAI_API_KEY}', 'literal-key-in-file')).secrets,
    ['literal-key-in-file'],
    'a literal api_key is a secret too',
  );
  // A secret echoed by a message (here: a bad enum value that came from the environment) is masked.
  const found = issues(doc().replace('provider: openai', 'provider: ${P}'), { P: 'sk-live-secret-value' });
  assert.deepEqual(found, [
    { path: 'llms.default.provider', message: '"***" is not one of: openai, anthropic, gemini, ollama (line 4)' },
  ]);
});

test('hostile or broken YAML', () => {
  assert.deepEqual(issues(''), [
    { path: '', message: 'the config is empty', hint: 'start with version: "2" and define llms and agents' },
  ]);
  assert.deepEqual(issues('# only a comment\n'), issues(''));
  assert.deepEqual(issues('- a\n- b\n'), [
    { path: '', message: 'the config must be a mapping (key: value pairs)', hint: 'start with version: "2"' },
  ]);
  assert.deepEqual(issues('version: "2"\nversion: "2"\n'), [
    {
      path: '',
      message: 'YAML syntax error: Map keys must be unique at line 2, column 1',
      hint: 'fix the YAML syntax',
    },
  ]);
  assert.deepEqual(
    issues(`${doc()}---\nversion: "2"\n`).map((i) => i.message.split(' at line')[0]),
    ['YAML syntax error: Source contains multiple documents; please use YAML.parseAllDocuments()'],
  );
  // An unquoted ${VAR} inside a flow mapping is a YAML error; the hint says to quote it.
  assert.equal(
    issues(doc('server: {host: ${H}}\n'))[0]?.hint,
    'inside {…} or […] a ${VAR} value must be quoted: {api_key: "${KEY}"}',
  );
  // Unknown tags are refused, not silently read as strings.
  assert.deepEqual(
    issues(doc('    instruction: !js/function "x"\n')).map((i) => i.message.split(' at line')[0]),
    ['YAML problem: Unresolved tag: !js/function'],
  );
  // Merge keys are not enabled: `<<` is an unknown key.
  assert.deepEqual(
    issues(doc('    <<: {max_steps: 5}\n')).map((i) => i.message),
    ['unknown key "<<" (line 10)'],
  );
  // __proto__ cannot be used as a key anywhere.
  assert.deepEqual(issues(doc('    __proto__: {polluted: true}\n')), [
    { path: 'agents.assistant.__proto__', message: 'the key "__proto__" is not allowed (line 10)' },
  ]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(
    issues(doc('  __proto__: {llm: default}\n')).map((i) => i.path),
    ['agents.__proto__'],
  );
  // Complex keys.
  assert.deepEqual(
    issues(doc('? [a, b]\n: 1\nlogger: {level: nope}\n')).map((i) => i.message),
    ['a key must be a plain string', '"nope" is not one of: trace, debug, info, warn, error, fatal, silent (line 12)'],
  );
  // A recursive alias is an error, not an infinite loop.
  assert.deepEqual(
    issues(doc('tools: &t\n  x: *t\n')).map((i) => i.message),
    ['recursive alias *t (line 11)'],
  );
  // An alias bomb is cut off.
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 0; i < 8; i++)
    bomb.push(
      `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
        .fill(`*${String.fromCharCode(97 + i)}`)
        .join(',')}]`,
    );
  assert.deepEqual(
    issues(`${bomb.join('\n')}\n`).map((i) => i.message),
    ['the document expands to more than 100000 nodes (alias expansion?)'],
  );
  // Deep nesting.
  assert.deepEqual(
    issues(`${doc()}x: ${'['.repeat(70)}${']'.repeat(70)}\n`).map((i) => i.message),
    ['nesting is deeper than 64 levels (line 10)'],
  );
  // Plain aliases work and are copies.
  const { config } = parse(`${doc()}  second: &s {llm: default, instruction: shared}\n  third: *s\n`);
  assert.equal(config.agents.third?.instruction, 'shared');
  assert.notEqual(config.agents.second, config.agents.third);
  assert.equal(config.agents.third?.name, 'third');
});

test('a document over 1 MiB is refused', () => {
  assert.deepEqual(issues(`${doc()}# ${'x'.repeat(1_048_576)}\n`), [
    { path: '', message: 'the config is larger than 1048576 bytes' },
  ]);
});

test('bad options fail loudly', () => {
  assert.throws(() => parseConfigText(doc(), { baseDir: 'relative', env: {} }), /baseDir must be an absolute path/);
});
