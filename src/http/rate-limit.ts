/**
 * Rate limiting at the HTTP edge: who the caller is for the limiter (never from anything the client can choose),
 * counting the requests that start or continue agent work, the 429 answer and the `RateLimit-*` headers.
 *
 * - The client address is the TCP peer. `X-Forwarded-For` is read only when the peer is a trusted proxy
 *   (`server.trusted_proxies`), from the right: the first address that is not itself a trusted proxy is the
 *   client. A malformed entry stops the walk (the proxy that appended it is then the client), so a client cannot
 *   choose its key by sending the header through — or around — a proxy.
 * - IPv6 clients are keyed by their /64: one host usually holds a whole /64 and could rotate through it.
 * - Anonymous callers (authentication off) are users named `ip:<address>`; authenticated ones are their `sub`,
 *   so rotating headers, tokens of the same user or addresses does not reset a user's budget.
 */
import type { Context } from 'hono';
import {
  type LimitDenial,
  type LimitStatus,
  type RateLimiter,
  retryAfterSeconds,
  windowAt,
} from '../ratelimit/index.ts';
import {
  type Cidr,
  cidrContains,
  formatIp,
  type IpAddress,
  isMappedV4,
  type Principal,
  parseIp,
  type RateSubject,
} from '../shared/index.ts';

export interface RateLimitHttpOptions {
  limiter: RateLimiter;
  trustedProxies: readonly Cidr[];
}

/**
 * Parses a peer or header address: strips a port (`1.2.3.4:5678`, `[2001:db8::1]:443`, as some load balancers
 * send), brackets and zone ids, and folds IPv4-mapped IPv6 into IPv4.
 */
function parseAddress(text: string | undefined): IpAddress | undefined {
  if (!text) return undefined;
  let t = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(t);
  if (bracketed) t = bracketed[1]!;
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}$/.test(t)) t = t.slice(0, t.lastIndexOf(':'));
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  const ip = parseIp(t);
  if (ip?.family === 6 && isMappedV4(ip.bytes)) return { family: 4, bytes: ip.bytes.slice(12) };
  return ip;
}

/**
 * The TCP peer of the request. Read by the first middleware, before the body: once a client resets the
 * connection the socket no longer knows its peer, and a request must never fall into a shared "unknown" budget.
 */
export function peerAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

/**
 * The client address named in audit events (`client_address`): the one set by the app's first middleware
 * (clientAddress, with the server's trusted proxies), else the TCP peer's key address (an app of its own, such
 * as the metrics port, trusts no proxy), else null.
 */
export function auditAddress(c: Context): string | null {
  const set = c.get('client') as string | undefined;
  return set ?? clientAddress(c, peerAddress(c), []) ?? null;
}

/** Whether the TCP peer address is inside one of `trusted` (`server.trusted_proxies`); false without a peer. */
export function isTrustedPeer(peer: string | undefined, trusted: readonly Cidr[]): boolean {
  const ip = parseAddress(peer);
  return ip !== undefined && trusted.some((range) => cidrContains(range, ip));
}

/**
 * The client's key address (IPv4 as is, IPv6 as its /64) from the peer address read at the start of the
 * request, or undefined when there was none (the caller refuses the request).
 */
export function clientAddress(c: Context, peer: string | undefined, trusted: readonly Cidr[]): string | undefined {
  let client = parseAddress(peer);
  if (!client) return undefined;
  const isTrusted = (ip: IpAddress) => trusted.some((range) => cidrContains(range, ip));
  if (isTrusted(client)) {
    const hops = (c.req.header('x-forwarded-for') ?? '').split(',').reverse();
    for (const hop of hops) {
      const ip = parseAddress(hop);
      if (!ip) break;
      client = ip;
      if (!isTrusted(ip)) break;
    }
  }
  if (client.family === 4) return formatIp(client);
  const prefix = new Uint8Array(16);
  prefix.set(client.bytes.slice(0, 8));
  return `${formatIp({ family: 6, bytes: prefix })}/64`;
}

export function rateSubject(principal: Principal, address: string): RateSubject {
  return {
    appId: principal.tenant,
    userId: principal.method === 'none' ? `ip:${address}` : principal.subject,
    address,
  };
}

/** One rule for `RateLimit-Policy`: `limit;w=<window seconds>` (this month's length for `month`), `;burst=B`. */
function policyOf(s: LimitStatus): string {
  const { start, end } = windowAt(s.rule.window, s.resetAt - 1);
  const burst = s.rule.burst === undefined ? '' : `;burst=${s.rule.burst}`;
  return `${s.rule.limit};w=${Math.round((end - start) / 1000)}${burst}`;
}

/**
 * `RateLimit-Limit`, `-Remaining`, `-Reset` (seconds) of the most constraining rule, and `RateLimit-Policy` listing
 * every rule (draft-ietf-httpapi-ratelimit-headers, the fields most clients read).
 */
export function setRateLimitHeaders(c: Context, statuses: readonly LimitStatus[]): void {
  if (statuses.length === 0) return;
  const now = Date.now();
  const tightest = statuses.reduce((a, b) => (b.remaining / b.capacity < a.remaining / a.capacity ? b : a));
  c.header('RateLimit-Limit', String(tightest.capacity));
  c.header('RateLimit-Remaining', String(tightest.remaining));
  c.header('RateLimit-Reset', String(Math.max(0, Math.ceil((tightest.resetAt - now) / 1000))));
  c.header('RateLimit-Policy', statuses.map(policyOf).join(', '));
}

/** The 429 headers: `Retry-After` and the `RateLimit-*` fields of the denying rule. */
export function setDenialHeaders(c: Context, denial: LimitDenial): void {
  c.header('Retry-After', String(retryAfterSeconds(denial)));
  setRateLimitHeaders(c, [denial]);
}

/**
 * Counts one request that starts or continues agent work against the count rules of the server and `agent`,
 * then checks that no token quota of theirs is already used up (a run that cannot make one LLM call is refused
 * here, with a 429, rather than failing later). Returns the statuses for the headers, or the denial.
 */
export async function admitWork(
  limiter: RateLimiter,
  subject: RateSubject,
  agent: string | null,
): Promise<{ allowed: true; status: readonly LimitStatus[] } | { allowed: false; denial: LimitDenial }> {
  // Tokens first: a request refused for its quota must not use up a request of the count rules too.
  const tokens = limiter.hasTokenRules(agent)
    ? (await limiter.usage(subject, agent)).filter((s) => s.rule.type === 'token')
    : [];
  const spent = tokens.find((s) => s.remaining <= 0);
  if (spent) {
    return { allowed: false, denial: { ...spent, retryAfterMs: Math.max(1, spent.resetAt - Date.now()) } };
  }
  const admission = await limiter.admitRequest(subject, agent);
  if (!admission.allowed) return admission;
  return { allowed: true, status: [...admission.status, ...tokens] };
}

/**
 * One limit as `/api/usage` and the Admin API show it. `used` only when `showUsed`: a caller sees their own use
 * (user and address rules), not the activity of the rest of their app or the server.
 */
export function limitView(s: LimitStatus, now: number, showUsed: boolean): Record<string, unknown> {
  return {
    type: s.rule.type,
    window: s.rule.window,
    limit: s.rule.limit,
    scope: s.rule.scope,
    ...(s.rule.burst === undefined ? {} : { burst: s.rule.burst }),
    ...(s.rule.agent === undefined ? {} : { agent: s.rule.agent }),
    ...(showUsed ? { used: s.used } : {}),
    remaining: s.remaining,
    reset_at: new Date(s.resetAt).toISOString(),
    reset_after: Math.max(0, Math.ceil((s.resetAt - now) / 1000)),
  };
}
