export { DEFAULT_AUDIT_FILE, resolveAuditKey } from './audit-setup.ts';
export type { AuditVerification } from './audit-verify.ts';
export { verifyAuditDatabase, verifyAuditFile } from './audit-verify.ts';
export type { DoctorInput, Finding, Severity } from './doctor.ts';
export { countFindings, failsAt, gradeConfig, SEVERITIES } from './doctor.ts';
export { checkStartup } from './doctor-startup.ts';
export type { RunningServer, StartServerOptions } from './start-server.ts';
export { startServer } from './start-server.ts';
