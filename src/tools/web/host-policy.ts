/**
 * Host name lists (`allowedDomains`, `deniedDomains`). Names are compared after the same normalisation the
 * request URL gets from the WHATWG URL parser: lower case, IDN to punycode (`bücher.example` →
 * `xn--bcher-kva.example`), IPv4 in any notation to dotted quad, and one trailing dot removed (`example.com.` is
 * `example.com`), so no spelling of a name slips past a list entry written another way.
 *
 * Matching, checked label by label (never by substring: `example.com.evil.com` and `evilexample.com` never
 * match `example.com`):
 * - allowed `example.com`: exactly that host; allowed `*.example.com`: any subdomain at any depth, not the apex;
 * - denied `example.com`: that host AND all its subdomains (a deny list errs on the side of denying); denied
 *   `*.example.com`: subdomains only.
 * - IP literals (`10.1.2.3`, `[2001:db8::1]`) match only exactly, in either list.
 */
import { parseIp } from '../../shared/index.ts';

export interface HostPattern {
  /** The normalised host (without the `*.`). */
  host: string;
  wildcard: boolean;
  isIp: boolean;
}

/**
 * The normalised form of a host as the URL parser sees it, with a trailing dot removed and IPv6 brackets kept.
 * Undefined when the text is not a valid host.
 */
export function normaliseHost(text: string): string | undefined {
  if (text.length === 0 || /[/?#@\\\s]/.test(text)) return undefined;
  let url: URL;
  try {
    url = new URL(`http://${text}/`);
  } catch {
    return undefined;
  }
  if (url.port !== '' || url.username !== '' || url.password !== '') return undefined;
  return stripTrailingDot(url.hostname);
}

export function stripTrailingDot(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/** Parses one list entry; undefined when malformed (scheme, port, path, wildcard not in front, empty label). */
export function parseHostPattern(text: string): HostPattern | undefined {
  const wildcard = text.startsWith('*.');
  const rest = wildcard ? text.slice(2) : text;
  if (rest.includes('*')) return undefined;
  const host = normaliseHost(rest);
  if (!host || host.includes('..') || host.startsWith('.')) return undefined;
  const isIp = parseIp(host) !== undefined;
  if (isIp && wildcard) return undefined;
  if (!isIp && wildcard && !host.includes('.')) return undefined; // `*.com` would allow a whole TLD
  return { host, wildcard, isIp };
}

/** `host` is normalised (see normaliseHost). */
export function matchesAllowed(pattern: HostPattern, host: string): boolean {
  if (pattern.isIp || !pattern.wildcard) return host === pattern.host;
  return isStrictSubdomain(host, pattern.host);
}

/** `host` is normalised (see normaliseHost). */
export function matchesDenied(pattern: HostPattern, host: string): boolean {
  if (pattern.isIp) return host === pattern.host;
  if (pattern.wildcard) return isStrictSubdomain(host, pattern.host);
  return host === pattern.host || isStrictSubdomain(host, pattern.host);
}

function isStrictSubdomain(host: string, parent: string): boolean {
  return host.length > parent.length + 1 && host.endsWith(`.${parent}`);
}
