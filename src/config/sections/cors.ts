/**
 * `server.cors:` — cross-origin access for browsers. Without this block no CORS headers are sent (same-origin
 * only). `"*"` allows any origin and never goes with `allow_credentials: true`.
 */
import { z } from 'zod';
import { boolean, integer, text } from '../fields.ts';

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export const corsSchema = z
  .strictObject({
    allowed_origins: z
      .array(
        text().refine(
          (o) => o === '*' || ORIGIN.test(o),
          'must be "*" or an origin such as https://app.example.com (scheme, host, optional port; no path)',
        ),
      )
      .min(1, 'list at least one origin')
      .describe('origins allowed to call the API from a browser'),
    allowed_methods: z
      .array(text().regex(TOKEN, 'must be an HTTP method name'))
      .prefault(['GET', 'POST', 'OPTIONS'])
      .describe('methods allowed in cross-origin requests'),
    allowed_headers: z
      .array(text().regex(TOKEN, 'must be a header name'))
      .prefault(['Authorization', 'Content-Type'])
      .describe('request headers allowed in cross-origin requests'),
    max_age: integer(0, 86_400).prefault(600).describe('seconds a browser may cache a preflight answer'),
    allow_credentials: boolean().prefault(false).describe('let browsers send credentials (cookies, auth headers)'),
  })
  .superRefine((cors, ctx) => {
    if (cors.allow_credentials && cors.allowed_origins.includes('*')) {
      ctx.addIssue({
        code: 'custom',
        path: ['allow_credentials'],
        message: '"*" in allowed_origins cannot be combined with allow_credentials: true',
      });
    }
  })
  .describe('CORS');
