/**
 * The options of the guarded client, validated once at construction (ConfigError naming the option and how to
 * fix it), and the resolved policy the request path checks against.
 */

import type { Cidr } from '../../shared/index.ts';
import { ConfigError, type ConfigIssue } from '../../shared/index.ts';
import { parseAllowedRanges } from './address-policy.ts';
import { type HostPattern, parseHostPattern } from './host-policy.ts';

/** Default cap on the response body kept: 1 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Default deadline of a whole request, redirects included: 30 s. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default number of redirects followed. */
export const DEFAULT_MAX_REDIRECTS = 5;
/** Default cap on a request body: 1 MiB. */
export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
/** Methods allowed when `allowedMethods` is not given. */
export const DEFAULT_ALLOWED_METHODS: readonly string[] = Object.freeze(['GET', 'HEAD', 'POST']);
/** Every method that can be allowed. CONNECT and TRACE never can. */
export const SUPPORTED_METHODS: readonly string[] = Object.freeze([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
]);

const MAX_RESPONSE_BYTES_LIMIT = 64 * 1024 * 1024;
const MAX_TIMEOUT_MS = 10 * 60_000;
const MAX_REDIRECTS_LIMIT = 20;

export interface GuardedFetcherOptions {
  /** When set, only these hosts may be requested: `example.com` exactly, `*.example.com` any subdomain. */
  allowedDomains?: readonly string[];
  /** Hosts never requested, whatever `allowedDomains` says: `example.com` and its subdomains; `*.x` subdomains. */
  deniedDomains?: readonly string[];
  /** CIDRs (`127.0.0.1/32`, `10.0.0.0/8`, `fd00::/8`) that may be connected to although they are internal. */
  allowedRanges?: readonly string[];
  /** Methods the caller may use (default GET, HEAD, POST; possible: GET HEAD POST PUT PATCH DELETE OPTIONS). */
  allowedMethods?: readonly string[];
  /** Most response-body bytes kept (default 1 MiB, at most 64 MiB); the rest is not read. */
  maxResponseBytes?: number;
  /** Most request-body bytes sent (default 1 MiB, at most 64 MiB). */
  maxRequestBytes?: number;
  /** Deadline of the whole request (DNS, connect, redirects, body) in ms (default 30 s, at most 10 min). */
  timeoutMs?: number;
  /** Redirects followed, each re-checked like the first URL (default 5, at most 20; 0 returns the 3xx). */
  maxRedirects?: number;
  /** User-Agent sent unless the caller gives one (default `hector-web-request`). */
  userAgent?: string;
  /** Prefix of the config paths in ConfigError issues, e.g. `tools.web` (default `web`). */
  configPath?: string;
}

export interface FetchPolicy {
  allowed: readonly HostPattern[] | undefined;
  denied: readonly HostPattern[];
  ranges: readonly Cidr[];
  methods: ReadonlySet<string>;
  maxResponseBytes: number;
  maxRequestBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  userAgent: string;
}

/** Validates the options; throws one ConfigError listing every problem. */
export function resolveFetchPolicy(options: GuardedFetcherOptions): FetchPolicy {
  const base = options.configPath ?? 'web';
  const issues: ConfigIssue[] = [];
  const issue = (key: string, message: string, hint?: string) =>
    issues.push({ path: `${base}.${key}`, message, ...(hint ? { hint } : {}) });

  const patterns = (key: string, list: readonly string[] | undefined): HostPattern[] => {
    const out: HostPattern[] = [];
    if (list === undefined) return out;
    if (!Array.isArray(list)) {
      issue(key, 'must be a list of host names');
      return out;
    }
    list.forEach((entry: unknown, i) => {
      const p = typeof entry === 'string' ? parseHostPattern(entry) : undefined;
      if (p) out.push(p);
      else
        issue(
          `${key}[${i}]`,
          `${JSON.stringify(entry)} is not a host name or pattern`,
          'write a bare host such as "api.example.com", or "*.example.com" for its subdomains (no scheme, port or path)',
        );
    });
    return out;
  };
  const allowed =
    options.allowedDomains === undefined ? undefined : patterns('allowed_domains', options.allowedDomains);
  if (Array.isArray(options.allowedDomains) && options.allowedDomains.length === 0) {
    issue('allowed_domains', 'is empty, which would allow no host at all', 'list the hosts to allow, or leave it out');
  }
  const denied = patterns('denied_domains', options.deniedDomains);

  let ranges: Cidr[] = [];
  if (options.allowedRanges !== undefined) {
    const texts = options.allowedRanges as readonly unknown[];
    const strings = Array.isArray(texts) && texts.every((t) => typeof t === 'string');
    const parsed = strings ? parseAllowedRanges(texts as string[]) : { ok: false as const, bad: -1 };
    if (parsed.ok) ranges = parsed.ranges;
    else
      issue(
        parsed.bad >= 0 ? `allowed_ranges[${parsed.bad}]` : 'allowed_ranges',
        parsed.bad >= 0 ? `${JSON.stringify(texts[parsed.bad])} is not a CIDR range` : 'must be a list of CIDR ranges',
        'write e.g. "10.1.0.0/16", "127.0.0.1/32" or "fd00::/8" (host bits must be zero)',
      );
  }

  const methods = new Set<string>();
  const methodList: readonly unknown[] = options.allowedMethods ?? DEFAULT_ALLOWED_METHODS;
  if (!Array.isArray(methodList)) issue('allowed_methods', 'must be a list of HTTP methods');
  for (const [i, m] of (Array.isArray(methodList) ? methodList : []).entries()) {
    const upper = typeof m === 'string' ? m.toUpperCase() : '';
    if (SUPPORTED_METHODS.includes(upper)) methods.add(upper);
    else issue(`allowed_methods[${i}]`, `${JSON.stringify(m)} is not allowed`, `use ${SUPPORTED_METHODS.join(', ')}`);
  }
  if (methods.size === 0 && Array.isArray(methodList) && methodList.length === 0) {
    issue('allowed_methods', 'must not be empty');
  }

  const int = (key: string, value: number | undefined, fallback: number, min: number, max: number): number => {
    const v = value ?? fallback;
    if (Number.isSafeInteger(v) && v >= min && v <= max) return v;
    issue(key, `must be an integer from ${min} to ${max}, got ${String(value)}`);
    return fallback;
  };
  const maxResponseBytes = int(
    'max_response_bytes',
    options.maxResponseBytes,
    DEFAULT_MAX_RESPONSE_BYTES,
    1,
    MAX_RESPONSE_BYTES_LIMIT,
  );
  const maxRequestBytes = int(
    'max_request_bytes',
    options.maxRequestBytes,
    DEFAULT_MAX_REQUEST_BYTES,
    0,
    MAX_RESPONSE_BYTES_LIMIT,
  );
  const timeoutMs = int('timeout', options.timeoutMs, DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS);
  const maxRedirects = int('max_redirects', options.maxRedirects, DEFAULT_MAX_REDIRECTS, 0, MAX_REDIRECTS_LIMIT);
  const userAgent = options.userAgent ?? 'hector-web-request';
  if (typeof userAgent !== 'string' || !/^[\x20-\x7e]{1,200}$/.test(userAgent)) {
    issue('user_agent', 'must be 1 to 200 printable ASCII characters');
  }

  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze({
    allowed: allowed && Object.freeze(allowed),
    denied: Object.freeze(denied),
    ranges: Object.freeze(ranges),
    methods,
    maxResponseBytes,
    maxRequestBytes,
    timeoutMs,
    maxRedirects,
    userAgent,
  });
}
