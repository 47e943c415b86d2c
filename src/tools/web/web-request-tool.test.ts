/**
 * web_request behaviour against real servers on 127.0.0.2 / 127.0.0.4 (the only allowed ranges): header and
 * request-line injection, response caps and rendering, deadlines and cancellation, credential hygiene on
 * redirects, HTTPS verification, option validation.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../../shared/index.ts';
import { executeToolCall } from '../execute-tool-call.ts';
import { createToolRegistry } from '../registry.ts';
import type { Tool, ToolContext } from '../types.ts';
import { createWebRequestTool, type WebRequestToolOptions } from './create-web-request-tool.ts';
import { createGuardedFetcher, type GuardedFetcherDeps } from './guarded-fetcher.ts';
import {
  CANARY_SECRET,
  canaryHandler,
  routes,
  scriptedLookup,
  settle,
  startServer,
  type TestServer,
} from './test-support.ts';

const context: ToolContext = { scope: { appId: 'app', userId: 'u' }, agent: 'a', signal: new AbortController().signal };

let hangArrived: (() => void) | undefined;
let allowed: TestServer; // 127.0.0.2
let allowed4: TestServer; // 127.0.0.4
let canary: TestServer; // 127.0.0.3

before(async () => {
  allowed = await startServer('127.0.0.2', routes({ onHang: () => hangArrived?.() }));
  allowed4 = await startServer('127.0.0.4', routes());
  canary = await startServer('127.0.0.3', canaryHandler);
});
after(async () => {
  for (const s of [allowed, allowed4, canary]) await s?.close();
});

function webTool(options: Partial<WebRequestToolOptions> = {}, deps: GuardedFetcherDeps = {}): Tool {
  return createWebRequestTool(
    {
      name: 'web_request',
      allowedRanges: ['127.0.0.2/32', '127.0.0.4/32'],
      maxResponseBytes: 64 * 1024,
      timeoutMs: 10_000,
      ...options,
    },
    deps,
  );
}

function bodyOf(output: string): string {
  return output.slice(output.indexOf('\n\n') + 2);
}

function echoed(output: string): { method: string; url: string; headers: Record<string, string>; body: string } {
  return JSON.parse(bodyOf(output));
}

describe('request header injection and overrides', () => {
  const refused: [string, Record<string, string>, RegExp][] = [
    ['CRLF in a header value', { 'X-Test': 'a\r\nHost: evil.test' }, /control character/],
    ['LF alone in a header value', { 'X-Test': 'a\nX-Injected: 1' }, /control character/],
    ['CR alone in a header value', { 'X-Test': 'a\rX-Injected: 1' }, /control character/],
    ['NUL in a header value', { 'X-Test': 'a\u0000b' }, /control character/],
    ['CRLF CRLF (request splitting) in a value', { 'X-Test': 'a\r\n\r\nGET /admin HTTP/1.1' }, /control character/],
    ['a non-Latin-1 character in a value', { 'X-Test': 'snow ☃' }, /non-Latin-1/],
    ['CRLF in a header name', { 'X-A\r\nX-Injected': '1' }, /not a valid HTTP token/],
    ['a colon in a header name', { 'X-A: b': '1' }, /not a valid HTTP token/],
    ['a space in a header name', { 'X A': '1' }, /not a valid HTTP token/],
    ['Host override', { Host: 'internal.service' }, /may not be set/],
    ['host override in lower case', { host: 'internal.service' }, /may not be set/],
    ['Connection', { Connection: 'keep-alive, Upgrade' }, /may not be set/],
    ['Transfer-Encoding (smuggling)', { 'Transfer-Encoding': 'chunked' }, /may not be set/],
    ['Content-Length override', { 'Content-Length': '0' }, /may not be set/],
    ['Proxy-Authorization', { 'Proxy-Authorization': 'Basic eDp5' }, /may not be set/],
    ['Proxy-Connection', { 'Proxy-Connection': 'keep-alive' }, /may not be set/],
    ['Upgrade', { Upgrade: 'websocket' }, /may not be set/],
    ['TE', { TE: 'trailers' }, /may not be set/],
    ['Expect', { Expect: '100-continue' }, /may not be set/],
    ['Keep-Alive', { 'Keep-Alive': 'timeout=5' }, /may not be set/],
    ['Accept-Encoding (size caps count identity bytes)', { 'Accept-Encoding': 'gzip' }, /may not be set/],
    ['the same header twice in different case', { 'X-A': '1', 'x-a': '2' }, /given twice/],
  ];
  for (const [name, headers, pattern] of refused) {
    test(`refuses ${name}; nothing is sent`, async () => {
      const before = allowed.connections();
      const r = await webTool().execute({ url: allowed.url('/echo'), headers }, context);
      await settle();
      assert.equal(r.isError, true, r.output);
      assert.match(r.output, /^invalid request: /);
      assert.match(r.output, pattern);
      assert.equal(allowed.connections(), before, 'a connection was made');
    });
  }

  test('CRLF in the URL path cannot inject a header (the URL parser strips it; the rest is percent-encoded)', async () => {
    const r = await webTool().execute({ url: `${allowed.url('/echo')}?a=1\r\nX-Injected: yes` }, context);
    assert.equal(r.isError, false, r.output);
    const e = echoed(r.output);
    assert.equal(e.headers['x-injected'], undefined);
    assert.equal(e.url, '/echo?a=1X-Injected:%20yes');
  });

  test('a space and HTTP version in the path cannot forge a request line', async () => {
    const r = await webTool().execute({ url: allowed.url('/echo HTTP/1.1\r\nHost: evil.test\r\n\r\nGET /x') }, context);
    assert.equal(r.isError, false, r.output);
    const seen = allowed.requests.at(-1);
    assert.equal(seen?.headers.host, `127.0.0.2:${allowed.port}`);
    assert.match(seen?.url ?? '', /^\/echo%20HTTP\/1.1Host:%20evil.testGET%20\/x$/);
    assert.equal(allowed.requests.filter((q) => q.url === '/x').length, 0, 'no second request was smuggled');
  });

  const badMethods = ['GET /admin HTTP/1.1\r\nHost: x', 'CONNECT', 'TRACE', 'PUT', 'DELETE', 'G ET', 'GET\n'];
  for (const method of badMethods) {
    test(`refuses method ${JSON.stringify(method)} (default allowed: GET, HEAD, POST)`, async () => {
      const before = allowed.connections();
      const r = await webTool().execute({ url: allowed.url('/echo'), method }, context);
      assert.equal(r.isError, true);
      assert.match(r.output, /^refused: method .* is not allowed; use one of GET, HEAD, POST|^invalid arguments/);
      assert.equal(allowed.connections(), before);
    });
  }

  test('a method allowed by allowedMethods works (lower case accepted)', async () => {
    const r = await webTool({ allowedMethods: ['GET', 'DELETE'] }).execute(
      { url: allowed.url('/echo'), method: 'delete' },
      context,
    );
    assert.equal(echoed(r.output).method, 'DELETE');
  });

  test('a body with GET is refused', async () => {
    const r = await webTool().execute({ url: allowed.url('/echo'), body: 'x' }, context);
    assert.match(r.output, /^invalid request: a GET request cannot have a body/);
  });

  test('unknown argument keys are refused by the strict schema', async () => {
    const r = await webTool().execute({ url: allowed.url('/ok'), proxy: 'http://127.0.0.3/' }, context);
    assert.equal(r.isError, true);
    assert.match(r.output, /invalid arguments/);
  });
});

describe('no server credentials or ambient configuration leak into requests', () => {
  test('only framing headers are added: no Authorization, Cookie, Proxy-*, X-Forwarded-*', async () => {
    const r = await webTool().execute({ url: allowed.url('/echo') }, context);
    const names = Object.keys(echoed(r.output).headers).sort();
    assert.deepEqual(names, ['accept-encoding', 'connection', 'host', 'user-agent']);
    assert.equal(echoed(r.output).headers['accept-encoding'], 'identity');
    assert.equal(echoed(r.output).headers.connection, 'close');
  });

  test('proxy environment variables are ignored: the request goes direct, the "proxy" sees nothing', async (t) => {
    const saved = { ...process.env };
    t.after(() => {
      for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'NO_PROXY']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    });
    for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY']) {
      process.env[k] = `http://user:secret@127.0.0.3:${canary.port}`;
    }
    process.env.NO_PROXY = '';
    const r = await webTool().execute({ url: allowed.url('/echo') }, context);
    await settle();
    assert.equal(r.isError, false, r.output);
    assert.equal(canary.connections(), 0);
    assert.equal(echoed(r.output).headers['proxy-authorization'], undefined);
  });

  test('Host is the URL host and port, the User-Agent the tool default unless the model sets one', async () => {
    const r1 = await webTool().execute({ url: allowed.url('/echo') }, context);
    assert.equal(echoed(r1.output).headers.host, `127.0.0.2:${allowed.port}`);
    assert.equal(echoed(r1.output).headers['user-agent'], 'hector-web-request');
    const r2 = await webTool().execute({ url: allowed.url('/echo'), headers: { 'User-Agent': 'agent/1' } }, context);
    assert.equal(echoed(r2.output).headers['user-agent'], 'agent/1');
  });
});

describe('redirect semantics', () => {
  const creds = { Authorization: 'Bearer model-token', Cookie: 'sid=1', 'X-Keep': 'kept' };

  test('a cross-origin redirect drops Authorization and Cookie, keeps other headers', async () => {
    const to = encodeURIComponent(allowed4.url('/echo'));
    const r = await webTool().execute({ url: allowed.url(`/redirect?to=${to}`), headers: creds }, context);
    assert.equal(r.isError, false, r.output);
    const h = echoed(r.output).headers;
    assert.equal(h.authorization, undefined);
    assert.equal(h.cookie, undefined);
    assert.equal(h['x-keep'], 'kept');
    assert.match(r.output, /after 1 redirect\(s\) from http:\/\/127\.0\.0\.2/);
  });

  test('a same-origin redirect keeps Authorization and Cookie', async () => {
    const r = await webTool().execute({ url: allowed.url('/redirect?to=/echo'), headers: creds }, context);
    const h = echoed(r.output).headers;
    assert.equal(h.authorization, 'Bearer model-token');
    assert.equal(h.cookie, 'sid=1');
  });

  test('credentials dropped once stay dropped when a later hop returns to the first origin', async () => {
    const back = encodeURIComponent(allowed.url('/echo'));
    const to = encodeURIComponent(allowed4.url(`/redirect?to=${back}`));
    const r = await webTool().execute({ url: allowed.url(`/redirect?to=${to}`), headers: creds }, context);
    assert.equal(echoed(r.output).headers.authorization, undefined);
  });

  test('303 after POST becomes GET without body or Content-Type', async () => {
    const r = await webTool().execute(
      {
        url: allowed.url('/redirect?status=303&to=/echo'),
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: 'payload',
      },
      context,
    );
    const e = echoed(r.output);
    assert.equal(e.method, 'GET');
    assert.equal(e.body, '');
    assert.equal(e.headers['content-type'], undefined);
  });

  test('307 keeps the method and the body', async () => {
    const r = await webTool().execute(
      { url: allowed.url('/redirect?status=307&to=/echo'), method: 'POST', body: 'payload' },
      context,
    );
    const e = echoed(r.output);
    assert.equal(e.method, 'POST');
    assert.equal(e.body, 'payload');
  });

  test('a redirect loop stops at maxRedirects and returns the last 3xx with a note', async () => {
    const before = allowed.requests.length;
    const r = await webTool({ maxRedirects: 3 }).execute({ url: allowed.url('/loop') }, context);
    assert.equal(r.isError, false);
    assert.match(r.output, /^HTTP 302 Found\n/);
    assert.match(r.output, /redirect not followed: the redirect limit was reached/);
    assert.equal(allowed.requests.length - before, 4, 'first request + 3 redirects');
  });

  test('maxRedirects 0 returns the redirect itself', async () => {
    const r = await webTool({ maxRedirects: 0 }).execute({ url: allowed.url('/redirect?to=/ok') }, context);
    assert.match(r.output, /^HTTP 302 Found\n[\s\S]*location: \/ok\n\[redirect not followed[\s\S]*\n\nredirecting$/);
  });
});

describe('response rendering and caps', () => {
  test('an oversized response is truncated at maxResponseBytes with a marker', async () => {
    const r = await webTool({ maxResponseBytes: 1000 }).execute({ url: allowed.url('/big?n=50000') }, context);
    assert.equal(r.isError, false);
    const body = bodyOf(r.output);
    assert.ok(body.startsWith('A'.repeat(1000)));
    assert.ok(!body.includes('A'.repeat(1001)));
    assert.doesNotMatch(r.output, /END-MARKER/);
    assert.match(
      body,
      /\n\[truncated: the response body is more than 1000 bytes \(content-length 50010\); only the first 1000 bytes were read\]$/,
    );
  });

  test('a body of exactly maxResponseBytes is not marked truncated', async () => {
    const r = await webTool({ maxResponseBytes: 1000 }).execute({ url: allowed.url('/exact?n=1000') }, context);
    assert.equal(bodyOf(r.output), 'B'.repeat(1000));
  });

  test('the fetcher stops reading: a huge body does not make the client buffer it', async () => {
    const fetcher = createGuardedFetcher({ allowedRanges: ['127.0.0.2/32'], maxResponseBytes: 10 });
    const res = await fetcher({ url: allowed.url('/big?n=5000000') });
    assert.equal(res.truncated, true);
    assert.equal(res.body.length, 10);
  });

  test('a binary body is summarised, not dumped', async () => {
    const r = await webTool().execute({ url: allowed.url('/binary') }, context);
    assert.equal(r.isError, false);
    assert.equal(bodyOf(r.output), '[binary body not shown: 16 bytes of image/png; web_request only returns text]');
  });

  test('a "text" body with NUL bytes is treated as binary', async () => {
    const r = await webTool().execute({ url: allowed.url('/nul-text') }, context);
    assert.match(bodyOf(r.output), /^\[binary body not shown: 26 bytes of text\/plain/);
  });

  test('a compressed body (server ignored identity) is summarised', async () => {
    const r = await webTool().execute({ url: allowed.url('/gzip') }, context);
    assert.match(bodyOf(r.output), /^\[binary body not shown/);
  });

  test('a declared charset is honoured', async () => {
    const r = await webTool().execute({ url: allowed.url('/latin1') }, context);
    assert.equal(bodyOf(r.output), 'café');
  });

  test('HTTP error statuses are results, not tool errors', async () => {
    const r = await webTool().execute({ url: allowed.url('/status?code=404') }, context);
    assert.equal(r.isError, false);
    assert.match(r.output, /^HTTP 404 Not Found\n/);
  });

  test('HEAD returns the head only', async () => {
    const r = await webTool().execute({ url: allowed.url('/ok'), method: 'HEAD' }, context);
    assert.match(r.output, /^HTTP 200 OK\n[\s\S]*\n\n\[empty body\]$/);
  });
});

describe('deadlines and cancellation', () => {
  test('a server that never answers times out', async () => {
    const r = await webTool({ timeoutMs: 300 }).execute({ url: allowed.url('/hang') }, context);
    assert.equal(r.isError, true);
    assert.match(r.output, /^request failed: .*did not complete within 300 ms/);
  });

  test('a server that sends headers then stalls the body times out', async () => {
    const r = await webTool({ timeoutMs: 300 }).execute({ url: allowed.url('/drip') }, context);
    assert.equal(r.isError, true);
    assert.match(r.output, /did not complete within 300 ms/);
  });

  test('a DNS answer that never comes times out', async () => {
    const lookup = () => new Promise<never>(() => {});
    const r = await webTool({ timeoutMs: 200 }, { lookup }).execute({ url: 'http://slow-dns.test/' }, context);
    assert.match(r.output, /did not complete within 200 ms/);
  });

  test('the deadline covers the whole redirect chain', async () => {
    const to = encodeURIComponent('/hang');
    const r = await webTool({ timeoutMs: 300 }).execute({ url: allowed.url(`/redirect?to=${to}`) }, context);
    assert.match(r.output, /did not complete within 300 ms/);
  });

  test('the call signal aborts an in-flight request (the error is rethrown as cancellation)', async () => {
    const controller = new AbortController();
    hangArrived = () => controller.abort(new Error('user cancelled'));
    const ctx = { ...context, signal: controller.signal };
    await assert.rejects(webTool().execute({ url: allowed.url('/hang') }, ctx), /user cancelled/);
    hangArrived = undefined;
  });

  test('an already-aborted signal sends nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const before = allowed.connections();
    await assert.rejects(webTool().execute({ url: allowed.url('/ok') }, { ...context, signal: controller.signal }));
    await settle();
    assert.equal(allowed.connections(), before);
  });

  test('through executeToolCall a cancelled call is reported as cancelled', async () => {
    const controller = new AbortController();
    hangArrived = () => controller.abort();
    const tool = webTool();
    const outcome = await executeToolCall({
      tools: createToolRegistry([tool]),
      allowedNames: ['web_request'],
      name: 'web_request',
      args: { url: allowed.url('/hang') },
      context: { ...context, signal: controller.signal },
    });
    hangArrived = undefined;
    assert.equal(outcome.verdict, 'failed');
    assert.match(outcome.result.output, /was cancelled/);
  });
});

describe('through executeToolCall', () => {
  test('a refused SSRF attempt is a denied call with an error result the model reads', async () => {
    const outcome = await executeToolCall({
      tools: createToolRegistry([webTool()]),
      allowedNames: ['web_request'],
      name: 'web_request',
      args: { url: canary.url() },
      context,
    });
    assert.equal(outcome.verdict, 'denied');
    assert.match(String(outcome.details.reason), /loopback/);
    assert.equal(outcome.result.isError, true);
    assert.doesNotMatch(outcome.result.output, new RegExp(CANARY_SECRET));
    assert.equal(canary.connections(), 0);
  });
});

describe('https', () => {
  let dir: string | undefined;
  let cert = '';
  let key = '';
  let server: TestServer | undefined;
  before(async () => {
    if (!existsSync('/usr/bin/openssl')) return;
    dir = mkdtempSync(join(tmpdir(), 'hector-web-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=secure.test',
        '-addext',
        'subjectAltName=DNS:secure.test,IP:127.0.0.2',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
    server = await startServer('127.0.0.2', routes(), { server: createHttpsServer({ cert, key }), scheme: 'https' });
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('an https request to a name goes to the vetted address with SNI and verification by name', async (t) => {
    if (!server) return t.skip('openssl is not installed');
    const dns = scriptedLookup({ 'secure.test': ['127.0.0.2'] });
    const r = await webTool({}, { lookup: dns.lookup, ca: cert }).execute(
      { url: `https://secure.test:${server.port}/echo` },
      context,
    );
    assert.equal(r.isError, false, r.output);
    assert.equal(echoed(r.output).headers.host, `secure.test:${server.port}`);
    assert.deepEqual(dns.calls, ['secure.test']);
  });

  test('an https request to an IP literal is verified against the IP SAN', async (t) => {
    if (!server) return t.skip('openssl is not installed');
    const r = await webTool({}, { ca: cert }).execute({ url: server.url('/ok') }, context);
    assert.equal(r.isError, false, r.output);
  });

  test('a certificate for another name is refused (the name, not the address, is verified)', async (t) => {
    if (!server) return t.skip('openssl is not installed');
    const dns = scriptedLookup({ 'other.test': ['127.0.0.2'] });
    const r = await webTool({}, { lookup: dns.lookup, ca: cert }).execute(
      { url: `https://other.test:${server.port}/ok` },
      context,
    );
    assert.equal(r.isError, true);
    assert.match(r.output, /TLS connection to "other.test" failed/);
    assert.doesNotMatch(r.output, /hello from the allowed server/);
  });

  test('an untrusted (self-signed) certificate is refused with the default CA store', async (t) => {
    if (!server) return t.skip('openssl is not installed');
    const r = await webTool().execute({ url: server.url('/ok') }, context);
    assert.equal(r.isError, true);
    assert.match(r.output, /TLS connection .* failed/);
  });
});

describe('options are validated at construction', () => {
  const base: WebRequestToolOptions = { name: 'web', maxResponseBytes: 1024, timeoutMs: 1000 };
  const bad: [string, Partial<WebRequestToolOptions> & Record<string, unknown>, RegExp][] = [
    ['a CIDR with a too-long prefix', { allowedRanges: ['127.0.0.1/33'] }, /allowed_ranges\[0\].*not a CIDR/],
    ['a host name as a range', { allowedRanges: ['localhost'] }, /allowed_ranges\[0\]/],
    ['a range with host bits set', { allowedRanges: ['10.0.0.1/8'] }, /allowed_ranges\[0\]/],
    ['a URL as a domain', { allowedDomains: ['https://example.com'] }, /allowed_domains\[0\]/],
    ['a TLD wildcard', { allowedDomains: ['*.com'] }, /allowed_domains\[0\]/],
    ['an empty allow-list', { allowedDomains: [] }, /allowed_domains: is empty/],
    ['a bad denied entry', { deniedDomains: ['exa mple.com'] }, /denied_domains\[0\]/],
    ['CONNECT', { allowedMethods: ['CONNECT'] }, /allowed_methods\[0\]/],
    ['TRACE', { allowedMethods: ['TRACE'] }, /allowed_methods\[0\]/],
    ['maxResponseBytes 0', { maxResponseBytes: 0 }, /max_response_bytes/],
    ['maxResponseBytes fractional', { maxResponseBytes: 1.5 }, /max_response_bytes/],
    ['maxResponseBytes huge', { maxResponseBytes: 2 ** 40 }, /max_response_bytes/],
    ['timeout 0', { timeoutMs: 0 }, /tools\.web\.timeout/],
    ['maxRedirects 21', { maxRedirects: 21 }, /max_redirects/],
    ['missing maxResponseBytes', { maxResponseBytes: undefined }, /max_response_bytes: is required/],
    ['a bad tool name', { name: 'web request' }, /invalid tool name/],
  ];
  for (const [name, override, pattern] of bad) {
    test(`refuses ${name}`, () => {
      assert.throws(
        () => createWebRequestTool({ ...base, ...override } as WebRequestToolOptions),
        (e: unknown) => e instanceof ConfigError && pattern.test(e.message),
      );
    });
  }

  test('the description names the allowed hosts and methods', () => {
    const tool = createWebRequestTool({ ...base, allowedDomains: ['api.example.com', '*.docs.example.com'] });
    assert.match(tool.description, /Only these hosts can be requested: api\.example\.com, \*\.docs\.example\.com\./);
    assert.match(tool.description, /Methods: GET, HEAD, POST\./);
    assert.deepEqual(Object.keys(tool.inputSchema.properties as object), ['url', 'method', 'headers', 'body']);
    assert.equal(tool.inputSchema.additionalProperties, false);
  });
});
