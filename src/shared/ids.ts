import { randomBytes, randomUUID } from 'node:crypto';

/** A random identifier from the CSPRNG (never Math.random). With a prefix: `prefix_<uuid>`. */
export function newId(prefix?: string): string {
  const id = randomUUID();
  return prefix ? `${prefix}_${id}` : id;
}

/** `bytes` random bytes, base64url encoded. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** `bytes` random bytes from the CSPRNG, lowercase hex (W3C trace and span ids). */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
