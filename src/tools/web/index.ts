export type { WebRequestToolOptions } from './create-web-request-tool.ts';
export { createWebRequestTool } from './create-web-request-tool.ts';
export type { GuardedFetcherOptions } from './fetch-policy.ts';
export {
  DEFAULT_ALLOWED_METHODS,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  SUPPORTED_METHODS,
} from './fetch-policy.ts';
export type {
  GuardedFetch,
  GuardedFetcher,
  GuardedFetcherDeps,
  GuardedRequest,
  GuardedResponse,
} from './guarded-fetcher.ts';
export { createGuardedFetch, createGuardedFetcher } from './guarded-fetcher.ts';
export { CLIENT_CONTROLLED_HEADERS } from './request-headers.ts';
export type { BlockReason, HostLookup, LookupAddress } from './target.ts';
export { WebRequestBlockedError } from './target.ts';
