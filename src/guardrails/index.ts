export type { Guardrails } from './guardrails.ts';
export { createGuardrails, wrapUntrusted } from './guardrails.ts';
export type { InjectionResult } from './injection.ts';
export { detectInjection } from './injection.ts';
export type { PiiKind, Span } from './pii.ts';
export { findPii, PII_KINDS } from './pii.ts';
export type { RedactMode } from './redact.ts';
export { applyRedactions, createRedactor, REDACT_MODES } from './redact.ts';
export type { OutputStream, StreamStep } from './stream.ts';
export type {
  ContentOptions,
  GuardrailsOptions,
  InjectionOptions,
  InputChecks,
  LengthOptions,
  ModerationHook,
  OutputChecks,
  PatternOptions,
  PiiOptions,
  SanitizerOptions,
  Severity,
  Stage,
  TextVerdict,
  Violation,
} from './types.ts';
export { SEVERITIES } from './types.ts';
