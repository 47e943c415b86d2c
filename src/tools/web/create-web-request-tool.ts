import { z } from 'zod';
import { ConfigError, isAppError } from '../../shared/index.ts';
import { defineTool } from '../define-tool.ts';
import type { Tool } from '../types.ts';
import { resolveFetchPolicy } from './fetch-policy.ts';
import { createGuardedFetcher, type GuardedFetcherDeps } from './guarded-fetcher.ts';
import { MAX_HEADER_VALUE_BYTES, MAX_HEADERS } from './request-headers.ts';
import { renderResponse } from './response-text.ts';
import { WebRequestBlockedError } from './target.ts';

export interface WebRequestToolOptions {
  /** The tool name the model sees. */
  name: string;
  /** Replaces the built-in description. */
  description?: string;
  /** When set, only these hosts: `api.example.com` exactly, `*.example.com` any subdomain (not the apex). */
  allowedDomains?: readonly string[];
  /** Always refused, even when allowed: `example.com` and all its subdomains; `*.example.com` subdomains only. */
  deniedDomains?: readonly string[];
  /** CIDRs that may be reached although internal, e.g. `10.20.0.0/16` or `127.0.0.1/32` (tests). */
  allowedRanges?: readonly string[];
  /** Most response-body bytes read (the config default is 1 MiB); longer bodies are cut with a marker. */
  maxResponseBytes: number;
  /** Deadline of the whole call in ms, redirects included. */
  timeoutMs: number;
  /** Redirects followed, each re-checked (default 5). */
  maxRedirects?: number;
  /** Default GET, HEAD, POST; PUT, PATCH, DELETE, OPTIONS can be added. */
  allowedMethods?: readonly string[];
}

const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The `web_request` tool: one HTTP(S) request through the SSRF-guarded client (see guarded-fetcher.ts for the
 * contract: no internal addresses unless allowed, re-checked on every redirect, pinned connections, no server
 * credentials). The model gets the status, a few headers and the body as text; refusals, DNS and connection
 * failures come back as an error result the model can read. HTTP error statuses (4xx/5xx) are NOT tool errors:
 * the request worked and the model reads the status. Cancellation through the call's signal is rethrown.
 */
export function createWebRequestTool(options: WebRequestToolOptions, deps: GuardedFetcherDeps = {}): Tool {
  const { name } = options;
  if (typeof name !== 'string' || !TOOL_NAME.test(name)) {
    throw new ConfigError([
      { path: `tools.${String(name)}`, message: 'invalid tool name', hint: 'use 1-64 letters, digits, "_" or "-"' },
    ]);
  }
  const base = `tools.${name}`;
  const missing = (key: string, value: unknown) => {
    if (value === undefined) throw new ConfigError([{ path: `${base}.${key}`, message: 'is required' }]);
  };
  missing('max_response_bytes', options.maxResponseBytes);
  missing('timeout', options.timeoutMs);
  const fetcherOptions = {
    configPath: base,
    maxResponseBytes: options.maxResponseBytes,
    timeoutMs: options.timeoutMs,
    ...(options.allowedDomains === undefined ? {} : { allowedDomains: options.allowedDomains }),
    ...(options.deniedDomains === undefined ? {} : { deniedDomains: options.deniedDomains }),
    ...(options.allowedRanges === undefined ? {} : { allowedRanges: options.allowedRanges }),
    ...(options.maxRedirects === undefined ? {} : { maxRedirects: options.maxRedirects }),
    ...(options.allowedMethods === undefined ? {} : { allowedMethods: options.allowedMethods }),
  };
  const policy = resolveFetchPolicy(fetcherOptions);
  const fetcher = createGuardedFetcher(fetcherOptions, deps);
  const methods = [...policy.methods];
  const hosts = policy.allowed?.map((p) => (p.wildcard ? `*.${p.host}` : p.host));

  const args = z.strictObject({
    url: z.string().min(1).max(8192).describe('Absolute http:// or https:// URL, e.g. "https://example.com/page"'),
    method: z
      .string()
      .min(1)
      .max(16)
      .optional()
      .describe(`HTTP method (default GET); allowed: ${methods.join(', ')}`),
    headers: z
      .record(z.string().min(1).max(256), z.string().max(MAX_HEADER_VALUE_BYTES))
      .optional()
      .describe(
        `Request headers as name → value (at most ${MAX_HEADERS}); Host, Connection and framing headers are refused`,
      ),
    body: z.string().optional().describe('Request body as text (not with GET or HEAD)'),
  });

  const description =
    options.description ??
    [
      `Make one HTTP request and return the status line, main headers and the body as text (at most ${policy.maxResponseBytes} bytes; longer bodies end with a "[truncated: …]" line; binary bodies are summarised).`,
      `Methods: ${methods.join(', ')}. Redirects are followed (up to ${policy.maxRedirects}).`,
      hosts ? `Only these hosts can be requested: ${hosts.join(', ')}.` : '',
      'Internal and private network addresses are refused.',
    ]
      .filter(Boolean)
      .join(' ');

  return defineTool({
    name,
    description,
    args,
    async execute(a, context) {
      try {
        const response = await fetcher({
          url: a.url,
          ...(a.method === undefined ? {} : { method: a.method }),
          ...(a.headers === undefined ? {} : { headers: a.headers }),
          ...(a.body === undefined ? {} : { body: a.body }),
          signal: context.signal,
        });
        return { output: renderResponse(response, policy.maxResponseBytes), isError: false };
      } catch (e) {
        if (context.signal.aborted || !isAppError(e)) throw e;
        const prefix =
          e instanceof WebRequestBlockedError
            ? 'refused'
            : e.code === 'invalid_request'
              ? 'invalid request'
              : 'request failed';
        return {
          output: `${prefix}: ${e.message}`,
          isError: true,
          ...(e instanceof WebRequestBlockedError ? { audit: { denied: e.message } } : {}),
        };
      }
    },
  });
}
