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
