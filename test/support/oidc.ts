/**
 * A REAL OpenID provider for tests: `oidc-provider` on 127.0.0.1 (port 0) issuing client-credentials access tokens
 * in JWT format (RFC 9068, `typ: at+jwt`), signed RS256 with RSA keys generated here, JWKS at `<issuer>/jwks`.
 *
 * - `token({tenant_id, roles, scope, audience, claims})` runs the real token endpoint (client_secret_basic,
 *   grant_type=client_credentials, one resource indicator). The audience is carried by the resource indicator
 *   `urn:hector-test:audience:<audience>` (default `hector-api`); custom claims come from the `extraTokenClaims`
 *   hook, fed from a per-request value set just before the request (requests are serialised, so concurrent
 *   `token()` calls cannot swap claims).
 * - `rotateKeys({keepOld})` generates a new key with a new kid and makes it the signing key; the old key stays in
 *   the JWKS unless `keepOld: false`. Implemented by swapping in a new Provider (same issuer, same port): the
 *   provider's keystore is fixed at construction.
 * - `jwksRequests()` counts GETs of the JWKS endpoint (what a fetch storm would show).
 * - `sign(claims, {kid, alg})` signs arbitrary claims with the current signing key, for tokens the provider would
 *   never issue (no `exp`, no `sub`, `nbf` in the future, another `iss`).
 * - `close()` stops the server and drops its connections; call it in `after()`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import Provider from 'oidc-provider';

export const DEFAULT_AUDIENCE = 'hector-api';
export const TEST_SCOPES = 'a2a:read a2a:write';
const RESOURCE_PREFIX = 'urn:hector-test:audience:';
const CLIENT_ID = 'hector-test-client';

export interface OidcTokenOptions {
  /** Value of the `tenant_id` claim (any JSON, so malformed tenants can be tried). Omitted when undefined. */
  tenant_id?: unknown;
  /** Value of the `roles` claim: a list, or a space/comma separated string. Omitted when undefined. */
  roles?: unknown;
  /** Requested scope (filtered by the provider to `a2a:read a2a:write`). */
  scope?: string;
  /** The token's `aud` (default `hector-api`). */
  audience?: string;
  /** More claims to add (registered claims such as sub/iss/exp cannot be overridden by the provider). */
  claims?: Record<string, unknown>;
}

export interface TestOidcProvider {
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly audience: string;
  /** The kid of the current signing key. */
  kid(): string;
  token(options?: OidcTokenOptions): Promise<string>;
  sign(claims: Record<string, unknown>, options?: { kid?: string | null; alg?: 'RS256' }): Promise<string>;
  /** The current signing key's public key, PEM (SPKI), e.g. as the "secret" of an HS256 confusion attack. */
  publicKeyPem(): string;
  rotateKeys(options?: { keepOld?: boolean }): Promise<void>;
  jwksRequests(): number;
  close(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateJwk: JWK;
  privateKey: CryptoKey;
  publicPem: string;
}

/** A per-provider in-memory store (client credentials JWTs are barely stored; this keeps the provider quiet). */
function memoryAdapter() {
  const rows = new Map<string, Record<string, unknown>>();
  return class TestAdapter {
    readonly #model: string;
    constructor(model: string) {
      this.#model = model;
    }
    async upsert(id: string, payload: Record<string, unknown>) {
      rows.set(`${this.#model}:${id}`, payload);
    }
    async find(id: string) {
      return rows.get(`${this.#model}:${id}`);
    }
    async findByUserCode() {
      return undefined;
    }
    async findByUid() {
      return undefined;
    }
    async consume(id: string) {
      const row = rows.get(`${this.#model}:${id}`);
      if (row) row.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      rows.delete(`${this.#model}:${id}`);
    }
    async revokeByGrantId() {}
  };
}

async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const kid = `test-${randomBytes(6).toString('hex')}`;
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateJwk, privateKey, publicPem: await exportSPKI(publicKey) };
}

export async function startOidcProvider(): Promise<TestOidcProvider> {
  const clientSecret = randomBytes(32).toString('base64url');
  let keys: SigningKey[] = [await newSigningKey()];
  let pendingClaims: Record<string, unknown> | undefined;
  let jwksCount = 0;
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/jwks') jwksCount++;
    if (!handler) {
      res.statusCode = 503;
      res.end();
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const build = () => {
    const signing = keys[0]!;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: clientSecret,
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      adapter: memoryAdapter(),
      ttl: { ClientCredentials: 600 },
      jwks: { keys: keys.map((k) => k.privateJwk) },
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: async () => `${RESOURCE_PREFIX}${DEFAULT_AUDIENCE}`,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (_ctx: unknown, resourceIndicator: string) => {
            if (!resourceIndicator.startsWith(RESOURCE_PREFIX)) throw new Error('unknown resource indicator');
            return {
              scope: TEST_SCOPES,
              audience: decodeURIComponent(resourceIndicator.slice(RESOURCE_PREFIX.length)),
              accessTokenTTL: 600,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256', kid: signing.kid } },
            };
          },
        },
      },
      extraTokenClaims: async () => pendingClaims,
    });
    handler = provider.callback();
  };
  build();

  // One token request at a time, so the claims set for a request are the ones its token gets.
  let queue: Promise<unknown> = Promise.resolve();
  const requestToken = async (options: OidcTokenOptions): Promise<string> => {
    const claims: Record<string, unknown> = { ...options.claims };
    if (options.tenant_id !== undefined) claims.tenant_id = options.tenant_id;
    if (options.roles !== undefined) claims.roles = options.roles;
    pendingClaims = Object.keys(claims).length > 0 ? claims : undefined;
    try {
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        resource: `${RESOURCE_PREFIX}${encodeURIComponent(options.audience ?? DEFAULT_AUDIENCE)}`,
        scope: options.scope ?? TEST_SCOPES,
      });
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body,
      });
      const json = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
      if (res.status !== 200 || typeof json.access_token !== 'string') {
        throw new Error(`token request failed: HTTP ${res.status} ${json.error ?? ''} ${json.error_description ?? ''}`);
      }
      return json.access_token;
    } finally {
      pendingClaims = undefined;
    }
  };

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    audience: DEFAULT_AUDIENCE,
    kid: () => keys[0]!.kid,
    token(options = {}) {
      const next = queue.then(() => requestToken(options));
      queue = next.catch(() => {});
      return next;
    },
    async sign(claims, options = {}) {
      const key = keys[0]!;
      const kid = options.kid === undefined ? key.kid : options.kid;
      const header = kid === null ? { alg: 'RS256' } : { alg: 'RS256', kid };
      return new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);
    },
    publicKeyPem: () => keys[0]!.publicPem,
    async rotateKeys(options = {}) {
      const fresh = await newSigningKey();
      keys = options.keepOld === false ? [fresh] : [fresh, ...keys];
      build();
    },
    jwksRequests: () => jwksCount,
    async close() {
      handler = undefined;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
