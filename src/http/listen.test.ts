import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { Hono } from 'hono';
import { listen } from './listen.ts';

/** A raw HTTP/1.1 connection: write requests, read whatever comes back until the server closes it. */
function rawConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    received += d;
  });
  const ended = new Promise<void>((r) => socket.once('close', () => r()));
  const connected = new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, connected, ended, received: () => received };
}

function app(gate: Promise<void>, counts: { fast: number }) {
  const a = new Hono();
  a.get('/slow', async (c) => {
    await gate;
    return c.text('slow done');
  });
  a.get('/fast', (c) => {
    counts.fast++;
    return c.text('fast');
  });
  return a;
}

test('stopAccepting: new connections are refused, the request in flight completes and closes its connection', async () => {
  let open!: () => void;
  const counts = { fast: 0 };
  const listener = await listen(app(new Promise<void>((r) => (open = r)), counts), '127.0.0.1', 0);
  const conn = rawConnection(listener.port);
  await conn.connected;
  // Pipelined: /slow, then /fast on the same keep-alive connection.
  conn.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  for (let i = 0; i < 100 && listener.inFlight() === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(listener.inFlight(), 1);

  listener.stopAccepting();
  await assert.rejects(
    fetch(`http://127.0.0.1:${listener.port}/fast`),
    (err: { cause?: { code?: string } }) => err.cause?.code === 'ECONNREFUSED',
  );
  // A request that still arrives on the open connection is not served by the app.
  conn.socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(await listener.idle(50), false, 'the slow request is still in flight');
  open();
  assert.equal(await listener.idle(5_000), true);
  await conn.ended;
  const text = conn.received();
  assert.match(text, /^HTTP\/1\.1 200 OK/);
  assert.match(text, /\r\nconnection: close\r\n/i);
  assert.match(text, /slow done/);
  assert.doesNotMatch(text, /\r\n\r\nfast$/);
  assert.equal(counts.fast, 0, 'the app never saw the late request');
  await listener.closeAll();
});

test('drain: a request still open at the deadline is cut off and drain reports false', async () => {
  const listener = await listen(app(new Promise<void>(() => {}), { fast: 0 }), '127.0.0.1', 0);
  const pending = fetch(`http://127.0.0.1:${listener.port}/slow`).catch((e: unknown) => e);
  for (let i = 0; i < 100 && listener.inFlight() === 0; i++) await new Promise((r) => setTimeout(r, 5));
  const started = Date.now();
  assert.equal(await listener.drain(100), false);
  assert.ok(Date.now() - started < 2_000);
  assert.ok((await pending) instanceof Error, 'the client sees the connection closed');
});
