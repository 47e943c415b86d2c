/**
 * `server.auth:` — how callers authenticate. Methods: a shared secret (admin), static API keys, JWT verified
 * against a JWKS. Several may be set at once; a request is accepted if any method accepts it.
 *
 * `enabled` defaults to "on when any method is configured". `enabled: true` with nothing to verify with, and
 * `enabled: false` with methods listed, are both errors (checked once the environment and command-line flags are
 * merged in, at server start). `issuer` / `audience` without `jwks_url` are errors here.
 */
import { z } from 'zod';
import { boolean, httpUrl, text } from '../fields.ts';

export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

const apiKeyEntry = z.union([
  text().describe('an API key (from an environment variable); clients send Authorization: Bearer <key>'),
  z
    .strictObject({
      key: text().describe('the key (from an environment variable)'),
      subject: text().optional().describe('user id of requests made with this key (default api-key-<index>)'),
      roles: z.array(text()).prefault([]).describe('roles of that user'),
    })
    .describe('an API key with the identity it stands for'),
]);

export const authSchema = z
  .strictObject({
    enabled: boolean().optional().describe('require authentication (default: on when any method is configured)'),
    secret: text().optional().describe('shared admin secret (prefer HECTOR_AUTH_SECRET); at least 16 characters'),
    api_keys: z.array(apiKeyEntry).optional().describe('static API keys'),
    jwks_url: httpUrl().optional().describe('JWKS endpoint of the identity provider (https; http only on loopback)'),
    issuer: text().optional().describe('required `iss` of JWTs'),
    audience: z
      .union([text(), z.array(text()).min(1, 'must list at least one audience')])
      .optional()
      .describe('accepted `aud` of JWTs'),
    algorithms: z
      .array(z.enum(JWT_ALGORITHMS))
      .min(1)
      .optional()
      .describe('accepted JWT signature algorithms (asymmetric only)'),
    tenant_claim: text().prefault('tenant_id').describe('JWT claim naming the tenant (app)'),
    require_tenant_claim: boolean()
      .optional()
      .describe(
        'refuse JWTs without the tenant claim (default: on when the Admin API is, i.e. with an admin secret); false sends them to the default app',
      ),
  })
  .superRefine((auth, ctx) => {
    if (auth.jwks_url === undefined) {
      for (const key of ['issuer', 'audience', 'algorithms'] as const) {
        if (auth[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `${key} is set but jwks_url is not: JWTs cannot be verified`,
          });
        }
      }
    }
  })
  .describe('authentication');
