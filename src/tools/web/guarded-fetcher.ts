/**
 * The SSRF-guarded HTTP client: the only way Hector code should make an outbound request to a URL it did not
 * write itself (the web_request tool; later JWKS and MCP over HTTP).
 *
 * Security contract, per request:
 * - method in the allowed set, headers checked (request-headers.ts), body only for methods that take one and at
 *   most `maxRequestBytes`;
 * - the URL and every redirect target pass `checkUrl` (http/https only, no userinfo, domain lists) and
 *   `vetAddresses` (no internal address unless in `allowedRanges`; any blocked DNS answer refuses the host), and
 *   the socket connects only to the vetted addresses (send-request.ts);
 * - redirects (301/302/303/307/308) are followed manually up to `maxRedirects`; 303, and 301/302 after POST,
 *   become GET without body; a redirect to another origin (scheme, host or port) drops Authorization, Cookie and
 *   Proxy-Authorization;
 * - one deadline (`timeoutMs`) covers DNS, connects, redirects and the body; the caller's signal aborts too;
 * - the body is capped at `maxResponseBytes` (the rest is not read); only identity encoding is asked for.
 *
 * Failures: InvalidRequestError (bad method/header/body/URL), WebRequestBlockedError (policy refusal, before any
 * connection), UpstreamError (DNS failure, connection error, timeout: `retryable`); when the caller's signal
 * aborts, its reason is thrown. Nothing of the server's environment is added: no proxy, no credentials.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import { pipeline, Readable, Transform } from 'node:stream';
import { InvalidRequestError, UpstreamError } from '../../shared/index.ts';
import { quote } from '../text.ts';
import { type FetchPolicy, type GuardedFetcherOptions, resolveFetchPolicy } from './fetch-policy.ts';
import { CREDENTIAL_HEADERS, checkRequestHeaders } from './request-headers.ts';
import { readBody, sendRequest } from './send-request.ts';
import { checkUrl, type HostLookup, type Target, vetAddresses, WebRequestBlockedError } from './target.ts';

export interface GuardedRequest {
  url: string;
  /** Default GET. Case-insensitive. */
  method?: string;
  headers?: Readonly<Record<string, string>>;
  /** Sent as is (a string as UTF-8). Not allowed with GET or HEAD. */
  body?: string | Uint8Array;
  /** Aborts the request; its reason is thrown. */
  signal?: AbortSignal;
}

export interface GuardedResponse {
  /** The URL the response came from (after redirects). */
  url: string;
  /** The URLs that redirected, in order (empty when there was no redirect). */
  redirects: readonly string[];
  /** True when the response is a redirect that was not followed because `maxRedirects` was reached. */
  redirectLimitReached: boolean;
  status: number;
  statusText: string;
  /** Response headers, lower-case names; repeated headers joined with ", ". */
  headers: Readonly<Record<string, string>>;
  /** At most `maxResponseBytes`. Empty for HEAD, 204 and 304. */
  body: Buffer;
  /** True when the body was longer than `maxResponseBytes` and was cut. */
  truncated: boolean;
  /** The IP address the final response came from. */
  remoteAddress: string;
}

export type GuardedFetcher = (request: GuardedRequest) => Promise<GuardedResponse>;

export interface GuardedFetcherDeps {
  /** Resolves a host to all its addresses (default: the OS resolver, `dns.lookup` with `all: true`). */
  lookup?: HostLookup;
  /** PEM CA certificates trusted for https instead of Node's default store (tests, a private CA). */
  ca?: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NO_BODY_METHODS = new Set(['GET', 'HEAD']);

const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Builds the guarded client; throws ConfigError on bad options (see GuardedFetcherOptions for defaults). */
export function createGuardedFetcher(
  options: GuardedFetcherOptions = {},
  deps: GuardedFetcherDeps = {},
): GuardedFetcher {
  const policy = resolveFetchPolicy(options);
  const lookup = deps.lookup ?? systemLookup;
  const ca = deps.ca;

  return async (request) => {
    const { method, headers, body, first } = checkRequest(request, policy);

    const deadline = AbortSignal.timeout(policy.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
    try {
      const final = await follow({ target: first, method, headers, body }, policy, lookup, ca, signal);
      return await readFinal(final, policy, signal);
    } catch (e) {
      if (request.signal?.aborted) throw request.signal.reason;
      if (deadline.aborted) {
        throw new UpstreamError(
          `the request to ${quote(first.url.href)} did not complete within ${policy.timeoutMs} ms and was abandoned`,
          { retryable: true, cause: e },
        );
      }
      throw e;
    }
  };
}

/** A `fetch`-shaped function (what the MCP SDK's HTTP transports take). */
export type GuardedFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The same checks as createGuardedFetcher, shaped like `fetch` and with a STREAMING body (Server-Sent Events):
 * the deadline (`timeoutMs`) covers DNS, connects and redirects up to the response head; after that only the
 * caller's signal (`init.signal`) ends the stream. `maxResponseBytes` caps the body, or for `text/event-stream`
 * each line (see capStream). Request bodies
 * must be strings or bytes; headers pass the same checks as the web_request tool's.
 */
export function createGuardedFetch(options: GuardedFetcherOptions = {}, deps: GuardedFetcherDeps = {}): GuardedFetch {
  const policy = resolveFetchPolicy(options);
  const lookup = deps.lookup ?? systemLookup;
  const ca = deps.ca;
  return async (url, init = {}) => {
    const raw = init.body;
    if (raw !== undefined && raw !== null && typeof raw !== 'string' && !(raw instanceof Uint8Array)) {
      throw new InvalidRequestError('the request body must be a string or bytes');
    }
    const { method, headers, body, first } = checkRequest(
      {
        url: String(url),
        ...(init.method === undefined ? {} : { method: init.method }),
        headers: Object.fromEntries(new Headers(init.headers).entries()),
        ...(raw === undefined || raw === null ? {} : { body: raw }),
      },
      policy,
    );
    const head = new AbortController();
    const timer = setTimeout(() => head.abort(), policy.timeoutMs);
    const caller = init.signal ?? undefined;
    const signal = caller ? AbortSignal.any([caller, head.signal]) : head.signal;
    let final: FinalHop;
    try {
      final = await follow({ target: first, method, headers, body }, policy, lookup, ca, signal);
    } catch (e) {
      if (caller?.aborted) throw caller.reason;
      if (head.signal.aborted) {
        throw new UpstreamError(`${quote(first.url.href)} did not answer within ${policy.timeoutMs} ms`, {
          retryable: true,
          cause: e,
        });
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
    const { response } = final;
    const status = response.statusCode ?? 0;
    const empty = hasNoBody(method, status);
    if (empty) response.destroy();
    const eventStream = /^\s*text\/event-stream/i.test(String(response.headers['content-type'] ?? ''));
    const limited = empty ? null : capStream(response, policy.maxResponseBytes, eventStream, first.host);
    const stream = limited ? (Readable.toWeb(limited) as ReadableStream<Uint8Array>) : null;
    return new Response(stream, {
      status: status < 200 ? 502 : status,
      statusText: response.statusMessage ?? '',
      headers: headersOf(response),
    });
  };
}

/**
 * The body with a size cap: at most `maxBytes` in all, or, for an event stream (open-ended), at most `maxBytes`
 * in one line (so one event cannot grow without bound). Past the cap the stream errors and the socket is closed.
 */
function capStream(response: IncomingMessage, maxBytes: number, perLine: boolean, host: string): Readable {
  let count = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (perLine) {
        const nl = chunk.lastIndexOf(0x0a);
        count = nl === -1 ? count + chunk.length : chunk.length - nl - 1;
      } else {
        count += chunk.length;
      }
      if (count > maxBytes) {
        const what = perLine ? 'an event stream line' : 'the response body';
        done(new UpstreamError(`${what} from ${quote(host)} exceeded ${maxBytes} bytes`, { retryable: false }));
        return;
      }
      done(null, chunk);
    },
  });
  pipeline(response, cap, () => {});
  return cap;
}

interface Hop {
  target: Target;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

interface FinalHop {
  hop: Hop;
  response: IncomingMessage;
  remoteAddress: string;
  redirects: string[];
  /** A redirect that was not followed because `maxRedirects` was reached. */
  isRedirect: boolean;
}

/** Follows redirects (each hop vetted) and resolves with the final response head; the body is unread. */
async function follow(
  start: Hop,
  policy: FetchPolicy,
  lookup: HostLookup,
  ca: string | undefined,
  signal: AbortSignal,
): Promise<FinalHop> {
  let hop = start;
  const redirects: string[] = [];
  for (;;) {
    const addresses = await withRedirectContext(redirects, hop.target, () =>
      vetAddresses(hop.target, policy, lookup, signal),
    );
    const { response, remoteAddress } = await sendRequest({
      target: hop.target,
      addresses,
      method: hop.method,
      headers: hop.headers,
      body: hop.body,
      signal,
      ca,
    });
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    const isRedirect = REDIRECT_STATUSES.has(status) && typeof location === 'string' && location !== '';
    if (isRedirect && redirects.length < policy.maxRedirects) {
      response.destroy();
      let nextUrl: URL;
      try {
        nextUrl = new URL(location, hop.target.url);
      } catch {
        throw new UpstreamError(`${quote(hop.target.url.href)} redirected to an invalid URL ${quote(location)}`, {
          retryable: false,
        });
      }
      redirects.push(hop.target.url.href);
      const target = await withRedirectContext(redirects, nextUrl, async () => checkUrl(nextUrl, policy));
      hop = nextHop(hop, target, status);
      continue;
    }
    return { hop, response, remoteAddress, redirects, isRedirect };
  }
}

async function readFinal(final: FinalHop, policy: FetchPolicy, signal: AbortSignal): Promise<GuardedResponse> {
  const { hop, response } = final;
  const status = response.statusCode ?? 0;
  const empty = hasNoBody(hop.method, status);
  let read: { body: Buffer; truncated: boolean };
  try {
    if (empty) response.destroy();
    read = empty ? { body: Buffer.alloc(0), truncated: false } : await readBody(response, policy.maxResponseBytes);
  } catch (e) {
    if (signal.aborted) throw e;
    throw new UpstreamError(`the connection to ${quote(hop.target.host)} broke while reading the response body`, {
      retryable: true,
      cause: e,
    });
  }
  return {
    url: hop.target.url.href,
    redirects: final.redirects,
    redirectLimitReached: final.isRedirect,
    status,
    statusText: response.statusMessage ?? '',
    headers: headersOf(response),
    body: read.body,
    truncated: read.truncated,
    remoteAddress: final.remoteAddress,
  };
}

function headersOf(response: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function nextHop(previous: Hop, target: Target, status: number): Hop {
  const headers = { ...previous.headers };
  if (target.origin !== previous.target.origin) {
    for (const name of CREDENTIAL_HEADERS) delete headers[name];
  }
  const toGet =
    status === 303 ? previous.method !== 'HEAD' : (status === 301 || status === 302) && previous.method === 'POST';
  if (!toGet) return { target, method: previous.method, headers, body: previous.body };
  delete headers['content-type'];
  return { target, method: 'GET', headers, body: undefined };
}

/** Re-labels a refusal that happened on a redirect hop so the message says where the redirect came from. */
async function withRedirectContext<T>(
  redirects: readonly string[],
  next: Target | URL,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (redirects.length === 0 || !(e instanceof WebRequestBlockedError)) throw e;
    const href = next instanceof URL ? next.href : next.url.href;
    throw new WebRequestBlockedError(
      e.reason,
      `redirect refused: ${quote(redirects[redirects.length - 1])} redirected to ${quote(href)}: ${e.message}`,
    );
  }
}

/** A response that carries no body by definition (HEAD, 204, 304, 1xx). */
function hasNoBody(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

/** The request checks both clients share: method, headers (plus the fixed User-Agent default and identity
 * encoding), body and the first URL. */
function checkRequest(request: GuardedRequest, policy: FetchPolicy) {
  const method = checkMethod(request.method, policy);
  const headers = checkRequestHeaders(request.headers);
  const body = checkBody(request.body, method, policy);
  if (headers['user-agent'] === undefined) headers['user-agent'] = policy.userAgent;
  headers['accept-encoding'] = 'identity';
  return { method, headers, body, first: checkUrl(request.url, policy) };
}

function checkMethod(method: string | undefined, policy: FetchPolicy): string {
  const m = method === undefined ? 'GET' : method.toUpperCase();
  if (policy.methods.has(m)) return m;
  throw new WebRequestBlockedError(
    'method',
    `method ${quote(method)} is not allowed; use one of ${[...policy.methods].join(', ')}`,
  );
}

function checkBody(body: string | Uint8Array | undefined, method: string, policy: FetchPolicy): Buffer | undefined {
  if (body === undefined) return undefined;
  if (NO_BODY_METHODS.has(method)) {
    throw new InvalidRequestError(`a ${method} request cannot have a body; use POST or PUT to send one`);
  }
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  if (bytes.length > policy.maxRequestBytes) {
    throw new InvalidRequestError(`the request body is ${bytes.length} bytes; at most ${policy.maxRequestBytes}`);
  }
  return bytes;
}
