/**
 * SSRF attack suite for web_request. Canary servers listen on 127.0.0.1, 127.0.0.3 (and ::1 when available);
 * every attack must be refused WITHOUT a TCP connection reaching any canary, and the canary's secret must never
 * appear in the output. Only 127.0.0.2 and 127.0.0.4 (the "allowed" servers) are in allowedRanges.
 * Controls show the same spellings DO reach a server when its range is allowed, so a refusal is the policy's
 * doing, not a broken URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Tool, ToolResult } from '../types.ts';
import { createWebRequestTool, type WebRequestToolOptions } from './create-web-request-tool.ts';
import type { GuardedFetcherDeps } from './guarded-fetcher.ts';
import {
  CANARY_SECRET,
  canaryHandler,
  ipv6LoopbackAvailable,
  routes,
  type ScriptedLookup,
  scriptedLookup,
  settle,
  startServer,
  type TestServer,
} from './test-support.ts';

const context = { scope: { appId: 'app', userId: 'u' }, agent: 'a', signal: new AbortController().signal };
const ALLOWED_RANGES = ['127.0.0.2/32', '127.0.0.4/32'];

let canary: TestServer; // 127.0.0.1
let canary3: TestServer; // 127.0.0.3
let canary6: TestServer | undefined; // ::1
let reachable: TestServer; // 127.0.0.1, used only by controls that allow 127.0.0.0/8
let allowed: TestServer; // 127.0.0.2
let allowed4: TestServer; // 127.0.0.4

before(async () => {
  canary = await startServer('127.0.0.1', canaryHandler);
  canary3 = await startServer('127.0.0.3', canaryHandler);
  if (await ipv6LoopbackAvailable()) canary6 = await startServer('::1', canaryHandler);
  reachable = await startServer('127.0.0.1', (_req, res) => res.end('REACHABLE-CONTROL'));
  allowed = await startServer('127.0.0.2', routes());
  allowed4 = await startServer('127.0.0.4', routes());
});

after(async () => {
  for (const s of [canary, canary3, canary6, reachable, allowed, allowed4]) await s?.close();
});

function canaryConnections(): number {
  return canary.connections() + canary3.connections() + (canary6?.connections() ?? 0);
}

function webTool(options: Partial<WebRequestToolOptions> = {}, deps: GuardedFetcherDeps = {}): Tool {
  return createWebRequestTool(
    { name: 'web_request', allowedRanges: ALLOWED_RANGES, maxResponseBytes: 64 * 1024, timeoutMs: 10_000, ...options },
    deps,
  );
}

/** Runs the call and asserts: refused (matching `pattern`), no canary connection, no canary secret. */
async function assertRefused(
  tool: Tool,
  args: Record<string, unknown>,
  pattern: RegExp = /^refused: /,
): Promise<ToolResult> {
  const before = canaryConnections();
  const r = await tool.execute(args, context);
  await settle();
  assert.equal(canaryConnections(), before, `a connection reached a canary; output: ${r.output}`);
  assert.equal(r.isError, true, `expected a refusal, got: ${r.output}`);
  assert.match(r.output, pattern);
  assert.ok(!r.output.includes(CANARY_SECRET), 'the canary secret leaked');
  return r;
}

describe('controls', () => {
  test('the connection counter sees a direct connection to a canary-like server', async (t) => {
    const probe = await startServer('127.0.0.1', canaryHandler);
    t.after(() => probe.close());
    const res = await fetch(probe.url());
    assert.equal(await res.text(), `${CANARY_SECRET}\n`);
    await settle();
    assert.equal(probe.connections(), 1);
  });

  test('GET to an allowed loopback server (via allowedRanges) returns the body', async () => {
    const r = await webTool().execute({ url: allowed.url('/ok') }, context);
    assert.equal(r.isError, false, r.output);
    assert.match(r.output, /^HTTP 200 OK\n/);
    assert.match(r.output, /\n\nhello from the allowed server$/);
  });

  test('POST with a body reaches the allowed server with that body', async () => {
    const r = await webTool().execute(
      { url: allowed.url('/echo'), method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'the body ✓' },
      context,
    );
    assert.equal(r.isError, false, r.output);
    const echoed = JSON.parse(r.output.slice(r.output.indexOf('\n\n') + 2));
    assert.equal(echoed.method, 'POST');
    assert.equal(echoed.body, 'the body ✓');
    assert.equal(echoed.headers['content-type'], 'text/plain');
  });
});

// Spellings of 127.0.0.1 (and friends); `control` = the same spelling reaches a server when 127.0.0.0/8 is allowed.
const LOOPBACK_SPELLINGS: { name: string; url: (port: number) => string; control: boolean }[] = [
  { name: 'dotted quad 127.0.0.1', url: (p) => `http://127.0.0.1:${p}/`, control: true },
  { name: 'localhost (system resolver)', url: (p) => `http://localhost:${p}/`, control: true },
  { name: 'LOCALHOST upper case', url: (p) => `http://LOCALHOST:${p}/`, control: true },
  { name: 'localhost. with trailing dot', url: (p) => `http://localhost.:${p}/`, control: true },
  { name: 'circled-letter ⓛⓞⓒⓐⓛⓗⓞⓢⓣ (IDNA-mapped)', url: (p) => `http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ:${p}/`, control: true },
  { name: 'decimal integer 2130706433', url: (p) => `http://2130706433:${p}/`, control: true },
  { name: 'hex integer 0x7f000001', url: (p) => `http://0x7f000001:${p}/`, control: true },
  { name: 'octal 0177.0.0.1', url: (p) => `http://0177.0.0.1:${p}/`, control: true },
  { name: 'octal integer 017700000001', url: (p) => `http://017700000001:${p}/`, control: true },
  { name: 'short form 127.1', url: (p) => `http://127.1:${p}/`, control: true },
  { name: 'short form 127.0.1', url: (p) => `http://127.0.1:${p}/`, control: true },
  { name: 'hex short form 0x7f.1', url: (p) => `http://0x7f.1:${p}/`, control: true },
  { name: 'hex octets 0x7F.0x0.0x0.0x1', url: (p) => `http://0x7F.0x0.0x0.0x1:${p}/`, control: true },
  { name: 'trailing dot 127.0.0.1.', url: (p) => `http://127.0.0.1.:${p}/`, control: true },
  { name: 'percent-encoded host %31%32%37.0.0.1', url: (p) => `http://%31%32%37.0.0.1:${p}/`, control: true },
  { name: 'ideographic full stops 127。0。0。1', url: (p) => `http://127。0。0。1:${p}/`, control: true },
  { name: 'circled digits ①②⑦.⓪.⓪.①', url: (p) => `http://①②⑦.⓪.⓪.①:${p}/`, control: true },
  { name: 'tab inside the host', url: (p) => `http://127.0.0\t.1:${p}/`, control: true },
  { name: 'surrounding spaces', url: (p) => `  http://127.0.0.1:${p}/  `, control: true },
  { name: 'upper-case scheme HTTP://', url: (p) => `HTTP://127.0.0.1:${p}/`, control: true },
  { name: 'no slashes http:127.0.0.1', url: (p) => `http:127.0.0.1:${p}/`, control: true },
  { name: 'backslashes http:/\\127.0.0.1', url: (p) => `http:/\\127.0.0.1:${p}/`, control: true },
  { name: 'fragment trick 127.0.0.1#@example.com', url: (p) => `http://127.0.0.1:${p}#@example.com/`, control: true },
  { name: 'IPv4-mapped [::ffff:127.0.0.1]', url: (p) => `http://[::ffff:127.0.0.1]:${p}/`, control: true },
  { name: 'IPv4-mapped hex [::ffff:7f00:1]', url: (p) => `http://[::ffff:7f00:1]:${p}/`, control: true },
  {
    name: 'IPv4-mapped long [0:0:0:0:0:ffff:127.0.0.1]',
    url: (p) => `http://[0:0:0:0:0:ffff:127.0.0.1]:${p}/`,
    control: true,
  },
  { name: 'unspecified 0.0.0.0', url: (p) => `http://0.0.0.0:${p}/`, control: false },
  { name: 'unspecified shorthand 0', url: (p) => `http://0:${p}/`, control: false },
  { name: 'IPv4-compatible [::127.0.0.1]', url: (p) => `http://[::127.0.0.1]:${p}/`, control: false },
  { name: 'NAT64 [64:ff9b::127.0.0.1]', url: (p) => `http://[64:ff9b::127.0.0.1]:${p}/`, control: false },
  { name: '6to4 [2002:7f00:1::]', url: (p) => `http://[2002:7f00:1::]:${p}/`, control: false },
  { name: 'other loopback 127.0.0.3 (canary 3)', url: () => canary3.url(), control: false },
];

describe('loopback in every spelling is refused without a connection', () => {
  for (const spelling of LOOPBACK_SPELLINGS) {
    test(`refuses ${spelling.name}`, async () => {
      await assertRefused(webTool(), { url: spelling.url(canary.port) });
    });
    if (spelling.control) {
      test(`control: ${spelling.name} reaches the server when 127.0.0.0/8 is allowed`, async () => {
        const r = await webTool({ allowedRanges: ['127.0.0.0/8'] }).execute(
          { url: spelling.url(reachable.port) },
          context,
        );
        assert.equal(r.isError, false, r.output);
        assert.match(r.output, /REACHABLE-CONTROL$/);
      });
    }
  }
  test('0.0.0.0 dials the local host: even when allowed, the remote-address check stops it before a byte is sent', async (t) => {
    const probe = await startServer('127.0.0.1', (_req, res) => res.end('via-zero'));
    t.after(() => probe.close());
    const r = await webTool({ allowedRanges: ['0.0.0.0/32'] }).execute(
      { url: `http://0.0.0.0:${probe.port}/` },
      context,
    );
    await settle();
    assert.equal(r.isError, true);
    assert.match(r.output, /reached an address that was not vetted; nothing was sent/);
    assert.doesNotMatch(r.output, /via-zero/);
    assert.equal(probe.connections(), 1, 'the kernel did route 0.0.0.0 to 127.0.0.1');
    assert.equal(probe.requests.length, 0, 'no request reached the server');
  });
});

describe('IPv6 loopback', () => {
  test('refuses [::1]', async (t) => {
    if (!canary6) return t.skip('no IPv6 loopback on this machine');
    await assertRefused(webTool(), { url: canary6.url() });
  });
  test('refuses [::] (unspecified, reaches ::1)', async (t) => {
    if (!canary6) return t.skip('no IPv6 loopback on this machine');
    await assertRefused(webTool(), { url: `http://[::]:${canary6.port}/` });
  });
  test('refuses [0:0:0:0:0:0:0:1]', async (t) => {
    if (!canary6) return t.skip('no IPv6 loopback on this machine');
    await assertRefused(webTool(), { url: `http://[0:0:0:0:0:0:0:1]:${canary6.port}/` });
  });
});

describe('internal and metadata addresses are refused', () => {
  const targets: [string, RegExp][] = [
    ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', /link-local \(cloud metadata\)/],
    ['http://[fd00:ec2::254]/latest/meta-data/', /unique local/],
    ['http://100.100.100.200/latest/meta-data/', /carrier-grade NAT/],
    ['http://192.0.0.192/opc/v2/instance/', /IETF/],
    ['http://168.63.129.16/machine?comp=goalstate', /Azure/],
    ['http://10.0.0.1/', /private/],
    ['http://172.16.0.1/', /private/],
    ['http://192.168.1.1/', /private/],
    ['http://100.64.0.1/', /carrier-grade NAT/],
    ['http://198.18.0.1/', /benchmarking/],
    ['http://224.0.0.1/', /multicast/],
    ['http://255.255.255.255/', /broadcast/],
    ['http://240.0.0.1/', /reserved/],
    ['http://[fe80::1]/', /link-local/],
    ['http://[fc00::1]/', /unique local/],
    ['http://[ff02::1]/', /multicast/],
    ['http://[::ffff:169.254.169.254]/', /link-local/],
    ['http://[::ffff:a9fe:a9fe]/', /link-local/],
    ['http://[64:ff9b::169.254.169.254]/', /NAT64 .* link-local/],
    ['http://[2002:a9fe:a9fe::]/', /6to4 .* link-local/],
    ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', /Teredo/],
    ['http://0251.0376.0251.0376/', /link-local/],
    ['http://2852039166/', /link-local/],
  ];
  for (const [url, category] of targets) {
    test(`refuses ${url}`, async () => {
      const r = await assertRefused(webTool(), { url });
      assert.match(r.output, category);
    });
  }
});

describe('host names resolving to blocked addresses (scripted DNS)', () => {
  const answers: [string, readonly string[], RegExp][] = [
    ['a name resolving to 127.0.0.1', ['127.0.0.1'], /resolves to an internal address \(loopback\)/],
    ['a name resolving to ::1', ['::1'], /loopback/],
    ['a name resolving to ::ffff:127.0.0.1', ['::ffff:127.0.0.1'], /loopback/],
    ['a name resolving to 0.0.0.0', ['0.0.0.0'], /unspecified/],
    ['a name resolving to 169.254.169.254', ['169.254.169.254'], /link-local/],
    ['a name resolving to 10.1.2.3', ['10.1.2.3'], /private/],
    ['a name with one public and one loopback answer', ['93.184.216.34', '127.0.0.1'], /loopback/],
    ['a name with an allowed and a blocked answer', ['127.0.0.2', '127.0.0.3'], /loopback/],
    ['a name resolving to the NAT64 form of loopback', ['64:ff9b::7f00:1'], /NAT64/],
    ['a name whose answer is not an IP address', ['not-an-ip'], /unparseable/],
  ];
  for (const [name, addresses, category] of answers) {
    test(`refuses ${name}`, async () => {
      const dns = scriptedLookup({ 'evil.test': addresses });
      const r = await assertRefused(webTool({}, { lookup: dns.lookup }), { url: `http://evil.test:${canary.port}/` });
      assert.match(r.output, category);
      assert.ok(!r.output.includes(addresses.at(-1)!), 'the resolved address is not revealed');
    });
  }

  test('refuses metadata.google.internal resolving to 169.254.169.254', async () => {
    const dns = scriptedLookup({ 'metadata.google.internal': ['169.254.169.254'] });
    await assertRefused(webTool({}, { lookup: dns.lookup }), {
      url: 'http://metadata.google.internal/computeMetadata/v1/',
    });
  });

  test('a name with no addresses fails without a connection', async () => {
    const dns = scriptedLookup({ 'empty.test': [] });
    await assertRefused(
      webTool({}, { lookup: dns.lookup }),
      { url: `http://empty.test:${canary.port}/` },
      /no addresses/,
    );
  });

  test('an unknown name fails without a connection', async () => {
    const dns = scriptedLookup({});
    await assertRefused(
      webTool({}, { lookup: dns.lookup }),
      { url: `http://nowhere.test:${canary.port}/` },
      /could not resolve/,
    );
  });
});

describe('DNS rebinding', () => {
  test('the connection goes to the vetted answer; a second, rebinding answer is never asked for', async () => {
    // First answer: the allowed server. Every later answer: the canary. A client that resolves again at
    // connect time (or a racing attacker TTL-0 record) would land on the canary.
    const dns = scriptedLookup({ 'rebind.test': (n) => (n === 0 ? ['127.0.0.2'] : ['127.0.0.3']) });
    const tool = webTool({}, { lookup: dns.lookup });
    const before = canaryConnections();
    const r = await tool.execute({ url: `http://rebind.test:${allowed.port}/ok` }, context);
    await settle();
    assert.equal(r.isError, false, r.output);
    assert.match(r.output, /hello from the allowed server$/);
    assert.deepEqual(dns.calls, ['rebind.test'], 'exactly one lookup per hop');
    assert.equal(canaryConnections(), before);
    assert.equal(allowed.requests.at(-1)?.headers.host, `rebind.test:${allowed.port}`, 'Host stays the name');
  });

  test('the next call sees the rebound answer and is refused without a connection', async () => {
    const dns = scriptedLookup({ 'rebind.test': (n) => (n === 0 ? ['127.0.0.2'] : ['127.0.0.3']) });
    const tool = webTool({}, { lookup: dns.lookup });
    await tool.execute({ url: `http://rebind.test:${allowed.port}/ok` }, context);
    await assertRefused(tool, { url: `http://rebind.test:${canary3.port}/` });
  });

  test('rebinding between redirect hops is caught: each hop resolves and is vetted again', async () => {
    const dns = scriptedLookup({ 'rebind.test': (n) => (n === 0 ? ['127.0.0.2'] : ['127.0.0.3']) });
    const next = encodeURIComponent(`http://rebind.test:${canary3.port}/`);
    const r = await assertRefused(webTool({}, { lookup: dns.lookup }), {
      url: `http://rebind.test:${allowed.port}/redirect?to=${next}`,
    });
    assert.match(r.output, /redirect refused/);
  });
});

describe('redirects to blocked targets are refused without a connection', () => {
  const redirectTargets: [string, () => string][] = [
    ['302 to another loopback address (canary 127.0.0.3)', () => canary3.url('/')],
    ['301 to the canary', () => canary3.url('/?s=301')],
    ['303 to the canary', () => canary3.url('/?s=303')],
    ['307 to the canary', () => canary3.url('/?s=307')],
    ['308 to the canary', () => canary3.url('/?s=308')],
    ['to localhost', () => `http://localhost:${canary.port}/`],
    ['to the decimal form 2130706433', () => `http://2130706433:${canary.port}/`],
    ['to the IPv4-mapped form', () => `http://[::ffff:127.0.0.1]:${canary.port}/`],
    ['to 0.0.0.0', () => `http://0.0.0.0:${canary.port}/`],
    ['to cloud metadata', () => 'http://169.254.169.254/latest/meta-data/'],
    ['scheme-relative //127.0.0.3', () => `//127.0.0.3:${canary3.port}/`],
    ['backslash form http:\\\\127.0.0.3', () => `http:\\\\127.0.0.3:${canary3.port}\\`],
    ['to a name resolving to the canary', () => `http://internal.test:${canary3.port}/`],
    ['via a second allowed hop', () => allowed.url(`/redirect?to=${encodeURIComponent(canary3.url())}`)],
    ['via the other allowed server', () => allowed4.url(`/redirect?to=${encodeURIComponent(canary3.url())}`)],
  ];
  for (const [name, location] of redirectTargets) {
    test(`refuses a redirect ${name}`, async () => {
      const to = location();
      const status = /s=(\d+)/.exec(to)?.[1] ?? '302';
      const dns = scriptedLookup({ 'internal.test': ['127.0.0.3'], localhost: ['127.0.0.1'] });
      const r = await assertRefused(webTool({}, { lookup: dns.lookup }), {
        url: allowed.url(`/redirect?status=${status}&to=${encodeURIComponent(to)}`),
      });
      assert.match(r.output, /^refused: redirect refused: /);
    });
  }

  test('refuses a 307 redirect of a POST (body would be replayed) to the canary', async () => {
    await assertRefused(webTool(), {
      url: allowed.url(`/redirect?status=307&to=${encodeURIComponent(canary3.url())}`),
      method: 'POST',
      body: 'replayed body',
    });
  });

  const schemeTargets = [
    'file:///etc/passwd',
    `gopher://127.0.0.1:${0}/_GET%20/`,
    'ftp://127.0.0.1/',
    'data:text/plain,root:x:0:0',
    'javascript:alert(1)',
    'dict://127.0.0.1:11211/stat',
  ];
  for (const to of schemeTargets) {
    test(`refuses a redirect to ${to.split(':')[0]}:`, async () => {
      const r = await assertRefused(webTool(), { url: allowed.url(`/redirect?to=${encodeURIComponent(to)}`) });
      assert.match(r.output, /scheme/);
      assert.doesNotMatch(r.output, /root:x:0:0:/);
    });
  }

  test('refuses a redirect to a URL with userinfo', async () => {
    const to = `http://user:pass@127.0.0.4:${allowed4.port}/ok`;
    const before = allowed4.connections();
    const r = await assertRefused(webTool(), { url: allowed.url(`/redirect?to=${encodeURIComponent(to)}`) });
    assert.match(r.output, /user name or password/);
    assert.equal(allowed4.connections(), before);
  });
});

describe('schemes other than http and https', () => {
  const urls = [
    'file:///etc/passwd',
    'file://localhost/etc/passwd',
    'FILE:///etc/passwd',
    'gopher://127.0.0.1:70/_GET%20/',
    'ftp://127.0.0.1/',
    'data:text/plain;base64,cm9vdDp4OjA6MDo=',
    'javascript:fetch("http://127.0.0.1/")',
    'dict://127.0.0.1:11211/',
    'ldap://127.0.0.1/',
    'ws://127.0.0.1/',
    'blob:http://127.0.0.2/x',
    'jar:http://127.0.0.2/x.jar!/',
    'netdoc:///etc/passwd',
  ];
  for (const url of urls) {
    test(`refuses ${url}`, async () => {
      const r = await assertRefused(webTool(), { url });
      assert.match(r.output, /scheme .* is not allowed; only http and https/);
      assert.doesNotMatch(r.output, /root:x:0:0:/);
    });
  }
  test('refuses a relative URL', async () => {
    await assertRefused(webTool(), { url: '/etc/passwd' }, /not a valid absolute URL/);
  });
});

describe('userinfo in the URL', () => {
  const cases: [string, (p: number) => string][] = [
    ['user:pass@', (p) => `http://user:pass@127.0.0.2:${p}/ok`],
    ['user only', (p) => `http://user@127.0.0.2:${p}/ok`],
    ['empty password', (p) => `http://user:@127.0.0.2:${p}/ok`],
    ['allowed host as userinfo before the canary', () => `http://127.0.0.2:${allowed.port}@127.0.0.1:${canary.port}/`],
    ['percent-encoded @', (p) => `http://user%40x:pw@127.0.0.2:${p}/ok`],
  ];
  for (const [name, url] of cases) {
    test(`refuses userinfo: ${name}`, async () => {
      const before = allowed.connections();
      await assertRefused(webTool(), { url: url(allowed.port) }, /user name or password/);
      assert.equal(allowed.connections(), before, 'no connection to the allowed server either');
    });
  }
  test('a backslash "userinfo" is a path, not a host switch (WHATWG): the request stays on the parsed host', async () => {
    const before = canaryConnections();
    const r = await webTool().execute({ url: `http://127.0.0.2:${allowed.port}\\@127.0.0.1:${canary.port}/` }, context);
    await settle();
    assert.equal(canaryConnections(), before);
    assert.match(r.output, /^HTTP 404/);
  });
});

describe('domain lists', () => {
  const lists = { allowedDomains: ['*.example.test', 'api.example.test'], deniedDomains: ['api.example.test'] };
  function listed(dns: ScriptedLookup): Tool {
    return webTool(lists, { lookup: dns.lookup });
  }
  const everything = (): ScriptedLookup =>
    scriptedLookup(
      Object.fromEntries(
        [
          'api.example.test',
          'sub.api.example.test',
          'sub.example.test',
          'a.b.example.test',
          'example.test',
          'example.test.evil.test',
          'evilexample.test',
          'other.test',
        ].map((h) => [h, ['127.0.0.2']]),
      ),
    );

  test('deniedDomains wins over allowedDomains (exact entry in both)', async () => {
    const dns = everything();
    await assertRefused(listed(dns), { url: `http://api.example.test:${allowed.port}/ok` }, /denied_domains/);
    assert.deepEqual(dns.calls, [], 'refused before any DNS lookup');
  });
  test('a denied name also denies its subdomains, even when a wildcard allows them', async () => {
    const dns = everything();
    await assertRefused(listed(dns), { url: `http://sub.api.example.test:${allowed.port}/ok` }, /denied_domains/);
  });
  test('a denied name cannot be dodged with case and a trailing dot', async () => {
    const dns = everything();
    await assertRefused(listed(dns), { url: `http://API.Example.TEST.:${allowed.port}/ok` }, /denied_domains/);
  });
  test('a denied name cannot be dodged with percent-encoding', async () => {
    const dns = everything();
    await assertRefused(listed(dns), { url: `http://api%2Eexample%2etest:${allowed.port}/ok` }, /denied_domains/);
  });
  test('wildcard: sub.example.test matches *.example.test and is fetched', async () => {
    const dns = everything();
    const r = await listed(dns).execute({ url: `http://sub.example.test:${allowed.port}/ok` }, context);
    assert.equal(r.isError, false, r.output);
    assert.match(r.output, /hello from the allowed server$/);
  });
  test('wildcard: a.b.example.test (deeper subdomain) matches', async () => {
    const r = await listed(everything()).execute({ url: `http://a.b.example.test:${allowed.port}/ok` }, context);
    assert.equal(r.isError, false, r.output);
  });
  for (const host of ['example.test.evil.test', 'evilexample.test', 'example.test', 'other.test']) {
    test(`wildcard: ${host} does not match *.example.test`, async () => {
      const dns = everything();
      await assertRefused(listed(dns), { url: `http://${host}:${allowed.port}/ok` }, /not in allowed_domains/);
      assert.deepEqual(dns.calls, []);
    });
  }
  test('an IP literal of an allowed range is still refused when allowedDomains does not list it', async () => {
    const before = allowed.connections();
    await assertRefused(listed(everything()), { url: allowed.url('/ok') }, /not in allowed_domains/);
    assert.equal(allowed.connections(), before);
  });
  test('a redirect from an allowed host to a host outside allowedDomains is refused', async () => {
    const dns = everything();
    const before = allowed.connections();
    const to = encodeURIComponent(`http://other.test:${allowed.port}/ok`);
    const r = await assertRefused(listed(dns), { url: `http://sub.example.test:${allowed.port}/redirect?to=${to}` });
    assert.match(r.output, /redirect refused: .*not in allowed_domains/);
    assert.equal(allowed.connections(), before + 1, 'only the first hop connected');
  });
  test('an allowed domain resolving to a blocked address is still refused (domains never bypass addresses)', async () => {
    const dns = scriptedLookup({ 'sub.example.test': ['127.0.0.3'] });
    await assertRefused(webTool(lists, { lookup: dns.lookup }), { url: `http://sub.example.test:${canary3.port}/` });
  });
  test('names that merely look numeric (0x7f.test, 127.0.0.1.test) are names, resolved and vetted as such', async () => {
    const dns = scriptedLookup({ '0x7f.test': ['127.0.0.2'], '127.0.0.1.test': ['127.0.0.2'] });
    for (const host of ['0x7f.test', '127.0.0.1.test']) {
      const r = await webTool({}, { lookup: dns.lookup }).execute(
        { url: `http://${host}:${allowed.port}/ok` },
        context,
      );
      assert.equal(r.isError, false, r.output);
    }
    assert.deepEqual(dns.calls, ['0x7f.test', '127.0.0.1.test']);
  });
  test('IDN entries match their punycode spelling', async () => {
    const dns = scriptedLookup({ 'xn--bcher-kva.test': ['127.0.0.2'] });
    const tool = webTool({ allowedDomains: ['bücher.test'] }, { lookup: dns.lookup });
    const r = await tool.execute({ url: `http://xn--bcher-kva.test:${allowed.port}/ok` }, context);
    assert.equal(r.isError, false, r.output);
  });
});

test('no canary ever received a connection during this suite', () => {
  assert.equal(canaryConnections(), 0);
  assert.equal(canary.requests.length + canary3.requests.length + (canary6?.requests.length ?? 0), 0);
});
