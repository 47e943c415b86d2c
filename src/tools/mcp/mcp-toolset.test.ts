/**
 * MCP toolsets against real servers: @modelcontextprotocol/server-everything (stdio in the bubblewrap sandbox,
 * streamable HTTP and SSE on loopback), @modelcontextprotocol/server-filesystem (stdio, sandboxed) and a small
 * SDK server whose tool list changes. Every test asserts what the server really did or saw.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CHANGING,
  EVERYTHING,
  FILESYSTEM,
  type HttpMcpServer,
  NODE,
  READ_ONLY,
  startEverythingHttp,
} from '../../../test/support/mcp/servers.ts';
import { ConfigError } from '../../shared/index.ts';
import { createToolRegistry } from '../registry.ts';
import type { Tool, Toolset } from '../types.ts';
import { createMcpToolset, type McpEvent, type McpToolsetOptions } from './index.ts';

const base = mkdtempSync(join(tmpdir(), 'hector-mcp-'));
after(() => rmSync(base, { recursive: true, force: true }));
const ctx = () => ({ scope: { appId: 'default', userId: 'u' }, agent: 'a', signal: new AbortController().signal });

let n = 0;
function stdio(args: string[], extra: Partial<Extract<McpToolsetOptions['server'], { kind: 'stdio' }>> = {}) {
  const dir = join(base, `w${++n}`);
  return {
    kind: 'stdio' as const,
    command: NODE,
    args,
    env: {},
    workingDirectory: dir,
    sandbox: 'bubblewrap' as const,
    network: false,
    readOnlyPaths: READ_ONLY,
    protectedPaths: [join(base, '.hector')],
    ...extra,
  };
}

async function toolset(o: Partial<McpToolsetOptions> & Pick<McpToolsetOptions, 'server'>, events: McpEvent[] = []) {
  return createMcpToolset({
    name: 'everything',
    deny: [],
    requireApproval: false,
    callTimeoutMs: 10_000,
    connectTimeoutMs: 20_000,
    maxResultBytes: 65_536,
    reconnectDelayMs: 100,
    maxReconnectDelayMs: 400,
    onEvent: (e) => events.push(e),
    ...o,
  });
}

function find(set: Toolset, name: string): Tool {
  const tool = set.tools().find((t) => t.name === name);
  assert.ok(tool, `${name} is offered; offered: ${set.tools().map((t) => t.name)}`);
  return tool;
}

async function until(check: () => boolean, what: string, ms = 15_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('server-everything over stdio, sandboxed', () => {
  let set: Toolset;
  const events: McpEvent[] = [];
  before(async () => {
    process.env.HECTOR_TEST_CANARY = 'sk-canary-should-never-reach-mcp';
    set = await toolset(
      {
        server: stdio([EVERYTHING, 'stdio'], { env: { GRANTED_VAR: 'granted-value' } }),
        filter: ['echo', 'get-*', 'trigger-long-running-operation'],
        deny: ['get-tiny-image', 'get-resource-*'],
        requireApproval: ['get-env', 'get-s?m'],
        callTimeoutMs: 1500,
      },
      events,
    );
  });
  after(async () => {
    delete process.env.HECTOR_TEST_CANARY;
    await set.close();
  });

  test('only tools passing filter and deny are offered, named <toolset>__<tool>', () => {
    assert.deepEqual(set.health(), { status: 'ready', tools: 6 });
    assert.deepEqual(
      set
        .tools()
        .map((t) => t.name)
        .sort(),
      [
        'everything__echo',
        'everything__get-annotated-message',
        'everything__get-env',
        'everything__get-structured-content',
        'everything__get-sum',
        'everything__trigger-long-running-operation',
      ],
    );
    // Not offered: filtered out (toggle-*, gzip-file-as-resource) and denied (get-tiny-image, get-resource-*).
  });

  test('a call reaches the server and its result comes back', async () => {
    const r = await find(set, 'everything__echo').execute({ message: 'hello mcp' }, ctx());
    assert.equal(r.output, 'Echo: hello mcp');
    assert.equal(r.isError, false);
    assert.deepEqual(r.audit, { server: 'everything', remoteTool: 'echo' });
    const sum = await find(set, 'everything__get-sum').execute({ a: 2, b: 40 }, ctx());
    assert.match(sum.output, /42/);
  });

  test('the server sees only the granted environment: none of the host process variables', async () => {
    const r = await find(set, 'everything__get-env').execute({}, ctx());
    const env = JSON.parse(r.output) as Record<string, string>;
    assert.equal(env.GRANTED_VAR, 'granted-value');
    assert.equal(env.HECTOR_TEST_CANARY, undefined);
    assert.doesNotMatch(r.output, /sk-canary/);
    assert.deepEqual(Object.keys(env).sort(), ['GRANTED_VAR', 'HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR']);
  });

  test('approval is asked per tool: exact names and globs', () => {
    assert.equal(set.requiresApproval('everything__get-env'), true);
    assert.equal(set.requiresApproval('everything__get-sum'), true);
    assert.equal(set.requiresApproval('everything__echo'), false);
    // A denied tool never counts as approvable, and names of other toolsets never match.
    assert.equal(set.requiresApproval('other__get-env'), false);
  });

  test('a hanging call is cut at the timeout, and the server keeps working', async () => {
    const started = performance.now();
    const r = await find(set, 'everything__trigger-long-running-operation').execute({ duration: 30, steps: 3 }, ctx());
    assert.equal(r.isError, true);
    assert.match(r.output, /did not answer within 1500 ms/);
    assert.equal(r.audit?.end, 'timeout');
    assert.ok(performance.now() - started < 20_000);
    assert.equal(
      (await find(set, 'everything__echo').execute({ message: 'still up' }, ctx())).output,
      'Echo: still up',
    );
  });

  test('invented and filtered-out names do not resolve, so they can never be called', () => {
    const registry = createToolRegistry([], [set]);
    for (const name of [
      'everything__get-tiny-image',
      'everything__get-resource-links',
      'everything__nope',
      'everything__',
    ]) {
      assert.equal(registry.get(name), undefined, name);
    }
    assert.equal(registry.get('everything__echo')?.name, 'everything__echo');
    assert.deepEqual(
      registry.forAgent(['everything.echo', 'everything.get-tiny-image']).map((t) => t.name),
      ['everything__echo'],
    );
  });

  test('a crash makes the toolset unavailable with a clear tool error, then it reconnects', async () => {
    // Kill the server process inside the sandbox (the node process whose argv names server-everything).
    const victims = readProcs().filter(
      (p) => p.cmd.includes(EVERYTHING) && p.cmd.includes('stdio') && p.cmd.startsWith(NODE),
    );
    assert.ok(victims.length >= 1, 'the sandboxed server process is visible on the host');
    const before = events.filter((e) => e.type === 'connected').length;
    for (const v of victims) process.kill(v.pid, 'SIGKILL');
    await until(() => set.health().status === 'unavailable', 'unavailable');
    const r = await find(set, 'everything__echo').execute({ message: 'x' }, ctx());
    assert.equal(r.isError, true);
    assert.match(r.output, /MCP server "everything" is unavailable.*did not run/);
    assert.ok(events.some((e) => e.type === 'disconnected'));
    await until(() => set.health().status === 'ready', 'reconnected');
    assert.ok(events.filter((e) => e.type === 'connected').length > before);
    assert.equal((await find(set, 'everything__echo').execute({ message: 'back' }, ctx())).output, 'Echo: back');
  });
});

function readProcs(): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      out.push({ pid: Number(entry), cmd: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {
      // gone
    }
  }
  return out;
}

describe('server-filesystem over stdio, confined by the sandbox', () => {
  const secret = join(base, 'host-secret.txt');
  let wide: Toolset;
  let narrow: Toolset;
  let wideDir: string;
  let narrowDir: string;
  before(async () => {
    writeFileSync(secret, 'HOST SECRET');
    // `/` as the server's own allowed directory: only the sandbox stands between it and the host.
    const w = stdio([FILESYSTEM, '/']);
    wideDir = w.workingDirectory;
    mkdirSync(wideDir, { recursive: true });
    writeFileSync(join(wideDir, 'notes.txt'), 'inside the workspace');
    wide = await toolset({ name: 'fs', server: w });
    const nw = stdio([FILESYSTEM, '.']);
    narrowDir = nw.workingDirectory;
    mkdirSync(narrowDir, { recursive: true });
    writeFileSync(join(narrowDir, 'a.txt'), 'A');
    narrow = await toolset({ name: 'fsn', server: nw, filter: ['read_text_file', 'write_file', 'list_*'] });
  });
  after(async () => {
    await wide.close();
    await narrow.close();
  });

  test('the workspace is readable and writable', async () => {
    const read = await find(wide, 'fs__read_text_file').execute({ path: join(wideDir, 'notes.txt') }, ctx());
    assert.equal(read.output, 'inside the workspace');
    const write = await find(wide, 'fs__write_file').execute({ path: join(wideDir, 'out.txt'), content: 'ok' }, ctx());
    assert.equal(write.isError, false, write.output);
    assert.equal(readFileSync(join(wideDir, 'out.txt'), 'utf8'), 'ok');
  });

  test('host files outside the workspace do not exist for it, even with "/" allowed', async () => {
    const r = await find(wide, 'fs__read_text_file').execute({ path: secret }, ctx());
    assert.equal(r.isError, true);
    assert.doesNotMatch(r.output, /HOST SECRET/);
    const passwd = await find(wide, 'fs__read_text_file').execute({ path: '/etc/passwd' }, ctx());
    assert.match(passwd.output, /^sandbox:x:1000:/);
    assert.doesNotMatch(passwd.output, /^root:/m);
    const listing = await find(wide, 'fs__list_directory').execute({ path: '/' }, ctx());
    assert.doesNotMatch(listing.output, /\b(root|home|var|srv|opt|run|mnt)\b/);
  });

  test('it cannot write outside the workspace', async () => {
    for (const path of ['/usr/escaped.txt', '/etc/escaped', join(NODE, '..', 'escaped')]) {
      const r = await find(wide, 'fs__write_file').execute({ path, content: 'x' }, ctx());
      assert.equal(r.isError, true, path);
    }
    // /tmp inside is a private tmpfs: a write next to the workspace lands there, never on the host.
    await find(wide, 'fs__write_file').execute({ path: join(base, 'escaped.txt'), content: 'x' }, ctx());
    assert.throws(() => readFileSync(join(base, 'escaped.txt')), /ENOENT/);
  });

  test('with its own directory allowed, traversal is refused too', async () => {
    assert.equal((await find(narrow, 'fsn__read_text_file').execute({ path: 'a.txt' }, ctx())).output, 'A');
    const r = await find(narrow, 'fsn__read_text_file').execute({ path: '../host-secret.txt' }, ctx());
    assert.equal(r.isError, true);
    assert.doesNotMatch(r.output, /HOST SECRET/);
    assert.deepEqual(
      narrow
        .tools()
        .map((t) => t.name)
        .sort(),
      [
        'fsn__list_allowed_directories',
        'fsn__list_directory',
        'fsn__list_directory_with_sizes',
        'fsn__read_text_file',
        'fsn__write_file',
      ],
    );
  });
});

describe('server-everything over HTTP on loopback', () => {
  const servers: HttpMcpServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  const http = (url: string, transport: 'streamable-http' | 'sse', allowedRanges: string[]) => ({
    kind: 'http' as const,
    url,
    transport,
    headers: { 'x-test': 'yes' },
    allowedRanges,
  });

  for (const mode of ['streamableHttp', 'sse'] as const) {
    const transport = mode === 'sse' ? 'sse' : 'streamable-http';
    test(`${transport}: loopback is refused unless allowed_ranges lists it`, async () => {
      const server = await startEverythingHttp(mode);
      servers.push(server);
      const blocked = await toolset({ server: http(server.url, transport, []), connectTimeoutMs: 5000 });
      try {
        assert.equal(blocked.health().status, 'unavailable');
        assert.match(blocked.health().error ?? '', /127\.0\.0\.1|loopback|internal/i);
        assert.equal(blocked.tools().length, 0);
      } finally {
        await blocked.close();
      }
      const set = await toolset({ server: http(server.url, transport, ['127.0.0.1/32']), filter: ['echo'] });
      try {
        assert.equal(set.health().status, 'ready');
        assert.deepEqual(
          set.tools().map((t) => t.name),
          ['everything__echo'],
        );
        const r = await find(set, 'everything__echo').execute({ message: `over ${transport}` }, ctx());
        assert.equal(r.output, `Echo: over ${transport}`);
      } finally {
        await set.close();
      }
    });
  }

  test('a dead HTTP server makes the toolset unavailable (failed ping) and calls fail with a clear tool error', async () => {
    const server = await startEverythingHttp('streamableHttp');
    servers.push(server);
    const set = await toolset({
      server: http(server.url, 'streamable-http', ['127.0.0.1/32']),
      filter: ['echo'],
      pingIntervalMs: 100,
    });
    try {
      assert.equal(set.health().status, 'ready');
      await server.stop();
      await until(() => set.health().status === 'unavailable', 'unavailable after the server died');
      const r = await find(set, 'everything__echo').execute({ message: 'x' }, ctx());
      assert.equal(r.isError, true);
      assert.match(r.output, /unavailable/);
    } finally {
      await set.close();
    }
  });
});

describe('tool list changes, failures and configuration errors', () => {
  test('tools/list_changed re-applies filter and deny', async () => {
    const events: McpEvent[] = [];
    const set = await toolset(
      { name: 'changing', server: stdio([CHANGING]), filter: ['get_*', 'add_tools', 'delete_*'], deny: ['delete_*'] },
      events,
    );
    try {
      assert.deepEqual(
        set
          .tools()
          .map((t) => t.name)
          .sort(),
        ['changing__add_tools', 'changing__get_item'],
      );
      assert.equal((await find(set, 'changing__add_tools').execute({}, ctx())).output, 'added');
      await until(() => set.tools().some((t) => t.name === 'changing__get_extra'), 'the new tool');
      assert.deepEqual(
        set
          .tools()
          .map((t) => t.name)
          .sort(),
        ['changing__add_tools', 'changing__get_extra', 'changing__get_item'],
      );
      assert.ok(events.some((e) => e.type === 'tools_changed'));
      assert.equal(createToolRegistry([], [set]).get('changing__delete_everything'), undefined);
    } finally {
      await set.close();
    }
  });

  test('results are capped at max_result_bytes with a visible marker', async () => {
    const set = await toolset({ server: stdio([EVERYTHING, 'stdio']), filter: ['echo'], maxResultBytes: 1024 });
    try {
      const r = await find(set, 'everything__echo').execute({ message: 'x'.repeat(5000) }, ctx());
      assert.match(r.output, /\[truncated: the tool output was 5006 bytes; only the first 1024 bytes are shown\]$/);
    } finally {
      await set.close();
    }
  });

  test('a server that does not start is unavailable, says why, and keeps retrying', async () => {
    const events: McpEvent[] = [];
    const set = await toolset({ server: stdio([], { command: 'false' }), connectTimeoutMs: 3000 }, events);
    try {
      assert.equal(set.health().status, 'unavailable');
      assert.ok(set.health().error);
      await until(() => events.filter((e) => e.type === 'connect_failed').length >= 2, 'a retry');
      const delays = events.flatMap((e) => (e.type === 'connect_failed' ? [e.retryInMs] : []));
      assert.ok(delays[1]! > delays[0]!, `backoff grows: ${delays}`);
    } finally {
      await set.close();
    }
  });

  test('bad patterns, missing programs, exposed paths and invisible programs are ConfigErrors', async () => {
    const cases: [Partial<McpToolsetOptions> & Pick<McpToolsetOptions, 'server'>, RegExp][] = [
      [{ server: stdio([EVERYTHING]), filter: ['get_[x'] }, /filter\.0.*invalid tool pattern/],
      [{ server: stdio([EVERYTHING]), deny: ['a b'] }, /deny\.0/],
      [{ server: stdio([EVERYTHING]), requireApproval: ['$(x)'] }, /require_approval\.0/],
      [{ server: stdio([], { command: 'no-such-program-here' }) }, /command.*not found on the trusted PATH/],
      [{ server: stdio([EVERYTHING], { readOnlyPaths: ['/'] }) }, /read_only_paths\.0.*filesystem root/],
      [{ server: stdio([EVERYTHING], { readOnlyPaths: [base] }) }, /read_only_paths\.0.*state directory/],
      // Host secrets and pseudo-filesystems are never mounted: /etc (shadow, keys), /root, /var, /proc, /dev.
      [
        { server: stdio([EVERYTHING], { readOnlyPaths: [...READ_ONLY, '/etc'] }) },
        /read_only_paths\.3.*host system location/,
      ],
      [
        { server: stdio([EVERYTHING], { readOnlyPaths: [...READ_ONLY, '/etc/ssl'] }) },
        /read_only_paths\.3.*host system/,
      ],
      [{ server: stdio([EVERYTHING], { readOnlyPaths: [...READ_ONLY, '/root'] }) }, /read_only_paths\.3.*host system/],
      [{ server: stdio([EVERYTHING], { readOnlyPaths: [...READ_ONLY, '/var'] }) }, /read_only_paths\.3.*host system/],
      [
        { server: stdio([EVERYTHING], { readOnlyPaths: [...READ_ONLY, '/proc/self'] }) },
        /read_only_paths\.3.*host system/,
      ],
      [
        { server: stdio([EVERYTHING], { readOnlyPaths: [...READ_ONLY, '/dev/shm'] }) },
        /read_only_paths\.3.*host system/,
      ],
      // The writable working directory follows the command tool's rules: never a system directory or /tmp.
      [{ server: stdio([EVERYTHING], { workingDirectory: '/etc' }) }, /working_directory.*system directory/],
      [{ server: stdio([EVERYTHING], { workingDirectory: '/usr/local/lib' }) }, /working_directory.*system directory/],
      [{ server: stdio([EVERYTHING], { workingDirectory: '/tmp' }) }, /working_directory.*dedicated directory/],
      [{ server: stdio([EVERYTHING], { workingDirectory: '/' }) }, /working_directory.*dedicated directory/],
      [
        { server: stdio([EVERYTHING], { workingDirectory: join(base, '.hector', 'x') }) },
        /working_directory.*state directory/,
      ],
      [{ server: stdio([EVERYTHING], { readOnlyPaths: [] }) }, /not visible inside the sandbox/],
      [{ server: stdio([EVERYTHING], { env: { 'BAD-NAME': 'x' } }) }, /env\.BAD-NAME/],
      [{ server: { kind: 'http', url: 'ftp://x', transport: 'sse', headers: {}, allowedRanges: [] } }, /url/],
    ];
    for (const [options, message] of cases) {
      await assert.rejects(toolset(options), (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.match(e.issues.map((i) => `${i.path}: ${i.message}`).join('\n'), message);
        return true;
      });
    }
  });
});
