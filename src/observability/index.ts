export type { AuditEvent, AuditInput, AuditSink, AuditSinkOptions } from './audit.ts';
export { createAuditSink } from './audit.ts';
export type { LogFormat, Logger, LoggerOptions, LogLevel } from './logger.ts';
export { createLogger, createScrubber } from './logger.ts';
