/**
 * Encryption at rest for values the server must be able to read back (an app's resolved config, its private
 * signing keys): AES-256-GCM with a random 96-bit nonce per value and the value's purpose and owner bound as
 * additional authenticated data, so a sealed value copied to another row or field does not open.
 *
 * The key is `HECTOR_ENCRYPTION_KEY` (32 bytes as 64 hex digits or base64) when set; otherwise it is derived
 * from the admin secret with HKDF-SHA256. The derived form means rotating the admin secret makes every sealed
 * value unreadable (re-seal first), and anyone who knows the admin secret can decrypt a database dump — set
 * HECTOR_ENCRYPTION_KEY to keep the two apart.
 *
 * Format: `v1.<nonce b64url>.<ciphertext+tag b64url>`. Anything else, a wrong key, a wrong binding or a
 * tampered byte fails with SealError, never with plaintext.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

export interface Sealer {
  /** Where the key came from, for the startup log (never the key): `HECTOR_ENCRYPTION_KEY` or `derived`. */
  readonly keySource: 'HECTOR_ENCRYPTION_KEY' | 'derived from the admin secret';
  seal(plaintext: string, binding: string): string;
  open(sealed: string, binding: string): string;
}

const VERSION = 'v1';

/** Parses HECTOR_ENCRYPTION_KEY: exactly 32 bytes as hex or base64 (standard or url-safe, padding optional). */
export function parseEncryptionKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t)
    ? Buffer.from(t, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(t)
      ? Buffer.from(t.replaceAll('-', '+').replaceAll('_', '/'), 'base64')
      : undefined;
  if (key?.length !== 32) {
    throw new SealError(
      'HECTOR_ENCRYPTION_KEY must be 32 random bytes as 64 hex digits or base64 (generate one with: openssl rand -hex 32)',
    );
  }
  return key;
}

export function createSealer(options: { encryptionKey?: string; adminSecret?: string }): Sealer {
  let key: Buffer;
  let keySource: Sealer['keySource'];
  if (options.encryptionKey !== undefined) {
    key = parseEncryptionKey(options.encryptionKey);
    keySource = 'HECTOR_ENCRYPTION_KEY';
  } else if (options.adminSecret !== undefined && options.adminSecret.length >= 16) {
    key = Buffer.from(hkdfSync('sha256', options.adminSecret, 'hector', 'hector at-rest encryption v1', 32));
    keySource = 'derived from the admin secret';
  } else {
    throw new SealError('no encryption key: set HECTOR_ENCRYPTION_KEY (openssl rand -hex 32) or an admin secret');
  }
  return {
    keySource,
    seal(plaintext, binding) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(binding, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed, binding) {
      const parts = sealed.split('.');
      if (parts.length !== 3 || parts[0] !== VERSION) throw new SealError('not a sealed value');
      const nonce = Buffer.from(parts[1]!, 'base64url');
      const body = Buffer.from(parts[2]!, 'base64url');
      if (nonce.length !== 12 || body.length < 16) throw new SealError('not a sealed value');
      const decipher = createDecipheriv('aes-256-gcm', key, nonce);
      decipher.setAAD(Buffer.from(binding, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - 16));
      try {
        return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
      } catch {
        throw new SealError('the sealed value does not open with this key (wrong key, or it was altered)');
      }
    },
  };
}
