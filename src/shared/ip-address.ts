/**
 * Strict IP address and CIDR parsing into bytes, so range checks are exact byte comparisons instead of string
 * matching. Only canonical textual forms are accepted here: dotted-quad decimal IPv4 (no octal, hex, short or
 * integer forms) and RFC 4291 IPv6 text (with an optional dotted-quad tail, no zone id). Callers normalise
 * user-written hosts with the WHATWG URL parser first, which turns `0177.0.0.1`, `0x7f.1`, `127.1` and
 * `2130706433` into `127.0.0.1`; anything still not canonical is refused, never guessed at.
 */
import { isIP } from 'node:net';

export interface IpAddress {
  family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6, network order. */
  bytes: Uint8Array;
}

export interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

const DECIMAL_OCTET = /^(?:0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Parses a canonical dotted-quad IPv4 address (`127.0.0.1`); undefined for anything else. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!DECIMAL_OCTET.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes[i] = n;
  }
  return bytes;
}

/** Parses RFC 4291 IPv6 text (`::1`, `::ffff:127.0.0.1`, `2001:db8::1`); no brackets, no zone id. */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > 45 || text.includes('%')) return undefined;
  let head = text;
  let tail: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    tail = parseIpv4(text.slice(lastColon + 1));
    if (!tail) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = groupsOf(halves[0]!);
  const right = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const total = left.length + right.length;
  if (halves.length === 2 ? total > 7 : total !== 8) return undefined;
  const groups = [...left, ...Array<string>(8 - total).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = groups[i]!;
    if (!HEX_GROUP.test(g)) return undefined;
    const n = Number.parseInt(g, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  }
  if (tail) bytes.set(tail, 12);
  return bytes;
}

/**
 * Parses an IP address in canonical form, IPv6 optionally in brackets. Double-checked against `net.isIP`, so an
 * address this parser accepts is one Node itself would connect to as a literal (never resolved by DNS).
 */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const kind = isIP(bare);
  if (kind === 4) {
    const bytes = parseIpv4(bare);
    return bytes ? { family: 4, bytes } : undefined;
  }
  if (kind === 6) {
    const bytes = parseIpv6(bare);
    return bytes ? { family: 6, bytes } : undefined;
  }
  return undefined;
}

/** Canonical text of an address: dotted quad, or RFC 5952 compressed lower-case IPv6. */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((ip.bytes[i * 2]! << 8) | ip.bytes[i * 2 + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * Parses `a.b.c.d/n` or `ipv6/n` (a bare address means a single host: /32 or /128). Host bits must be zero
 * (`10.0.0.1/8` is refused as a probable typo). An IPv4-mapped IPv6 range with a prefix of at least 96
 * (`::ffff:127.0.0.1/128`) is turned into the equivalent IPv4 range, because mapped addresses are checked as IPv4.
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(addressText);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(?:0|[1-9]\d{0,2})$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  for (let bit = prefix; bit < max; bit++) {
    if (((ip.bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) !== 0) return undefined;
  }
  if (ip.family === 6 && prefix >= 96 && isMappedV4(ip.bytes)) {
    return { family: 4, bytes: ip.bytes.slice(12), prefix: prefix - 96 };
  }
  return { family: ip.family, bytes: ip.bytes, prefix };
}

/** True when `ip` lies inside `range` (same family only). */
export function cidrContains(range: Cidr, ip: IpAddress): boolean {
  if (range.family !== ip.family) return false;
  const full = range.prefix >> 3;
  for (let i = 0; i < full; i++) if (range.bytes[i] !== ip.bytes[i]) return false;
  const rest = range.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (range.bytes[full]! & mask) === (ip.bytes[full]! & mask);
}

/** `::ffff:a.b.c.d` (RFC 4291 IPv4-mapped). */
export function isMappedV4(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}
