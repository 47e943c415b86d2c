/** The fetch-shaped, streaming guarded client (MCP over HTTP): vetting, streaming, caps and the head deadline. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createGuardedFetch } from './guarded-fetcher.ts';
import { WebRequestBlockedError } from './target.ts';

let server: Server;
let base: string;
before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ echo: req.headers['x-test'] ?? null, body: req.method }));
    } else if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('x'.repeat(5000));
    } else if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Many short events: more than the cap in total, each line well under it.
      for (let i = 0; i < 200; i++) res.write(`data: event ${i}\n\n`);
      res.end();
    } else if (req.url === '/long-line') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${'y'.repeat(3000)}`);
      res.end('\n\n');
    } else if (req.url === '/slow-head') {
      setTimeout(() => res.end('late'), 2000).unref();
    } else if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const allowed = (extra = {}) =>
  createGuardedFetch({ allowedRanges: ['127.0.0.1/32'], maxResponseBytes: 1024, ...extra });

test('loopback is refused unless allowed; with it, headers go out and the body streams back', async () => {
  await assert.rejects(createGuardedFetch()(`${base}/json`), WebRequestBlockedError);
  const res = await allowed()(`${base}/json`, { method: 'POST', headers: { 'x-test': 'yes' }, body: '{}' });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { echo: 'yes', body: 'POST' });
});

test('a body over the cap errors; an event stream is capped per line, not in total', async () => {
  await assert.rejects((await allowed()(`${base}/big`)).text(), /exceeded 1024 bytes/);
  const events = await (await allowed()(`${base}/events`)).text();
  assert.ok(events.length > 1024);
  assert.match(events, /data: event 199/);
  await assert.rejects((await allowed()(`${base}/long-line`)).text(), /an event stream line .* exceeded 1024 bytes/);
});

test('framing headers and bad bodies are refused; the head deadline applies; redirects are vetted', async () => {
  await assert.rejects(allowed()(`${base}/json`, { headers: { host: 'evil' } }), /may not be set/);
  await assert.rejects(
    allowed()(`${base}/json`, { method: 'POST', body: new Blob(['x']) as unknown as string }),
    /must be a string or bytes/,
  );
  await assert.rejects(allowed({ timeoutMs: 200 })(`${base}/slow-head`), /did not answer within 200 ms/);
  await assert.rejects(allowed({ maxRedirects: 3 })(`${base}/redirect`), WebRequestBlockedError);
});
