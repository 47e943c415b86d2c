/**
 * Turns a URL from an untrusted caller into a vetted target, in two steps that run for the first URL and again
 * for every redirect:
 * 1. `checkUrl`: WHATWG-parse (which normalises every IPv4 notation and IDN), require http/https, refuse
 *    userinfo and port 0, then apply the domain lists to the normalised host;
 * 2. `vetAddresses`: an IP literal is checked as is; a name is resolved ONCE here (all addresses) and refused
 *    when ANY address is blocked. The request then connects only to the addresses returned from here (see
 *    send-request.ts), so a DNS answer that changes between check and connect (rebinding) is never used.
 */
import {
  formatIp,
  InvalidRequestError,
  type IpAddress,
  PermissionDeniedError,
  parseIp,
  UpstreamError,
} from '../../shared/index.ts';
import { quote } from '../text.ts';
import { checkAddress, unmapIp } from './address-policy.ts';
import type { FetchPolicy } from './fetch-policy.ts';
import { matchesAllowed, matchesDenied, stripTrailingDot } from './host-policy.ts';

export type BlockReason =
  | 'scheme'
  | 'userinfo'
  | 'port'
  | 'domain_denied'
  | 'domain_not_allowed'
  | 'address_blocked'
  | 'method';

/**
 * A request the SSRF policy refused before any connection was made. `reason` is a stable code; the message is
 * safe to show to the caller (it never contains a resolved address of a name, only the category).
 */
export class WebRequestBlockedError extends PermissionDeniedError {
  readonly reason: BlockReason;
  constructor(reason: BlockReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** One resolved address as a DNS lookup returns it. */
export interface LookupAddress {
  address: string;
  family: number;
}

/** Resolves a host name to all of its addresses. Injectable for tests; the default uses the OS resolver. */
export type HostLookup = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface Target {
  url: URL;
  /** Normalised host: lower case, punycode, no trailing dot; IPv6 literals in brackets. */
  host: string;
  /** What to dial: the host name, or the bare IP of a literal. */
  connectHost: string;
  /** Set when the URL names an IP address directly. */
  literal: IpAddress | undefined;
  port: number;
  origin: string;
}

const MAX_URL_LENGTH = 8192;

/** Step 1 (see file comment). Throws InvalidRequestError for a malformed URL, WebRequestBlockedError for a refusal. */
export function checkUrl(input: string | URL, policy: FetchPolicy): Target {
  const text = typeof input === 'string' ? input : input.href;
  if (text.length > MAX_URL_LENGTH) {
    throw new InvalidRequestError(`the URL is ${text.length} characters; at most ${MAX_URL_LENGTH}`);
  }
  let url: URL;
  try {
    url = typeof input === 'string' ? new URL(input) : new URL(input.href);
  } catch {
    throw new InvalidRequestError(`${quote(text)} is not a valid absolute URL; use e.g. "https://example.com/path"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WebRequestBlockedError(
      'scheme',
      `the URL scheme ${quote(url.protocol.replace(/:$/, ''))} is not allowed; only http and https URLs can be requested`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new WebRequestBlockedError(
      'userinfo',
      'URLs with a user name or password ("user:pass@host") are not allowed; send credentials in a header instead',
    );
  }
  url.hash = '';
  const host = stripTrailingDot(url.hostname);
  if (host === '' || host.startsWith('.') || host.includes('..')) {
    throw new InvalidRequestError(`${quote(url.hostname)} is not a valid host name`);
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535) {
    throw new WebRequestBlockedError('port', `port ${quote(url.port)} is not allowed; use a port from 1 to 65535`);
  }

  const literal = parseIp(host);
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (!literal && (host.startsWith('[') || /^[\d.]+$/.test(host))) {
    // The URL parser normalises every IPv4 notation; anything numeric that is still not canonical is refused.
    throw new WebRequestBlockedError('address_blocked', `${quote(host)} is not a valid IP address`);
  }

  if (policy.denied.some((p) => matchesDenied(p, host))) {
    throw new WebRequestBlockedError('domain_denied', `requests to ${quote(host)} are denied by denied_domains`);
  }
  if (policy.allowed && !policy.allowed.some((p) => matchesAllowed(p, host))) {
    const list = policy.allowed.map((p) => (p.wildcard ? `*.${p.host}` : p.host)).join(', ');
    throw new WebRequestBlockedError(
      'domain_not_allowed',
      `${quote(host)} is not in allowed_domains; only these hosts may be requested: ${list}`,
    );
  }
  return { url, host, connectHost: literal ? bare : host, literal, port, origin: url.origin };
}

/**
 * Step 2 (see file comment): the addresses this target may be dialled at, IPv4-mapped IPv6 turned into IPv4.
 * Throws WebRequestBlockedError when any address is blocked, UpstreamError when the name does not resolve.
 */
export async function vetAddresses(
  target: Target,
  policy: FetchPolicy,
  lookup: HostLookup,
  signal: AbortSignal,
): Promise<IpAddress[]> {
  if (target.literal) {
    const verdict = checkAddress(target.literal, policy.ranges);
    if (!verdict.allowed) {
      throw new WebRequestBlockedError(
        'address_blocked',
        `${quote(target.host)} is an internal address (${verdict.category}); requests to internal addresses are blocked${RANGE_HINT}`,
      );
    }
    return [unmapIp(target.literal)];
  }

  signal.throwIfAborted();
  let answers: readonly LookupAddress[];
  try {
    answers = await raceAbort(lookup(target.host), signal);
  } catch (e) {
    if (signal.aborted) throw e;
    const code = (e as { code?: unknown } | null)?.code;
    const transient = code === 'EAI_AGAIN' || code === 'ETIMEOUT' || code === 'ESERVFAIL';
    throw new UpstreamError(
      `could not resolve the host ${quote(target.host)}${typeof code === 'string' ? ` (${code})` : ''}; check the URL`,
      { retryable: transient, cause: e },
    );
  }
  if (!Array.isArray(answers) || answers.length === 0) {
    throw new UpstreamError(`the host ${quote(target.host)} has no addresses; check the URL`, { retryable: false });
  }
  const vetted: IpAddress[] = [];
  const seen = new Set<string>();
  for (const answer of answers) {
    const ip = typeof answer?.address === 'string' ? parseIp(answer.address) : undefined;
    const verdict = ip ? checkAddress(ip, policy.ranges) : { allowed: false as const, category: 'unparseable' };
    if (!ip || !verdict.allowed) {
      throw new WebRequestBlockedError(
        'address_blocked',
        `${quote(target.host)} resolves to an internal address (${verdict.allowed ? 'blocked' : verdict.category}); requests to internal addresses are blocked${RANGE_HINT}`,
      );
    }
    const dial = unmapIp(ip);
    const key = formatIp(dial);
    if (!seen.has(key)) {
      seen.add(key);
      vetted.push(dial);
    }
  }
  return vetted;
}

const RANGE_HINT = ' (an operator can allow a range with allowed_ranges)';

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
