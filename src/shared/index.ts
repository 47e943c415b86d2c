export type { Clock } from './clock.ts';
export { systemClock } from './clock.ts';
export type { CounterStore, PaceResult, TakeResult } from './counter-store.ts';
export { gcraStep, PACE_WINDOW, paceExpiry } from './counter-store.ts';
export type { Decision } from './decision.ts';
export { ALLOW, deny } from './decision.ts';
export { parseDuration } from './duration.ts';
export type { ConfigIssue, ErrorCode } from './errors.ts';
export {
  AppError,
  AuthenticationError,
  ConfigError,
  ConflictError,
  GuardrailBlockedError,
  InvalidRequestError,
  isAppError,
  MethodNotFoundError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitedError,
  ToolError,
  UnavailableError,
  UnsupportedMediaTypeError,
  UpstreamError,
} from './errors.ts';
export type { ChainBreak, ChainEntry } from './hash-chain.ts';
export { canonicalJson, chainHash, createChainVerifier, GENESIS_HASH } from './hash-chain.ts';
export { newId, randomHex, randomToken } from './ids.ts';
export type { Cidr, IpAddress } from './ip-address.ts';
export { cidrContains, formatIp, isMappedV4, parseCidr, parseIp } from './ip-address.ts';
export type { JsonValue } from './json.ts';
export { hasProtoKey, isPlainObject, safeJsonParse } from './json.ts';
export type { Principal } from './principal.ts';
export { ANONYMOUS_PRINCIPAL, scopeOf } from './principal.ts';
export { enableLinearRegexFallback } from './regex-engine.ts';
export type { RateSubject, Scope } from './scope.ts';
export { ANONYMOUS_USER, DEFAULT_APP_ID } from './scope.ts';
export type { Sealer } from './sealer.ts';
export { createSealer, parseEncryptionKey, SealError } from './sealer.ts';
export { constantTimeEqual, Secret, sha256Hex } from './secret.ts';
export { compileToolPattern, TOOL_PATTERN } from './tool-pattern.ts';
export type { CompiledPattern } from './user-pattern.ts';
export { compileUserPattern, UNBOUNDED_MATCH } from './user-pattern.ts';
