/**
 * Which IP addresses an outbound request may connect to. Security contract: an address is allowed only when it
 * is a globally routable unicast address, or when it lies inside one of the operator's `allowedRanges`.
 *
 * Blocked (with the category named in the refusal): unspecified/"this network" 0/8 and `::`, loopback 127/8 and
 * `::1`, private 10/8, 172.16/12, 192.168/16 and fc00::/7, link-local 169.254/16 (cloud metadata
 * 169.254.169.254) and fe80::/10, CGNAT 100.64/10, IETF protocol assignments 192.0.0/24, documentation
 * ranges, 6to4 relay 192.88.99/24, benchmarking 198.18/15 and 2001:2::/48, multicast 224/4 and ff00::/8,
 * reserved 240/4 and broadcast, the Azure platform endpoint 168.63.129.16, and every IPv6 address outside
 * 2000::/3 (site-local, discard, IPv4-compatible, IPv4-translated, local-use NAT64 …), Teredo 2001::/32 (its
 * embedded address is obfuscated) and ORCHID.
 *
 * Embedded IPv4: an IPv4-mapped address (`::ffff:127.0.0.1`) IS the IPv4 address and is judged as IPv4,
 * allowed ranges included. NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses are blocked when the IPv4
 * address they embed is blocked; an allowed IPv4 range does not make them allowed (the packet goes through a
 * translator, not straight to that host), only an allowed IPv6 range covering them does.
 */
import { type Cidr, cidrContains, type IpAddress, isMappedV4, parseCidr } from '../../shared/index.ts';

export type AddressVerdict = { allowed: true } | { allowed: false; category: string };

interface Rule {
  range: Cidr;
  category: string;
}

function rules(list: readonly (readonly [string, string])[]): Rule[] {
  return list.map(([cidr, category]) => {
    const range = parseCidr(cidr);
    if (!range) throw new Error(`bad built-in CIDR ${cidr}`);
    return { range, category };
  });
}

const V4_BLOCKED = rules([
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT (shared)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (cloud metadata)'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignment'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', '6to4 relay anycast'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['168.63.129.16/32', 'cloud platform endpoint (Azure WireServer)'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

const V6_BLOCKED = rules([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'IPv4-compatible (deprecated)'],
  ['::ffff:0:0:0/96', 'IPv4-translated'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['100::/64', 'discard-only'],
  ['fc00::/7', 'unique local (private)'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast'],
  ['2001::/32', 'Teredo tunnel'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:10::/28', 'ORCHID'],
  ['2001:20::/28', 'ORCHIDv2'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
]);

const NAT64 = parseCidr('64:ff9b::/96')!;
const SIX_TO_FOUR = parseCidr('2002::/16')!;
const GLOBAL_UNICAST_V6 = parseCidr('2000::/3')!;

/** Parses `allowedRanges` entries; returns the index of the first bad entry instead when one is malformed. */
export function parseAllowedRanges(
  texts: readonly string[],
): { ok: true; ranges: Cidr[] } | { ok: false; bad: number } {
  const ranges: Cidr[] = [];
  for (let i = 0; i < texts.length; i++) {
    const range = parseCidr(texts[i]!);
    if (!range) return { ok: false, bad: i };
    ranges.push(range);
  }
  return { ok: true, ranges };
}

/** The address actually dialled for `ip`: an IPv4-mapped IPv6 address becomes its IPv4 address. */
export function unmapIp(ip: IpAddress): IpAddress {
  return ip.family === 6 && isMappedV4(ip.bytes) ? { family: 4, bytes: ip.bytes.slice(12) } : ip;
}

/** Judges one address against the built-in block list and the operator's allowed ranges (see file comment). */
export function checkAddress(address: IpAddress, allowedRanges: readonly Cidr[]): AddressVerdict {
  const ip = unmapIp(address);
  if (allowedRanges.some((r) => cidrContains(r, ip))) return { allowed: true };
  if (ip.family === 4) return judgeV4(ip.bytes);

  const hit = V6_BLOCKED.find((r) => cidrContains(r.range, ip));
  if (hit) return { allowed: false, category: hit.category };
  if (cidrContains(NAT64, ip)) return embedded('NAT64', ip.bytes.slice(12));
  if (cidrContains(SIX_TO_FOUR, ip)) return embedded('6to4', ip.bytes.slice(2, 6));
  if (!cidrContains(GLOBAL_UNICAST_V6, ip)) return { allowed: false, category: 'not global unicast' };
  return { allowed: true };
}

function judgeV4(bytes: Uint8Array): AddressVerdict {
  const ip: IpAddress = { family: 4, bytes };
  const hit = V4_BLOCKED.find((r) => cidrContains(r.range, ip));
  return hit ? { allowed: false, category: hit.category } : { allowed: true };
}

function embedded(kind: string, v4: Uint8Array): AddressVerdict {
  const verdict = judgeV4(v4);
  if (verdict.allowed) return verdict;
  return { allowed: false, category: `${kind} address embedding a ${verdict.category} IPv4 address` };
}
